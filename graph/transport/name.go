package transport

import "context"

// The transports, as metrics name them.
const (
	NameWebsocket = "websocket"
	NameSSE       = "sse"
)

// SubscriptionTransport names the transport that carries the subscription
// operation of ctx: the WebSocket transport marks its operations' contexts;
// the only other transport that serves subscriptions is SSE.
func SubscriptionTransport(ctx context.Context) string {
	if ctx.Value(wsStreamKey{}) != nil {
		return NameWebsocket
	}
	return NameSSE
}
