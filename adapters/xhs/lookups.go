package xhs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// otherReasonName is the label of XHS's catch-all reject reason.
const otherReasonName = "其他"

// RejectReasons lists the reasons XHS accepts for refusing the case now:
// at review in status 1, at receipt in status 3 (afterSale.rejectReasons).
// It returns INVALID_STATE when the case cannot be refused now.
func (a *Adapter) RejectReasons(ctx context.Context, c *returns.Case) ([]returns.RejectReason, error) {
	status, _, ok := rawState(c)
	if !ok || c.PlatformCaseID == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "a case with its XHS status is required").WithField("case")
	}
	typ, ok := rejectReasonType(status)
	if !ok {
		return nil, returns.Errorf(returns.CodeInvalidState, "XHS does not allow refusing a case in status %d", status)
	}
	rs, err := a.rejectReasons(ctx, c.PlatformCaseID, typ)
	if err != nil {
		return nil, err
	}
	out := make([]returns.RejectReason, 0, len(rs))
	for _, r := range rs {
		out = append(out, returns.RejectReason{ID: strconv.FormatInt(r.ReasonID, 10), Name: r.ReasonName})
	}
	return out, nil
}

func rejectReasonType(status int) (int, bool) {
	switch status {
	case xhswire.StatusPendingReview:
		return xhswire.RejectAtReview, true
	case xhswire.StatusAwaitingReceipt:
		return xhswire.RejectAtReceipt, true
	}
	return 0, false
}

// otherReason finds the id of the "其他" reason for refusing the case in status.
func (a *Adapter) otherReason(ctx context.Context, c *returns.Case, status int) (int64, error) {
	typ, ok := rejectReasonType(status)
	if !ok {
		return 0, returns.Errorf(returns.CodeInvalidState, "XHS does not allow refusing a case in status %d", status)
	}
	rs, err := a.rejectReasons(ctx, c.PlatformCaseID, typ)
	if err != nil {
		return 0, err
	}
	for _, r := range rs {
		if strings.TrimSpace(r.ReasonName) == otherReasonName {
			return r.ReasonID, nil
		}
	}
	return 0, returns.Errorf(returns.CodeInvalid, "XHS offers no \"其他\" reason for this case; choose a reason id").WithField("reasonId")
}

// rejectReasons calls afterSale.rejectReasons (获取售后拒绝原因), cached briefly.
func (a *Adapter) rejectReasons(ctx context.Context, returnsID string, typ int) ([]xhswire.RejectReason, error) {
	key := fmt.Sprintf("reasons/%s/%d", returnsID, typ)
	if v, ok := a.lookups.Get(key); ok {
		return v.([]xhswire.RejectReason), nil
	}
	var data xhswire.RejectReasonsData
	err := a.call(ctx, xhswire.MethodRejectReasons, xhswire.RejectReasonsRequest{ReturnsID: returnsID, RejectReasonType: typ}, false, &data)
	if err != nil {
		return nil, err
	}
	a.lookups.Set(key, data.RejectReasons, reasonsTTL)
	return data.RejectReasons, nil
}

// ReturnAddresses lists the shop's active addresses from its XHS address
// book (common.getAddressRecord); Default marks the after-sale default.
func (a *Adapter) ReturnAddresses(ctx context.Context) ([]returns.Address, error) {
	recs, err := a.addressBook(ctx)
	if err != nil {
		return nil, err
	}
	var out []returns.Address
	for _, r := range recs {
		if r.Active != xhswire.AddressActive {
			continue
		}
		full := r.FullAddress
		if full == "" {
			full = strings.Join(nonEmpty(r.ProvinceName, r.CityName, r.CountyName, r.TownName, r.Address), " ")
		}
		out = append(out, returns.Address{
			ID:       strconv.FormatInt(r.SellerAddressRecordID, 10),
			Name:     r.ContactName,
			Phone:    r.Phone,
			Full:     full,
			Default:  r.AftersaleDefault == xhswire.AddressDefault,
			Platform: returns.XHS,
		})
	}
	return out, nil
}

// defaultAddress is the record id of the shop's active default after-sale address.
func (a *Adapter) defaultAddress(ctx context.Context) (int64, error) {
	recs, err := a.addressBook(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range recs {
		if r.AftersaleDefault == xhswire.AddressDefault && r.Active == xhswire.AddressActive {
			return r.SellerAddressRecordID, nil
		}
	}
	return 0, returns.Errorf(returns.CodeInvalid, "the shop has no active default after-sale address on XHS; choose a return address").WithField("returnAddressId")
}

// addressPageSize stays below common.getAddressRecord's limit of 200.
const addressPageSize = 100

// addressBook calls common.getAddressRecord (获取商家地址库) for every page,
// cached for a few minutes.
func (a *Adapter) addressBook(ctx context.Context) ([]xhswire.AddressRecord, error) {
	const key = "addresses"
	if v, ok := a.lookups.Get(key); ok {
		return v.([]xhswire.AddressRecord), nil
	}
	var all []xhswire.AddressRecord
	for page := 1; page < 100; page++ {
		var raw json.RawMessage
		err := a.call(ctx, xhswire.MethodGetAddressRecord, xhswire.GetAddressRecordRequest{PageIndex: page, PageSize: addressPageSize}, false, &raw)
		if err != nil {
			return nil, err
		}
		var data xhswire.GetAddressRecordData
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &data); err != nil {
				return nil, a.malformed(xhswire.MethodGetAddressRecord, err)
			}
		}
		if page == 1 && data.Total > 0 && len(data.SellerAddressRecordList) == 0 {
			// The platform says there are addresses but none decoded: the
			// answer's shape is not the one we know. Say so, with the shape
			// only (addresses are personal data), rather than act as if the
			// shop had none.
			a.cfg.Logger.Warn("xhs: address book reports records but none decoded", "shop", a.cfg.Shop.ID,
				"total", data.Total, "shape", jsonShape(raw, 3))
		}
		all = append(all, data.SellerAddressRecordList...)
		if len(data.SellerAddressRecordList) < addressPageSize || len(all) >= data.Total {
			break
		}
	}
	a.lookups.Set(key, all, addressTTL)
	return all, nil
}

// jsonShape describes a JSON value's structure without its values: object
// keys with the shapes of their values, array lengths with their first
// element's shape, and scalar types, down to depth levels.
func jsonShape(raw json.RawMessage, depth int) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "unreadable JSON"
	}
	var shape func(v any, d int) string
	shape = func(v any, d int) string {
		switch x := v.(type) {
		case map[string]any:
			if d == 0 {
				return "object"
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = k + ":" + shape(x[k], d-1)
			}
			return "{" + strings.Join(parts, ",") + "}"
		case []any:
			if len(x) == 0 || d == 0 {
				return fmt.Sprintf("array[%d]", len(x))
			}
			return fmt.Sprintf("array[%d]%s", len(x), shape(x[0], d-1))
		case string:
			return "string"
		case json.Number:
			return "number"
		case bool:
			return "bool"
		}
		return "null"
	}
	return shape(v, depth)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Negotiation reads the case's negotiation history (afterSale.getAfterSaleInfo
// with needNegotiateRecord). It is live data: nothing is cached.
func (a *Adapter) Negotiation(ctx context.Context, c *returns.Case) ([]returns.NegotiationEntry, error) {
	if c == nil || c.PlatformCaseID == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "the case is required").WithField("case")
	}
	data, err := a.getAfterSaleInfo(ctx, c.PlatformCaseID, true)
	if err != nil {
		return nil, err
	}
	out := make([]returns.NegotiationEntry, 0, len(data.NegotiateRecords))
	for _, r := range data.NegotiateRecords {
		out = append(out, negotiationEntry(r))
	}
	return out, nil
}

// negotiationEntry normalizes one negotiation node (pure). The platform
// documents neither operatorRole's values nor the node titles: the role is
// read from its name where it says 买家/商家/平台, else from the number as
// push messages number requestFrom (1 buyer, 2 seller, 3 platform, 4 system).
func negotiationEntry(r xhswire.NegotiateRecord) returns.NegotiationEntry {
	e := returns.NegotiationEntry{
		Party: negotiationParty(r.OperatorRole, r.OperatorRoleName),
		Kind:  negotiationKind(r.Title),
		Raw: map[string]string{
			"title":            r.Title,
			"operatorRole":     strconv.Itoa(r.OperatorRole),
			"operatorRoleName": r.OperatorRoleName,
			"time":             r.Time,
		},
	}
	if t, err := time.ParseInLocation(xhswire.NegotiateTimeLayout, r.Time, returns.Shanghai); err == nil {
		e.At = t.UTC()
	}
	parts := []string{r.Title}
	for _, at := range r.Attributes {
		if at.Desc != "" {
			parts = append(parts, at.Key+"："+at.Desc)
		}
		if e.Amount == nil && strings.Contains(at.Key, "金额") {
			if m, ok := yuanInText(at.Desc); ok {
				e.Amount = &m
			}
		}
	}
	e.Text = strings.Join(parts, "\n")
	if len(r.Attributes) > 0 {
		e.Raw["attributes"] = compactJSON(r.Attributes)
	}
	return e
}

func negotiationParty(role int, name string) returns.Party {
	switch {
	case strings.Contains(name, "买家") || strings.Contains(name, "用户"):
		return returns.PartyBuyer
	case strings.Contains(name, "商家") || strings.Contains(name, "卖家"):
		return returns.PartySeller
	case strings.Contains(name, "平台") || strings.Contains(name, "客服") || strings.Contains(name, "系统"):
		return returns.PartyPlatform
	}
	switch role {
	case 1:
		return returns.PartyBuyer
	case 2:
		return returns.PartySeller
	}
	return returns.PartyPlatform
}

func negotiationKind(title string) string {
	switch {
	case strings.Contains(title, "介入") || strings.Contains(title, "判定") || strings.Contains(title, "仲裁"):
		return "RULING"
	case strings.Contains(title, "拒绝"):
		return "REFUSED"
	case strings.Contains(title, "同意") || strings.Contains(title, "确认收货") || strings.Contains(title, "退款成功"):
		return "ACCEPTED"
	case strings.Contains(title, "申请") || strings.Contains(title, "修改"):
		return "PROPOSAL"
	}
	return "MESSAGE"
}

// yuanInText reads an amount such as "¥129.90" or "129.9元".
func yuanInText(s string) (returns.Money, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	m, err := returns.ParseMoney(s, currency)
	return m, err == nil
}
