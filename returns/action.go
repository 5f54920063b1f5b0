package returns

// Action is a seller action, named after the GraphQL mutation that performs it.
type Action string

// The seller actions.
const (
	ActionApprove          Action = "returnApprove"
	ActionReject           Action = "returnReject"
	ActionOffer            Action = "returnOffer"
	ActionConfirmReceipt   Action = "returnConfirmReceipt"
	ActionRecordInspection Action = "returnRecordInspection"
	ActionRefund           Action = "returnRefund"
	ActionEscalate         Action = "returnEscalate"
)

// Actions lists every action in a stable order.
var Actions = []Action{
	ActionApprove, ActionReject, ActionOffer, ActionConfirmReceipt, ActionRecordInspection, ActionRefund, ActionEscalate,
}
