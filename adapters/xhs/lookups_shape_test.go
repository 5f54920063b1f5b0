package xhs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink safe for the adapter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// An address book that says it holds records but whose records do not
// decode is not an empty book: the adapter warns with the answer's shape
// (never its values, which are personal data).
func TestAddressBookUndecodableRecordsWarn(t *testing.T) {
	f := newFake(t)
	f.on("common.getAddressRecord", okData(`{"total":2,"addressRecordList":[{"id":19605701,"contactName":"王女士","phone":"13900000201"}]}`))
	a := newFakeAdapter(t, f, nil)
	var logs syncBuffer
	a.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	addrs, err := a.ReturnAddresses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) != 0 {
		t.Fatalf("addresses %+v from an answer the adapter cannot read", addrs)
	}
	out := logs.String()
	if !strings.Contains(out, "address book reports records but none decoded") ||
		!strings.Contains(out, "addressRecordList:array[1]{contactName:string,id:number,phone:string}") {
		t.Errorf("no warning with the shape; logged:\n%s", out)
	}
	if strings.Contains(out, "13900000201") || strings.Contains(out, "王女士") {
		t.Errorf("the warning leaks personal data:\n%s", out)
	}
}

func TestAddressBookDecodedRecordsDoNotWarn(t *testing.T) {
	f := newFake(t)
	f.on("common.getAddressRecord", okData(`{"total":1,"sellerAddressRecordList":[{"sellerAddressRecordId":19605701,"contactName":"王女士","aftersaleDefault":"1","active":"1"}]}`))
	a := newFakeAdapter(t, f, nil)
	var logs syncBuffer
	a.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := a.ReturnAddresses(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "none decoded") {
		t.Errorf("warned about a readable book:\n%s", logs.String())
	}
}
