package adapters

import "testing"

func TestSellerCentreURL(t *testing.T) {
	for _, tt := range []struct{ base, id, want string }{
		{"https://s.example/detail", "R1", "https://s.example/detail?id=R1"},
		{"https://s.example/detail?lang=en", "R1", "https://s.example/detail?lang=en&id=R1"},
		{"https://s.example/detail", "a&b=c d", "https://s.example/detail?id=a%26b%3Dc+d"},
		{"https://s.example/detail", "", ""},
	} {
		if got := SellerCentreURL(tt.base, "id", tt.id); got != tt.want {
			t.Errorf("SellerCentreURL(%q, id, %q) = %q, want %q", tt.base, tt.id, got, tt.want)
		}
	}
}
