// Package bench holds the gateway's performance measurements. Nothing here is
// part of the product; the benchmarks and the load test document how the
// numbers in docs/benchmarks.md are produced:
//
//	go test ./bench -run XXX -bench . -benchtime 5s
//	go test ./bench -run TestListLoad -v -load
//	go test ./bench -run TestLiveLoad -v -load
//	go test ./bench -run TestSubscribers -v -load
//	go test ./bench -run TestListAuthLoad -v -load
//	go test ./bench -run TestFanOut -v -load
//	go test ./bench -run TestSoak -v -soak 10m -timeout 30m
package bench
