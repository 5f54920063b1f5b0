package xhs

import (
	"strings"

	"github.com/returnsgw/returnsgw/returns"
)

// reasonLabels maps XHS's reason labels (reasonNameZh) that are known exactly.
// XHS publishes no enumeration of reasons, so the labels are those seen in
// its buyer app; anything else goes through reasonKeywords.
var reasonLabels = map[string]returns.Reason{
	"七天无理由退换货":     returns.ReasonChangedMind,
	"七天无理由退货":      returns.ReasonChangedMind,
	"不想要了":         returns.ReasonChangedMind,
	"拍错/多拍":        returns.ReasonChangedMind,
	"多拍/拍错/不想要":    returns.ReasonChangedMind,
	"尺码不合适":        returns.ReasonSizeFit,
	"尺码拍错":         returns.ReasonSizeFit, // a wrong size: fit, though it contains 拍错
	"大小/尺寸与商品描述不符": returns.ReasonSizeFit,
	"商品与描述不符":      returns.ReasonNotAsDescribed,
	"颜色/款式与描述不符":   returns.ReasonNotAsDescribed,
	"色差":           returns.ReasonNotAsDescribed,
	"质量问题":         returns.ReasonQualityDefect,
	"做工粗糙/有瑕疵":     returns.ReasonQualityDefect,
	"商品破损":         returns.ReasonDamagedInTransit,
	"包装/商品破损":      returns.ReasonDamagedInTransit,
	"卖家发错货":        returns.ReasonWrongItem,
	"少件/漏发":        returns.ReasonMissingParts,
	"未收到货":         returns.ReasonNotReceived,
	"空包裹":          returns.ReasonNotReceived,
}

// reasonKeywords are tried in order on a label not in reasonLabels: the more
// specific facts first (nothing arrived, the wrong thing arrived) before the
// broad ones (changed mind).
var reasonKeywords = []struct {
	words  []string
	reason returns.Reason
}{
	{[]string{"未收到货", "没收到货", "空包"}, returns.ReasonNotReceived},
	{[]string{"发错货", "发错"}, returns.ReasonWrongItem},
	{[]string{"少件", "漏发", "缺件"}, returns.ReasonMissingParts},
	{[]string{"破损", "损坏"}, returns.ReasonDamagedInTransit},
	{[]string{"质量问题", "瑕疵"}, returns.ReasonQualityDefect},
	{[]string{"尺码", "尺寸"}, returns.ReasonSizeFit},
	{[]string{"与描述不符", "描述不符", "色差"}, returns.ReasonNotAsDescribed},
	{[]string{"七天无理由", "不想要了", "不想要", "拍错", "多拍", "不喜欢"}, returns.ReasonChangedMind},
}

// mapReason maps a reason label; anything unrecognised is OTHER (the label is
// kept in Case.PlatformReason).
func mapReason(label string) returns.Reason {
	label = strings.TrimSpace(label)
	if r, ok := reasonLabels[label]; ok {
		return r
	}
	for _, k := range reasonKeywords {
		for _, w := range k.words {
			if strings.Contains(label, w) {
				return k.reason
			}
		}
	}
	return returns.ReasonOther
}
