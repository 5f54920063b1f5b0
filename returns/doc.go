// Package returns is the domain at the centre of the gateway: return cases and
// their one lifecycle, money, deadlines, events, errors with codes, and the
// Platform interface that every marketplace adapter implements.
//
// It imports nothing of the infrastructure (no HTTP, no SQL, no GraphQL):
// adapters, stores, the feed and the API depend on it, never the reverse.
package returns
