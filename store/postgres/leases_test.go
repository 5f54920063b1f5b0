package postgres

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Of replicas asking at once exactly one holds a lease; it renews it, and
// another takes it over only once it lapses or is released.
func TestLeases(t *testing.T) {
	s := openFresh(t, nil)
	ctx := t.Context()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireLease(ctx, "poll:XHS:a", string(rune('A'+i)), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d holders, want 1", wins.Load())
	}
	if ok, _ := s.AcquireLease(ctx, "l", "a", 200*time.Millisecond); !ok {
		t.Fatal("a free lease was not taken")
	}
	if ok, _ := s.AcquireLease(ctx, "l", "a", 200*time.Millisecond); !ok {
		t.Fatal("the holder could not renew")
	}
	if ok, _ := s.AcquireLease(ctx, "l", "b", time.Minute); ok {
		t.Fatal("another took a live lease")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := s.AcquireLease(ctx, "l", "b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lapsed lease was never taken over")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.ReleaseLease(ctx, "l", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireLease(ctx, "l", "c", time.Minute); !ok {
		t.Fatal("a released lease was not taken")
	}
}
