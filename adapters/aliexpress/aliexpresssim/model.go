package aliexpresssim

import (
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// issue is the simulator's state of one dispute. Times are instants; they
// are written in Pacific time only on the wire.
type issue struct {
	id, orderID, parentOrderID string
	buyer                      string
	created, modified          time.Time
	status, rds                string
	reason                     reason
	timeoutType                string
	timeoutAt                  time.Time
	warranty                   bool
	settle, local              string // currencies: refund_money_max and its _local variant
	maxMinor                   int64  // refund_money_max in settle minor units
	zeroMaxWhenDone            bool   // report refund_money_max as 0 once refunded, as the platform does
	product                    product
	priceMinor                 int64 // product price in settle minor units
	returnCompany, returnNo    string
	returnLP                   string
	returnAddressID            string
	solutions                  []*solution
	process                    []*process
	pendingImages              []Image      // uploaded, waiting for the seller's mediation request
	arbitration                *Arbitration // the seller's mediation request
}

type solution struct {
	id                 string
	owner, typ, status string
	isDefault          bool
	content            string
	amountMinor        int64 // settle minor units
	bear               string
	reachedType        string
	created, modified  time.Time
	reachedAt          time.Time
	buyerAcceptAt      time.Time
	sellerAcceptAt     time.Time
	version            int64
	hideStatus         bool // the platform's placeholder solutions come without a status
}

type process struct {
	id          string
	action      string
	member      string
	content     string
	at          time.Time
	receive     bool
	attachments int
}

type reason struct {
	id      int64
	english string
	chinese string
}

// The reasons the simulator's buyers give (ids as the platform numbers them
// are not public: these are the simulator's own).
var reasons = []reason{
	{1, "Product not received", "未收到货"},
	{2, "Item not as described", "货物与描述不符"},
	{3, "Quality problems", "质量问题"},
	{4, "Size not as described", "尺寸不符"},
	{5, "Damaged during shipping", "货物破损"},
	{6, "Received wrong item", "发错货"},
	{7, "Missing parts", "少件"},
	{8, "I don't want it anymore", "不想要了"},
	{9, "Color not as described", "颜色不符"},
	{115, "Shipment is still in transit", "货物仍然在运输途中"},
}

type product struct {
	id       string
	name     string
	usdMinor int64
	category returns.Category
}

// The simulated shop's catalog.
var products = []product{
	{"1005003600816013", "Ulanzi Lino Universal Smartphone Cage with Side Handle", 6665, returns.CategoryGeneral},
	{"1005004123456789", "Wireless Earbuds Bluetooth 5.3 with Charging Case", 2399, returns.CategoryGeneral},
	{"1005005234567890", "Women's Summer Linen Dress, Size M", 1850, returns.CategoryGeneral},
	{"1005006345678901", "Personalized Engraved Leather Wallet", 2990, returns.CategoryCustomMade},
	{"1005002456789012", "Electric Toothbrush Replacement Heads (8 pcs)", 1299, returns.CategoryHygiene},
	{"1005001567890123", "Stainless Steel Chef Knife 8 inch", 3475, returns.CategoryGeneral},
	{"1005007678901234", "Activated Antivirus Licence Key Card", 1999, returns.CategoryActivatedValueLoss},
	{"1005008789012345", "LED Strip Lights 10 m RGB with Remote", 1545, returns.CategoryGeneral},
	{"1005009890123456", "Running Shoes Men Breathable, EU 43", 4290, returns.CategoryGeneral},
	{"1005000901234567", "Silk Pillowcase 2-Pack", 2150, returns.CategoryGeneral},
	{"1005001012345678", "Dried Goji Berries 500 g", 1190, returns.CategoryPerishable},
}

// usdRates is how many major units of each currency one US dollar buys
// (fixed for the simulation).
var usdRates = map[string]*big.Rat{
	"USD": big.NewRat(1, 1), "EUR": big.NewRat(92, 100), "GBP": big.NewRat(79, 100), "BRL": big.NewRat(543, 100),
	"JPY": big.NewRat(1495, 10), "PLN": big.NewRat(401, 100), "KRW": big.NewRat(1378, 1), "MXN": big.NewRat(1712, 100),
}

// convert turns minor units of one currency into another at the fixed
// rates, rounding half up.
func convert(minor int64, from, to string) int64 {
	if from == to {
		return minor
	}
	ef, _ := returns.CurrencyExponent(from)
	et, _ := returns.CurrencyExponent(to)
	r := new(big.Rat).SetInt64(minor)
	r.Mul(r, usdRates[to])
	r.Quo(r, usdRates[from])
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(et)), nil)))
	r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(ef)), nil)))
	// Half up: floor(r + 1/2).
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	return q.Int64()
}

func decimal(minor int64, currency string) aliexpresswire.Decimal {
	return aliexpresswire.Decimal(returns.Money{Minor: minor, Currency: currency}.Decimal())
}

func pacific(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(returns.Pacific).Format(aliexpresswire.TimeLayout)
}

func (is *issue) refunded() bool {
	return is.status == aliexpresswire.IssueFinish && (is.rds == aliexpresswire.RDRefundSuccess || is.rds == aliexpresswire.RDReturnSuccess ||
		is.rds == aliexpresswire.RDAEFeedbackFinish)
}

func (is *issue) solutionsOf(owner string) []*solution {
	var out []*solution
	for _, x := range is.solutions {
		if x.owner == owner {
			out = append(out, x)
		}
	}
	return out
}

func (is *issue) find(id string) *solution {
	for _, x := range is.solutions {
		if x.id == id {
			return x
		}
	}
	return nil
}

func (is *issue) wireSolution(x *solution) aliexpresswire.Solution {
	out := aliexpresswire.Solution{
		ID: aliexpresswire.Long(x.id), IssueID: aliexpresswire.Long(is.id), OrderID: aliexpresswire.Long(is.orderID),
		SolutionOwner: x.owner, SolutionType: x.typ, IsDefault: aliexpresswire.Bool(x.isDefault), Content: x.content,
		RefundMoney:         decimal(convert(x.amountMinor, is.settle, is.local), is.local),
		RefundMoneyCurrency: is.local,
		RefundMoneyPost:     decimal(x.amountMinor, is.settle), RefundMoneyPostCurrency: is.settle,
		LogisticsFeeBearRole: x.bear, ReachedType: x.reachedType,
		ReachedTime: pacific(x.reachedAt), BuyerAcceptTime: pacific(x.buyerAcceptAt), SellerAcceptTime: pacific(x.sellerAcceptAt),
		GmtCreate: pacific(x.created), GmtModified: pacific(x.modified),
	}
	if !x.hideStatus {
		out.Status = x.status
	}
	if x.version > 0 {
		out.Version = aliexpresswire.Long(fmt.Sprint(x.version))
	}
	if x.typ == aliexpresswire.SolutionReturnAndRefund {
		out.LogisticsFeeAmountCurrency = is.settle
		out.LogisticsFeeAmount = "0"
	}
	return out
}

// wire writes the issue as aliexpress.issue.detail.get's result_object.
func (is *issue) wire() *aliexpresswire.IssueDetail {
	d := &aliexpresswire.IssueDetail{
		ID: aliexpresswire.Long(is.id), OrderID: aliexpresswire.Long(is.orderID), ParentOrderID: aliexpresswire.Long(is.parentOrderID),
		BuyerLoginID: is.buyer, GmtCreate: pacific(is.created), IssueStatus: is.status,
		IssueReason: is.reason.english, IssueReasonID: aliexpresswire.Long(fmt.Sprint(is.reason.id)),
		ReverseDetailStatus: is.rds, AfterSaleWarranty: aliexpresswire.Bool(is.warranty),
		RefundMoneyMaxCurrency: is.settle, RefundMoneyMaxLocalCurrency: is.local,
		ProductID: aliexpresswire.Long(is.product.id), ProductName: is.product.name,
		ProductPrice: decimal(is.priceMinor, is.settle), ProductPriceCurrency: is.settle,
		BuyerReturnLogisticsCompany: is.returnCompany, BuyerReturnLogisticsLpNo: is.returnLP, BuyerReturnNo: is.returnNo,
	}
	max := is.maxMinor
	if is.zeroMaxWhenDone && is.refunded() {
		max = 0
	}
	d.RefundMoneyMax = decimal(max, is.settle)
	d.RefundMoneyMaxLocal = decimal(convert(max, is.settle, is.local), is.local)
	if !is.timeoutAt.IsZero() {
		d.TimeoutType, d.TimeoutTriggerTime = is.timeoutType, pacific(is.timeoutAt)
	}
	for _, x := range is.solutions {
		w := is.wireSolution(x)
		switch x.owner {
		case aliexpresswire.RoleBuyer:
			d.BuyerSolutionList = append(d.BuyerSolutionList, w)
		case aliexpresswire.RoleSeller:
			d.SellerSolutionList = append(d.SellerSolutionList, w)
		default:
			d.PlatformSolutionList = append(d.PlatformSolutionList, w)
		}
	}
	// The platform lists the history newest first.
	ps := append([]*process(nil), is.process...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].at.After(ps[j].at) })
	for _, p := range ps {
		w := aliexpresswire.Process{ID: aliexpresswire.Long(p.id), IssueID: aliexpresswire.Long(is.id), ActionType: p.action,
			SubmitMemberType: p.member, Content: p.content, GmtCreate: pacific(p.at), ReceiveGoods: aliexpresswire.Bool(p.receive)}
		for k := 0; k < p.attachments; k++ {
			w.Attachments = append(w.Attachments, aliexpresswire.Attachment{
				FilePath:  fmt.Sprintf("https://ae01.alicdn.com/kf/issue/%s-%s-%d.jpg", is.id, p.id, k),
				GmtCreate: pacific(p.at), IssueID: aliexpresswire.Long(is.id), IssueProcessID: aliexpresswire.Long(p.id), Owner: p.member})
		}
		d.ProcessDtoList = append(d.ProcessDtoList, w)
	}
	return d
}

// summary writes the issue as one entry of issuelist.get.
func (is *issue) summary() aliexpresswire.IssueSummary {
	return aliexpresswire.IssueSummary{BuyerLoginID: is.buyer, GmtCreate: pacific(is.created), GmtModified: pacific(is.modified),
		IssueID: aliexpresswire.Long(is.id), IssueStatus: is.status, OrderID: aliexpresswire.Long(is.orderID),
		ParentOrderID: aliexpresswire.Long(is.parentOrderID), ReasonChinese: is.reason.chinese, ReasonEnglish: is.reason.english}
}

// nextID returns a fresh 16-digit id; s.mu must be held.
func (s *Server) nextID() string {
	s.nextSeq++
	return fmt.Sprint(6010915445000000 + s.nextSeq*7919)
}

// addProcess records a history step; s.mu must be held.
func (s *Server) addProcess(is *issue, action, member, content string, at time.Time) {
	is.process = append(is.process, &process{id: s.nextID(), action: action, member: member, content: content, at: at})
	if at.After(is.modified) {
		is.modified = at
	}
}
