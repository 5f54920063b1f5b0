// Package transport carries GraphQL operations over the wire for gqlgen's
// executor: HTTP POST and GET (GraphQL over HTTP), WebSocket with both
// subscription protocols (graphql-transport-ws and the legacy graphql-ws),
// and Server-Sent Events. It knows nothing of the schema or the resolvers.
//
// Imports point one way: graph (the schema, resolvers and executor set-up)
// and server import transport, never the reverse. What a resolver and a
// transport share about a subscription's stream (why it ended, when its
// channel has something to read) is here, in stream.go; so is the one
// authentication hook, Authenticator, that every transport calls.
package transport
