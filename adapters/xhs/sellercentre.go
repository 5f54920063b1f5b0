package xhs

import (
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

var _ returns.SellerCentre = (*Adapter)(nil)

// DefaultSellerCentreURL is the after-sale detail page of the XHS seller
// centre (Qianfan / ark). ASSUMED: the page's path and parameter name; it is
// configurable (Config.SellerCentreURL).
const DefaultSellerCentreURL = "https://ark.xiaohongshu.com/app-order/aftersale/detail"

// SellerCentreActions: XHS's API has no call for a seller to ask the
// platform to intervene; the seller centre offers it (ASSUMED) while the
// goods are disputed: awaiting the seller's receipt (3) and after the seller
// refused them at receipt (9001). The gateway records the request there.
func (a *Adapter) SellerCentreActions(c *returns.Case) []returns.Action {
	status, _, ok := rawState(c)
	if !ok {
		return nil
	}
	switch xhswire.Status(status) {
	case xhswire.StatusAwaitingReceipt, xhswire.StatusRejectedAtReceipt:
		return []returns.Action{returns.ActionEscalate}
	}
	return nil
}

// SellerCentreURL is the case's after-sale page in the seller centre.
func (a *Adapter) SellerCentreURL(c *returns.Case, _ returns.Action) string {
	if c == nil {
		return ""
	}
	return adapters.SellerCentreURL(a.cfg.SellerCentreURL, "returnsId", c.PlatformCaseID)
}
