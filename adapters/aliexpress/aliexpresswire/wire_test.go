package aliexpresswire_test

import (
	"encoding/json"
	"testing"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

// Assumption (aliexpresswire/list.go): with simplify=false the platform nests list
// items under an element name and writes an empty list as {}; bare arrays
// (simplify=true) decode the same.
func TestAssumptionListsNestUnderElementNamesWhenNotSimplified(t *testing.T) {
	got, err := json.Marshal(aliexpresswire.IssueDetail{ID: "1", BuyerSolutionList: aliexpresswire.SolutionList{{ID: "7", SolutionOwner: "buyer"}}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if s := string(m["buyer_solution_list"]); s[:20] != `{"solution_api_dto":` {
		t.Errorf("buyer_solution_list written as %s", s)
	}
	if s := string(m["seller_solution_list"]); s != "{}" {
		t.Errorf("empty list written as %s, want {}", s)
	}
	if s := string(m["process_dto_list"]); s != "{}" {
		t.Errorf("empty process list written as %s", s)
	}

	for _, tt := range []struct {
		name, in string
		n        int
	}{
		{"Nested", `{"solution_api_dto":[{"id":1},{"id":2}]}`, 2},
		{"Bare", `[{"id":1},{"id":2},{"id":3}]`, 3},
		{"EmptyObject", `{}`, 0},
		{"Null", `null`, 0},
		{"SingleObject", `{"solution_api_dto":{"id":1}}`, 1},
	} {
		var l aliexpresswire.SolutionList
		if err := json.Unmarshal([]byte(tt.in), &l); err != nil || len(l) != tt.n {
			t.Errorf("%s: %d items, %v; want %d", tt.name, len(l), err, tt.n)
		}
	}
	var bad aliexpresswire.SolutionList
	if err := json.Unmarshal([]byte(`"x"`), &bad); err == nil {
		t.Error("a string decoded as a list")
	}
}

func TestLongIDsNeverGoThroughFloat(t *testing.T) {
	// 2^53+1 is the first integer a float64 cannot hold.
	var v struct {
		A aliexpresswire.Long `json:"a"`
		B aliexpresswire.Long `json:"b"`
		C aliexpresswire.Long `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":9007199254740993,"b":"6345753109519425","c":-2}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "9007199254740993" || v.B != "6345753109519425" || v.C != "-2" {
		t.Errorf("decoded %+v", v)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"a":9007199254740993,"b":6345753109519425,"c":-2}` {
		t.Errorf("encoded %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"a":1.5}`), &v); err == nil {
		t.Error("a fraction decoded as a long")
	}
}

func TestAmountsAndCodesKeepTheirText(t *testing.T) {
	var v struct {
		M aliexpresswire.Decimal `json:"m"`
		N aliexpresswire.Decimal `json:"n"`
		C aliexpresswire.Text    `json:"c"`
		B aliexpresswire.Bool    `json:"b"`
		D aliexpresswire.Bool    `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"m":"407.47","n":0.10000000000000001,"c":15,"b":"true","d":1}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.M != "407.47" || v.N != "0.10000000000000001" || v.C != "15" || !bool(v.B) || !bool(v.D) {
		t.Errorf("decoded %+v", v)
	}
}

func TestEnvelope(t *testing.T) {
	if got := aliexpresswire.ResponseKey(aliexpresswire.MethodIssueDetail); got != "aliexpress_issue_detail_get_response" {
		t.Errorf("response key %s", got)
	}
	body, err := aliexpresswire.EncodeSuccess(aliexpresswire.MethodSolutionAgree, aliexpresswire.ResultResponse{ResultObject: true, RequestID: "r"})
	if err != nil || string(body) != `{"aliexpress_issue_solution_agree_response":{"result_object":true,"request_id":"r"}}` {
		t.Errorf("success body %s, %v", body, err)
	}
	env, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodSolutionAgree, body)
	if err != nil || env.Error != nil || len(env.Success) == 0 {
		t.Errorf("decoded %+v, %v", env, err)
	}
	env, err = aliexpresswire.DecodeEnvelope(aliexpresswire.MethodSolutionAgree,
		[]byte(`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.x","sub_msg":"y","request_id":"r"}}`))
	if err != nil || env.Error == nil || env.Error.Code != "15" || env.Error.SubCode != "isv.x" {
		t.Errorf("error envelope %+v, %v", env, err)
	}
	for _, bad := range []string{`<html>`, `{"other_response":{}}`, `[]`, `{"aliexpress_issue_solution_agree_response":null}`} {
		if _, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodSolutionAgree, []byte(bad)); err == nil {
			t.Errorf("%s decoded as an envelope", bad)
		}
	}
}
