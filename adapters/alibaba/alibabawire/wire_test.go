package alibabawire

import (
	"encoding/json"
	"testing"
)

func TestListDecodesBothRenderings(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wrapper string
		fails   bool
	}{
		{`["a","b"]`, []string{"a", "b"}, "", false},
		{`{"sku_attribute":["a","b"]}`, []string{"a", "b"}, "sku_attribute", false},
		{`null`, nil, "", false},
		{`{}`, nil, "", false},
		{`{"x":["a"],"y":["b"]}`, nil, "", true},
		{`"a"`, nil, "", true},
	}
	for _, tt := range tests {
		var l List[string]
		err := json.Unmarshal([]byte(tt.in), &l)
		if (err != nil) != tt.fails {
			t.Errorf("%s: error %v, want failure %v", tt.in, err, tt.fails)
			continue
		}
		if len(l.Items) != len(tt.want) || l.Wrapper != tt.wrapper {
			t.Errorf("%s: got %v wrapped %q", tt.in, l.Items, l.Wrapper)
		}
		for i := range tt.want {
			if l.Items[i] != tt.want[i] {
				t.Errorf("%s: item %d = %q", tt.in, i, l.Items[i])
			}
		}
	}
	b, _ := json.Marshal(Wrap("fund_pay", "x"))
	if string(b) != `{"fund_pay":["x"]}` {
		t.Errorf("wrapped list encodes as %s", b)
	}
	b, _ = json.Marshal(List[string]{})
	if string(b) != `[]` {
		t.Errorf("empty list encodes as %s", b)
	}
}

func TestScalarsNeverPassThroughFloat(t *testing.T) {
	var v struct {
		ID    Text   `json:"id"`
		TS    Number `json:"ts"`
		Price Text   `json:"price"`
		Null  Text   `json:"null"`
	}
	in := `{"id":240517339501026709123,"ts":"1794327300000","price":0.1250,"null":null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != "240517339501026709123" || v.TS != "1794327300000" || v.Price != "0.1250" || v.Null != "" {
		t.Errorf("decoded %+v", v)
	}
	var bad Text
	if err := json.Unmarshal([]byte(`true`), &bad); err == nil {
		t.Error("a boolean decoded as text")
	}
	b, _ := json.Marshal(Date{Timestamp: "1794327300000", FormatDate: "Nov. 10, 2026, 08:15:00 PST."})
	if string(b) != `{"timestamp":1794327300000,"format_date":"Nov. 10, 2026, 08:15:00 PST."}` {
		t.Errorf("DateVo encodes as %s", b)
	}
	if ResponseKey(MethodFundGet) != "alibaba_seller_order_fund_get_response" {
		t.Errorf("response key %s", ResponseKey(MethodFundGet))
	}
}
