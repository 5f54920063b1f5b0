package sqlite

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// docsForTest are documents as UpsertCase writes them.
func docsForTest(t testing.TB) [][]byte {
	t.Helper()
	base := time.Date(2025, time.June, 3, 4, 5, 6, 789, time.UTC)
	cs := storetest.NewFixtures(7, base).Cases(300)
	full := storetest.FullCase("R7000000000000001")
	full.Note = "escapes \"quoted\" \\ back\tslash \u2028 <script>&amp; \x01 invalid \xff utf-8 😀"
	full.Raw["\u00e9t\u00e9"] = "été"
	cs = append(cs, full, &returns.Case{Platform: returns.XHS, PlatformCaseID: "R1"})
	var docs [][]byte
	for _, c := range cs {
		k := store.Canonical(c)
		doc, err := json.Marshal(&k)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	return docs
}

// The fast reader takes every document UpsertCase writes, and reads each as
// json.Unmarshal does.
func TestDecodeDocFastPath(t *testing.T) {
	for _, doc := range docsForTest(t) {
		var fast returns.Case
		r := docReader{b: doc, s: string(doc)}
		if err := r.caseDoc(&fast); err != nil || !r.end() {
			t.Fatalf("fast reader gave up (%v) at byte %d of %s", err, r.i, doc)
		}
		var want returns.Case
		if err := json.Unmarshal(doc, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("fast reader decoded\n%+v\nwant\n%+v", fast, want)
		}
	}
}

// Documents in any other form are json.Unmarshal's to decode.
func TestDecodeDocOtherForms(t *testing.T) {
	docs := []string{
		`{"Platform":"XHS","platformCaseId":"R1"}`,                           // another case: encoding/json matches it
		`{"Platform":"XHS","PlatformCaseID":"R1","Photos":["a.jpg"]}`,        // a field from a newer version
		`{"Platform":"XHS","Platform":"ALIBABA"}`,                            // a repeated key
		`{"Lines":[{"Quantity":2}],"Lines":[{"SKU":"A"}]}`,                   // a repeated key that json.Unmarshal merges
		`{"RequestedRefund":{"Minor":1.0,"Currency":"CNY"}}`,                 // not an integer
		`{"RequestedRefund":{"Minor":1e3,"Currency":"CNY"}}`,                 // not an integer
		`{"RequestedRefund":{"Minor":9223372036854775808,"Currency":"CNY"}}`, // out of range
		`{"Lines":[{"Quantity":01}]}`,                                        // not JSON
		`{"Raw":{"a":null}}`,                                                 // null in a map
		`{"Platform":"XHS",}`,                                                // not JSON
		`{"CreatedAt":"2025-13-01T00:00:00Z"}`,                               // not a time
		`{"CreatedAt":"2025-01-01T00:00:00+08:00"}`,                          // a zone other than UTC
		`{"Note":"\ud800"}`,                                                  // a lone surrogate
		` { "Platform" : "XHS" , "Lines" : [ ] , "Raw" : { } } `,             // spaces
		`{"Platform":"XHS"} x`,                                               // trailing data
		`{"Platform":null,"Lines":null,"ReturnShipment":null,"Deadlines":null,"CreatedAt":null}`,
		`[]`,
		``,
	}
	for _, doc := range docs {
		var got, want returns.Case
		err := decodeDoc([]byte(doc), &got)
		wantErr := json.Unmarshal([]byte(doc), &want)
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeDoc(%s) = %+v, %v; json.Unmarshal gives %+v, %v", doc, got, err, want, wantErr)
		}
		sameWithoutRaw(t, []byte(doc), want, wantErr)
	}
}

// sameWithoutRaw checks that decoding without Raw maps gives json.Unmarshal's
// answer with the Raw maps left out.
func sameWithoutRaw(t *testing.T, doc []byte, want returns.Case, wantErr error) {
	t.Helper()
	// Keeping some of the case's keys: the same as json.Unmarshal's Raw
	// with the others left out.
	keep := []string{"status", "a", "issue_status"}
	var some returns.Case
	err := decodeDocKeep(doc, &some, false, keep)
	wantSome := want
	wantSome.Raw = keptRaw(want.Raw, keep)
	if want.Lines != nil {
		wantSome.Lines = slices.Clone(want.Lines)
		for i := range wantSome.Lines {
			wantSome.Lines[i].Raw = nil
		}
	}
	if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(some, wantSome)) {
		t.Errorf("decodeDocKeep(%s, %q) = %+v, %v; want %+v, %v", doc, keep, some, err, wantSome, wantErr)
	}

	var got returns.Case
	err = decodeDocRaw(doc, &got, false)
	want.Raw = nil
	if want.Lines != nil {
		want.Lines = slices.Clone(want.Lines)
		for i := range want.Lines {
			want.Lines[i].Raw = nil
		}
	}
	if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Errorf("decodeDocRaw(%s, false) = %+v, %v; want %+v, %v", doc, got, err, want, wantErr)
	}
}

// FuzzDecodeDoc holds the fast reader to json.Unmarshal's answers on any input.
func FuzzDecodeDoc(f *testing.F) {
	for _, doc := range docsForTest(f)[:20] {
		f.Add(doc)
	}
	f.Add([]byte(`{"Lines":[null,{"Raw":{}}],"PendingSteps":[{"RecordedAt":"2025-01-01T00:00:00.5Z"}]}`))
	f.Add([]byte(`{"Raw":{"a":"1","b":"2","a":"3"},"Lines":[{"Raw":{"a":"x"}}]}`))
	f.Add([]byte(`{"Raw":{"a":"q\"uo\\te\u00e9","b":"\/"},"Lines":[{"Raw":{"k":"\n\t"}}]}`))
	// An export return's terms, whole and in part.
	f.Add([]byte(`{"Platform":"ALIBABA","Export":{"ContractReturnDays":30,"Freight":{"Minor":3500,"Currency":"USD"},"Insurance":{"Minor":0,"Currency":"USD"}}}`))
	f.Add([]byte(`{"Export":{"ContractReturnDays":1},"Export":null}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var got, want returns.Case
		err := decodeDoc(doc, &got)
		wantErr := json.Unmarshal(doc, &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeDoc error %v, json.Unmarshal error %v", err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeDoc = %+v\njson.Unmarshal = %+v", got, want)
		}
		sameWithoutRaw(t, doc, want, wantErr)
	})
}

// Skipped Raw values are checked as json.Unmarshal checks them, escapes
// included, though nothing is built from them.
func TestSkippedRawIsStillChecked(t *testing.T) {
	for _, doc := range []string{
		`{"Raw":{"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD800"}}`,
		`{"Raw":{"k":"bad \x escape"}}`,
		`{"Raw":{"k":"short \u12"}}`,
		`{"Raw":{"k":"hex \u12G4"}}`,
		"{\"Raw\":{\"k\":\"raw \x01 control\"}}",
		"{\"Raw\":{\"k\":\"esc \\n then raw \x1f\"}}",
		`{"Raw":{"k":"unterminated \"}}`,
		`{"Raw":{"k":"ends in a backslash \`,
		`{"Lines":[{"Raw":{"a\"key":"v\u0041"}}]}`,
		`{"Lines":[{"Raw":{"k":"bad \q"}}]}`,
	} {
		var want returns.Case
		wantErr := json.Unmarshal([]byte(doc), &want)
		sameWithoutRaw(t, []byte(doc), want, wantErr)
	}
}

// The decoder's strings share the bytes of the blob the driver hands over
// (decodeDocKeep), which is safe only while the driver gives each row's blob
// its own array and never writes to it again. database/sql promises less
// for RawBytes; modernc.org/sqlite v1.62.0 does this, and this test fails if
// an upgrade changes it.
func TestDriverBlobsAreTheRowsOwn(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "blobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB); INSERT INTO t (b) VALUES (x'61616161'), (x'62626262'), (x'63636363')`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT b FROM t ORDER BY i`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kept []sql.RawBytes
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"aaaa", "bbbb", "cccc"} {
		if string(kept[i]) != want {
			t.Fatalf("row %d's blob reads %q after later rows and Close, want %q: the driver reuses its buffers, and decodeDocKeep must copy", i, kept[i], want)
		}
	}
	if unsafe.SliceData(kept[0]) == unsafe.SliceData(kept[1]) {
		t.Fatal("two rows' blobs share an array")
	}
}
