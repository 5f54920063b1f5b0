// Package graph is the GraphQL API: the schema (*.graphqls), the code gqlgen
// generates from it (committed), thin resolvers that delegate to the store,
// the adapters and the actions service, and the HTTP handler set-up.
package graph

//go:generate go tool gqlgen generate
//go:generate go run ./internal/lean generated.go

import "github.com/patrickmn/go-cache"

// Resolver is the root resolver; its fields are the API's dependencies.
type Resolver struct {
	deps   Deps
	live   *cache.Cache // live platform data by case and version
	shared *sharedMarshals
}
