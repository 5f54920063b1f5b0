package returns

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRulePolicyValidate(t *testing.T) {
	if err := DefaultRulePolicy().Validate(); err != nil {
		t.Fatalf("DefaultRulePolicy().Validate() = %v", err)
	}
	if err := (RulePolicy{}).Validate(); err != nil {
		t.Fatalf("the zero policy means the defaults, got %v", err)
	}
	cases := []struct {
		name   string
		mod    func(*RulePolicy)
		fields []string // the fields named, in order
		says   []string // what the message must say
	}{
		{"xhs fault freight is the law's", func(p *RulePolicy) { p.Freight.XHS.SellerFault = PartyBuyer },
			[]string{"freight.XHS.sellerFault"}, []string{"must be SELLER", "CN-FREIGHT", `"BUYER"`}},
		{"unknown payer", func(p *RulePolicy) { p.Freight.Alibaba.NoReason = "CARRIER" },
			[]string{"freight.ALIBABA.noReason"}, []string{"BUYER or SELLER", `"CARRIER"`}},
		{"the platform is not the shop's to choose", func(p *RulePolicy) { p.Freight.AliExpress.SellerFault = PartyPlatform },
			[]string{"freight.ALIEXPRESS.sellerFault"}, []string{"BUYER or SELLER"}},
		{"window too long", func(p *RulePolicy) { p.AliExpress.WindowDays = 91 },
			[]string{"aliexpress.windowDays"}, []string{"between 1 and 90 days", "not 91"}},
		{"negative period", func(p *RulePolicy) { p.AliExpress.RespondDays = -1 },
			[]string{"aliexpress.respondDays"}, []string{"between 1 and 15 days"}},
		{"xhs answer later than the platform allows", func(p *RulePolicy) { p.XHSRespondHours = 72 },
			[]string{"xhsRespondHours"}, []string{"between 1 and 48 hours", "not 72"}},
		{"several at once", func(p *RulePolicy) {
			p.AliExpress.BuyerShipDays, p.AliExpress.StepInDays, p.Freight.XHS.NoReason = 31, 31, PartyPlatform
		}, []string{"freight.XHS.noReason", "aliexpress.buyerShipDays", "aliexpress.stepInDays"}, []string{"between 1 and 30 days"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultRulePolicy()
			tc.mod(&p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate() = nil")
			}
			if ErrorCodeOf(err) != CodeInvalid {
				t.Errorf("code %s, want INVALID", ErrorCodeOf(err))
			}
			var fields []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ge *Error
				if !errors.As(e, &ge) || len(ge.Field) != 1 {
					t.Fatalf("error %v names no field", e)
				}
				fields = append(fields, ge.Field[0])
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields %v, want %v", fields, tc.fields)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

// TestRulePolicyJSON pins the configuration names the server parses.
func TestRulePolicyJSON(t *testing.T) {
	p := DefaultRulePolicy()
	cfg := `{"freight":{"ALIBABA":{"sellerFault":"BUYER"}},"freeReturnFreight":true,
		"aliexpress":{"windowDays":30,"respondDays":4,"buyerShipDays":12,"stepInDays":5},"xhsRespondHours":24}`
	if err := json.Unmarshal([]byte(cfg), &p); err != nil {
		t.Fatal(err)
	}
	want := DefaultRulePolicy()
	want.Freight.Alibaba.SellerFault = PartyBuyer
	want.FreeReturnFreight = true
	want.AliExpress = AliExpressPeriods{WindowDays: 30, RespondDays: 4, BuyerShipDays: 12, StepInDays: 5}
	want.XHSRespondHours = 24
	if p != want {
		t.Errorf("parsed %+v, want %+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

// TestZeroPolicyMeansDefaults checks that a policy with nothing set decides
// like the spelled-out defaults.
func TestZeroPolicyMeansDefaults(t *testing.T) {
	for _, tc := range verdictCases() {
		if tc.policy != nil {
			continue
		}
		a := Evaluate(tc.in, RulePolicy{}, fixedNow)
		b := Evaluate(tc.in, DefaultRulePolicy(), fixedNow)
		if !sameVerdict(a, b) {
			t.Errorf("%s: zero policy %s, default policy %s", tc.name, citesOf(a), citesOf(b))
		}
	}
}
