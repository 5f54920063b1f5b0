package adapters

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// stubPlatform is a connection that only knows who it is; tag tells two
// connections to the same shop apart.
type stubPlatform struct {
	id   returns.PlatformID
	shop string
	tag  string
}

var _ returns.Platform = (*stubPlatform)(nil)

func (p *stubPlatform) ID() returns.PlatformID { return p.id }
func (p *stubPlatform) Shop() returns.Shop {
	return returns.Shop{ID: p.shop, Platform: p.id}
}
func (p *stubPlatform) Capabilities() returns.Capabilities            { return returns.Capabilities{} }
func (p *stubPlatform) AllowedActions(*returns.Case) []returns.Action { return nil }
func (p *stubPlatform) ListChanges(context.Context, string, time.Time) (returns.ChangeBatch, error) {
	return returns.ChangeBatch{CaughtUp: true}, nil
}
func (p *stubPlatform) GetCase(context.Context, string) (*returns.Case, error) {
	return nil, returns.Errorf(returns.CodeNotFound, "no case")
}
func (p *stubPlatform) Perform(context.Context, returns.ActionRequest) (*returns.ActionResult, error) {
	return nil, returns.Errorf(returns.CodeUnsupported, "no actions")
}

func names(ps []returns.Platform) []string {
	var out []string
	for _, p := range ps {
		s := string(p.ID()) + "/" + p.Shop().ID
		if sp, ok := p.(*stubPlatform); ok && sp.tag != "" {
			s += "#" + sp.tag
		}
		out = append(out, s)
	}
	return out
}

func TestRegistry(t *testing.T) {
	xhsB := &stubPlatform{id: returns.XHS, shop: "b"}
	xhsA := &stubPlatform{id: returns.XHS, shop: "a"}
	aeZ := &stubPlatform{id: returns.AliExpress, shop: "z"}
	abM := &stubPlatform{id: returns.Alibaba, shop: "m"}
	xhsA2 := &stubPlatform{id: returns.XHS, shop: "a", tag: "renewed"}
	aeA := &stubPlatform{id: returns.AliExpress, shop: "a"}

	tests := []struct {
		name       string
		add        []returns.Platform
		wantAll    []string
		wantXHS    []string
		wantLookup map[[2]string]string // (platform, shop) -> name, "" for none
	}{
		{name: "empty", wantLookup: map[[2]string]string{{"XHS", "a"}: ""}},
		{name: "ordered by platform then shop, whatever the order added",
			add:     []returns.Platform{xhsB, aeZ, xhsA, abM, aeA},
			wantAll: []string{"ALIBABA/m", "ALIEXPRESS/a", "ALIEXPRESS/z", "XHS/a", "XHS/b"},
			wantXHS: []string{"XHS/a", "XHS/b"},
			wantLookup: map[[2]string]string{
				{"XHS", "a"}: "XHS/a", {"XHS", "b"}: "XHS/b", {"ALIEXPRESS", "z"}: "ALIEXPRESS/z",
				{"ALIEXPRESS", "b"}: "", {"ALIBABA", "a"}: "", {"XHS", "m"}: "",
			}},
		{name: "a second connection to a shop replaces the first in place",
			add:     []returns.Platform{xhsB, xhsA, aeZ, xhsA2},
			wantAll: []string{"ALIEXPRESS/z", "XHS/a#renewed", "XHS/b"},
			wantXHS: []string{"XHS/a#renewed", "XHS/b"},
			wantLookup: map[[2]string]string{
				{"XHS", "a"}: "XHS/a#renewed", {"XHS", "b"}: "XHS/b",
			}},
		{name: "the same shop name on two platforms is two shops",
			add:     []returns.Platform{xhsA, aeA},
			wantAll: []string{"ALIEXPRESS/a", "XHS/a"},
			wantXHS: []string{"XHS/a"},
			wantLookup: map[[2]string]string{
				{"XHS", "a"}: "XHS/a", {"ALIEXPRESS", "a"}: "ALIEXPRESS/a",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Built both ways: all at once, and one by one.
			one := NewRegistry(tt.add...)
			two := NewRegistry()
			for _, p := range tt.add {
				two.Add(p)
			}
			for _, r := range []*Registry{one, two} {
				if got := names(r.All()); !slices.Equal(got, tt.wantAll) {
					t.Errorf("All() = %v, want %v", got, tt.wantAll)
				}
				if got := names(r.OnPlatform(returns.XHS)); !slices.Equal(got, tt.wantXHS) {
					t.Errorf("OnPlatform(XHS) = %v, want %v", got, tt.wantXHS)
				}
				for k, want := range tt.wantLookup {
					p, ok := r.For(returns.PlatformID(k[0]), k[1])
					if ok != (want != "") {
						t.Errorf("For(%s, %s) found %v, want %q", k[0], k[1], ok, want)
						continue
					}
					if ok {
						if got := names([]returns.Platform{p})[0]; got != want {
							t.Errorf("For(%s, %s) = %s, want %s", k[0], k[1], got, want)
						}
					}
				}
			}
		})
	}
}

func TestRegistryAllIsACopy(t *testing.T) {
	r := NewRegistry(&stubPlatform{id: returns.XHS, shop: "a"}, &stubPlatform{id: returns.XHS, shop: "b"})
	all := r.All()
	all[0] = &stubPlatform{id: returns.XHS, shop: "intruder"}
	if got := names(r.All()); !slices.Equal(got, []string{"XHS/a", "XHS/b"}) {
		t.Errorf("changing All()'s answer changed the registry: %v", got)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			r.Add(&stubPlatform{id: returns.XHS, shop: string(rune('a' + i%26))})
		}
	}()
	for range 200 {
		r.All()
		r.OnPlatform(returns.XHS)
		r.For(returns.XHS, "c")
	}
	<-done
	if got := len(r.All()); got != 26 {
		t.Errorf("%d connections, want 26", got)
	}
}
