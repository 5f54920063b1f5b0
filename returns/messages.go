package returns

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Language is the language of a buyer message.
type Language string

// The languages of buyer messages.
const (
	LanguageZH Language = "ZH"
	LanguageEN Language = "EN"
)

// Valid reports whether l is a known language.
func (l Language) Valid() bool { return l == LanguageZH || l == LanguageEN }

// BuyerLanguage is the language a platform's buyers are written to in by
// default: Chinese on XHS, English on the cross-border platforms.
func BuyerLanguage(p PlatformID) Language {
	if p == XHS {
		return LanguageZH
	}
	return LanguageEN
}

// MaxMessageTemplate bounds a template's body and a rendered message, in
// characters: the gateway's bound on a buyer message (the approve input's).
const MaxMessageTemplate = 500

// MessageTemplate is the buyer message for one reason in one language. A
// template with no shop is the organisation's default; with no organisation
// (Builtin) it is the gateway's own.
type MessageTemplate struct {
	Platform  PlatformID // with ShopID: a shop's override; both empty: the organisation's default
	ShopID    string
	Reason    Reason
	Language  Language
	Body      string
	Builtin   bool
	UpdatedAt time.Time
}

// ID names the template by what it is for: it is stable across edits.
func (t *MessageTemplate) ID() string {
	scope := "org"
	switch {
	case t.Builtin:
		scope = "builtin"
	case t.ShopID != "":
		scope = "shop:" + string(t.Platform) + ":" + t.ShopID
	}
	return scope + ":" + string(t.Reason) + ":" + string(t.Language)
}

// The placeholders a template may use, each written {name}, and what fills it.
var messagePlaceholders = map[string]func(c *Case) string{
	// The platform's order id.
	"orderId": func(c *Case) string { return c.OrderID },
	// The platform's case id.
	"caseId": func(c *Case) string { return c.PlatformCaseID },
	// The first line's product title ("" without lines).
	"item": func(c *Case) string {
		if len(c.Lines) == 0 {
			return ""
		}
		return c.Lines[0].Title
	},
	// The first line's SKU.
	"sku": func(c *Case) string {
		if len(c.Lines) == 0 {
			return ""
		}
		return c.Lines[0].SKU
	},
	// The refund the buyer asked for, e.g. "129.00 CNY" ("" when unknown).
	"amount": func(c *Case) string {
		if c.RequestedRefund == nil {
			return ""
		}
		return c.RequestedRefund.String()
	},
	// The shop's id on the platform.
	"shop": func(c *Case) string { return c.ShopID },
}

// MessagePlaceholders lists the placeholder names a template may use.
func MessagePlaceholders() []string {
	return []string{"orderId", "caseId", "item", "sku", "amount", "shop"}
}

// parseTemplate splits a body into literal text and placeholder names, in
// order; names are at odd indexes. A brace that does not open a known
// placeholder is an error.
func parseTemplate(body string) ([]string, error) {
	var parts []string
	rest := body
	for {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			return append(parts, rest), nil
		}
		if rest[i] == '}' {
			return nil, fmt.Errorf("a '}' without its '{'")
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("a '{' without its '}'")
		}
		name := rest[i+1 : i+j]
		if _, ok := messagePlaceholders[name]; !ok {
			return nil, fmt.Errorf("unknown placeholder {%s}; known: {%s}", truncate(name, 40), strings.Join(MessagePlaceholders(), "}, {"))
		}
		parts = append(parts, rest[:i], name)
		rest = rest[i+j+1:]
	}
}

// ValidateTemplate checks a template as a seller gives it.
func ValidateTemplate(t *MessageTemplate) *Error {
	bad := func(field, format string, args ...any) *Error {
		return Errorf(CodeInvalid, format, args...).WithField("input", field)
	}
	switch {
	case t.ShopID != "" && !t.Platform.Valid():
		return bad("platform", "a shop's template needs the shop's platform")
	case len(t.ShopID) > maxRouteRef || !utf8.ValidString(t.ShopID):
		return bad("shopId", "a shop id is at most %d bytes", maxRouteRef)
	case !validReason(t.Reason):
		return bad("reason", "unknown reason %q", t.Reason)
	case !t.Language.Valid():
		return bad("language", "unknown language %q", t.Language)
	case !utf8.ValidString(t.Body) || strings.TrimSpace(t.Body) == "":
		return bad("body", "a template needs a body")
	case utf8.RuneCountInString(t.Body) > MaxMessageTemplate:
		return bad("body", "a template is at most %d characters", MaxMessageTemplate)
	case strings.ContainsFunc(t.Body, func(r rune) bool { return r < ' ' && r != '\n' }):
		return bad("body", "a template may hold line breaks but no other control characters")
	}
	if _, err := parseTemplate(t.Body); err != nil {
		return bad("body", "%s", err.Error())
	}
	return nil
}

// Render fills the template's placeholders from the case. The result is
// bounded by MaxMessageTemplate characters (cut at the bound) and stripped of
// surrounding space. A body that does not parse renders as "".
func (t *MessageTemplate) Render(c *Case) string {
	parts, err := parseTemplate(t.Body)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			p = strings.Map(func(r rune) rune {
				if r < ' ' || r == 0x7f {
					return ' '
				}
				return r
			}, messagePlaceholders[p](c))
		}
		b.WriteString(p)
	}
	return truncate(strings.TrimSpace(b.String()), MaxMessageTemplate)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n]))
}

// ResolveTemplate picks the template for a case's reason and language among
// the organisation's templates: the shop's own, else the organisation's
// default, else the built-in one; a reason without a built-in template uses
// the built-in OTHER.
func ResolveTemplate(stored []MessageTemplate, platform PlatformID, shopID string, reason Reason, lang Language) MessageTemplate {
	var orgDefault *MessageTemplate
	for i := range stored {
		t := &stored[i]
		if t.Reason != reason || t.Language != lang {
			continue
		}
		if t.ShopID != "" && t.Platform == platform && t.ShopID == shopID {
			return *t
		}
		if t.ShopID == "" {
			orgDefault = t
		}
	}
	if orgDefault != nil {
		return *orgDefault
	}
	return BuiltinTemplate(reason, lang)
}

// BuiltinTemplate is the gateway's own template for the reason and language.
func BuiltinTemplate(reason Reason, lang Language) MessageTemplate {
	body, ok := builtinTemplates[reason][lang]
	if !ok {
		body = builtinTemplates[ReasonOther][lang]
	}
	return MessageTemplate{Reason: reason, Language: lang, Body: body, Builtin: true}
}

// builtinTemplates are seed 004's after-sales scripts ("it doesn't fit",
// "colour is different", "item damaged"): acknowledge the issue, offer the
// solution, and invite the buyer to write before leaving a review.
var builtinTemplates = map[Reason]map[Language]string{
	ReasonSizeFit: {
		LanguageZH: "您好，很抱歉{item}的尺码不合适。我们已同意您的售后申请（订单{orderId}），请按页面上的地址寄回，收到后会尽快为您处理退款或换码。如需尺码建议，欢迎在评价前随时联系我们。",
		LanguageEN: "Hello, we are sorry {item} did not fit. We have accepted your request for order {orderId}: please send it back to the address shown, and we will refund or exchange it for another size as soon as it arrives. If you would like sizing advice, message us any time before leaving a review.",
	},
	ReasonNotAsDescribed: {
		LanguageZH: "您好，很抱歉{item}的颜色与您看到的图片不一致，屏幕显示可能存在色差。我们已受理您的售后申请（订单{orderId}），可以为您退货退款或部分退款。有任何问题，欢迎在评价前先联系我们。",
		LanguageEN: "Hello, we are sorry the colour of {item} differs from what you saw; screens can show colours differently. We have taken up your request for order {orderId} and can offer a return with a full refund or a partial refund. Please message us with any question before leaving a review.",
	},
	ReasonDamagedInTransit: {
		LanguageZH: "您好，非常抱歉{item}在运输途中受损。我们已处理您的售后申请（订单{orderId}），将为您补发或退款。如方便，请保留外包装照片，有任何问题欢迎在评价前联系我们。",
		LanguageEN: "Hello, we are very sorry {item} arrived damaged. We have taken up your request for order {orderId} and will send a replacement or refund you. If you can, please keep photos of the packaging, and message us with any question before leaving a review.",
	},
	ReasonQualityDefect: {
		LanguageZH: "您好，非常抱歉{item}出现质量问题。我们已处理您的售后申请（订单{orderId}），将为您补发、退款或部分退款。有任何问题欢迎在评价前联系我们，我们会尽力解决。",
		LanguageEN: "Hello, we are very sorry {item} is faulty. We have taken up your request for order {orderId} and will send a replacement, refund you, or offer a partial refund. Please message us with any question before leaving a review; we will make it right.",
	},
	ReasonOther: {
		LanguageZH: "您好，感谢您的反馈。我们已处理您关于订单{orderId}的售后申请，会尽快跟进。如有任何问题，欢迎在评价前随时联系我们。",
		LanguageEN: "Hello, thank you for letting us know. We have taken up your request for order {orderId} and will follow up quickly. Please message us with any question before leaving a review.",
	},
}

// MessageSlot is where an action carries a message to the buyer.
type MessageSlot string

// The slots of a buyer message.
const (
	SlotNone    MessageSlot = ""        // the platform takes no message with the action
	SlotMessage MessageSlot = "MESSAGE" // ActionRequest.Message (XHS approve: message)
	SlotNote    MessageSlot = "NOTE"    // ActionRequest.Note (AliExpress offer and refusal: solution_context)
)

// BuyerMessenger is implemented by adapters whose platform sends the buyer a
// message with some actions: the gateway fills the slot from the shop's
// templates when the seller gives no message.
type BuyerMessenger interface {
	BuyerMessageSlot(a Action, c *Case) MessageSlot
}
