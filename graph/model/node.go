// Package model holds the API's own types: the Node interface and the input
// and payload types gqlgen generates. Domain types are bound from package returns.
package model

// Node is any object with a global id. The concrete types (returns.Case, ...)
// carry no GraphQL code; the generated code switches on them.
type Node interface{}
