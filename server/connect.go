package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/returns"
)

// connect builds the platform connections of the config file. Each
// platform's production policy (retries, timeouts, rate limit, breaker) and
// index lag apply. A shop with a stored (OAuth) connection takes its token
// from tokens, which answers nil for the others.
func connect(shops []ShopConfig, now func() time.Time, log *slog.Logger, tokens func(returns.PlatformID, string) adapters.TokenSource) ([]returns.Platform, error) {
	var out []returns.Platform
	for _, s := range shops {
		shop := returns.Shop{ID: s.ID, Platform: s.Platform, Name: s.Name, Market: s.Market}
		var src adapters.TokenSource
		if tokens != nil {
			src = tokens(s.Platform, s.ID)
		}
		var p returns.Platform
		var err error
		switch s.Platform {
		case returns.XHS:
			if shop.Market == "" {
				shop.Market = returns.MarketDomestic
			}
			p, err = xhs.New(xhs.Config{BaseURL: s.BaseURL, AppID: s.AppID, AppSecret: s.AppSecret,
				AccessToken: s.AccessToken, Tokens: src, SellerID: s.SellerID, Shop: shop, Now: now, Logger: log,
				CategoryOverrides: s.CategoryOverrides, Lookback: s.lookback})
		case returns.AliExpress:
			p, err = aliexpress.New(aliexpress.Config{BaseURL: s.BaseURL, AppKey: s.AppID, AppSecret: s.AppSecret,
				AccessToken: s.AccessToken, Tokens: src, Shop: shop, Now: now, Logger: log,
				CategoryOverrides: s.CategoryOverrides, Lookback: s.lookback})
		case returns.Alibaba:
			p, err = alibaba.New(alibaba.Config{BaseURL: s.BaseURL, AppKey: s.AppID, AppSecret: s.AppSecret,
				Session: s.AccessToken, Tokens: src, Shop: shop, Now: now, Logger: log,
				CategoryOverrides: s.CategoryOverrides, Lookback: s.lookback})
		default:
			err = fmt.Errorf("unknown platform %s", s.Platform)
		}
		if err != nil {
			return nil, fmt.Errorf("shop %s/%s: %w", s.Platform, s.ID, err)
		}
		out = append(out, p)
	}
	return out, nil
}
