package returns

import (
	"strings"
	"testing"
)

func TestRenderTemplate(t *testing.T) {
	c := &Case{Platform: XHS, PlatformCaseID: "R1", OrderID: "P77", ShopID: "shop-1",
		RequestedRefund: &Money{Minor: 12900, Currency: "CNY"},
		Lines:           []Line{{SKU: "SKU-9", Title: "瑜伽裤 M\n码"}}}
	tests := []struct{ body, want string }{
		{"订单{orderId}：{item}（{sku}）退 {amount}，店铺 {shop}，售后 {caseId}", "订单P77：瑜伽裤 M 码（SKU-9）退 129.00 CNY，店铺 shop-1，售后 R1"},
		{"  no placeholders  ", "no placeholders"},
		{"{item}{item}", "瑜伽裤 M 码瑜伽裤 M 码"},
	}
	for _, tc := range tests {
		tpl := MessageTemplate{Body: tc.body}
		if got := tpl.Render(c); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	// Empty values stay empty; the result is bounded.
	bare := &Case{OrderID: "P1"}
	if got := (&MessageTemplate{Body: "[{item}][{amount}]"}).Render(bare); got != "[][]" {
		t.Errorf("bare case: %q", got)
	}
	long := &Case{Lines: []Line{{Title: strings.Repeat("长", 400)}}}
	if got := (&MessageTemplate{Body: "{item}{item}"}).Render(long); len([]rune(got)) != MaxMessageTemplate {
		t.Errorf("rendered %d characters, want the bound %d", len([]rune(got)), MaxMessageTemplate)
	}
}

func TestValidateTemplate(t *testing.T) {
	base := MessageTemplate{Reason: ReasonSizeFit, Language: LanguageEN, Body: "Order {orderId}\nthanks"}
	if e := ValidateTemplate(&base); e != nil {
		t.Fatalf("valid template refused: %v", e)
	}
	for name, body := range map[string]string{
		"unknown placeholder": "Dear {buyerName}",
		"unclosed":            "order {orderId",
		"stray close":         "a } b",
		"empty name":          "a {} b",
		"blank":               " \n ",
		"too long":            strings.Repeat("x", MaxMessageTemplate+1),
		"control":             "a\x00b",
		"bad utf8":            "a\xffb",
	} {
		tpl := base
		tpl.Body = body
		e := ValidateTemplate(&tpl)
		if e == nil || e.Code != CodeInvalid || strings.Join(e.Field, ".") != "input.body" {
			t.Errorf("%s: %v, want INVALID on input.body", name, e)
		}
	}
}

func TestResolveTemplate(t *testing.T) {
	stored := []MessageTemplate{
		{Reason: ReasonSizeFit, Language: LanguageEN, Body: "org"},
		{Platform: XHS, ShopID: "shop-1", Reason: ReasonSizeFit, Language: LanguageEN, Body: "shop"},
		{Platform: AliExpress, ShopID: "shop-2", Reason: ReasonSizeFit, Language: LanguageEN, Body: "other platform"},
	}
	tests := []struct {
		platform PlatformID
		shop     string
		reason   Reason
		lang     Language
		want     string
	}{
		{XHS, "shop-1", ReasonSizeFit, LanguageEN, "shop"},
		{XHS, "shop-2", ReasonSizeFit, LanguageEN, "org"},
		{AliExpress, "shop-1", ReasonSizeFit, LanguageEN, "org"},
		{XHS, "shop-1", ReasonSizeFit, LanguageZH, builtinTemplates[ReasonSizeFit][LanguageZH]},
		{XHS, "shop-1", ReasonWrongItem, LanguageEN, builtinTemplates[ReasonOther][LanguageEN]},
	}
	for _, tc := range tests {
		if got := ResolveTemplate(stored, tc.platform, tc.shop, tc.reason, tc.lang); got.Body != tc.want {
			t.Errorf("%s/%s %s %s: %q, want %q", tc.platform, tc.shop, tc.reason, tc.lang, got.Body, tc.want)
		}
	}
	// Every built-in template is valid, in both languages.
	for reason, byLang := range builtinTemplates {
		for lang, body := range byLang {
			if e := ValidateTemplate(&MessageTemplate{Reason: reason, Language: lang, Body: body}); e != nil {
				t.Errorf("built-in %s/%s: %v", reason, lang, e)
			}
		}
		if len(byLang) != 2 {
			t.Errorf("built-in %s has %d languages", reason, len(byLang))
		}
	}
}

func FuzzTemplate(f *testing.F) {
	f.Add("订单{orderId} {item}")
	f.Add("{")
	f.Add("}{amount}{")
	f.Fuzz(func(t *testing.T, body string) {
		tpl := MessageTemplate{Reason: ReasonOther, Language: LanguageZH, Body: body}
		valid := ValidateTemplate(&tpl) == nil
		out := tpl.Render(&Case{OrderID: "{orderId}", Lines: []Line{{Title: "}{"}}})
		if len([]rune(out)) > MaxMessageTemplate {
			t.Fatalf("rendered %d characters", len([]rune(out)))
		}
		if valid && strings.TrimSpace(body) != "" && !strings.ContainsAny(body, "{}") && out != strings.TrimSpace(body) {
			t.Fatalf("a body without placeholders changed: %q → %q", body, out)
		}
	})
}
