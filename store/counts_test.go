package store

import (
	"reflect"
	"testing"
)

func TestCountMoves(t *testing.T) {
	a := CountBucket{"XHS", "REQUESTED", "RETURN", "CN", "s1"}
	b := CountBucket{"XHS", "NEGOTIATING", "RETURN", "CN", "s1"}
	c := CountBucket{"ALIBABA", "REQUESTED", "RETURN", "US", "s2"}
	for _, tc := range []struct {
		name  string
		moves func(m CountMoves)
		want  []CountBucket
		n     map[CountBucket]int64
	}{
		{"a new case", func(m CountMoves) { m.Move(nil, a) }, []CountBucket{a}, map[CountBucket]int64{a: 1}},
		{"a case that stays", func(m CountMoves) { m.Move(&a, a) }, []CountBucket{}, nil},
		{"there and back", func(m CountMoves) { m.Move(&a, b); m.Move(&b, a) }, []CountBucket{}, nil},
		{"two cases swap", func(m CountMoves) { m.Move(&a, b); m.Move(&b, a); m.Move(nil, c) }, []CountBucket{c}, map[CountBucket]int64{c: 1}},
		{"fixed order", func(m CountMoves) { m.Move(&a, b); m.Move(nil, c) }, []CountBucket{c, b, a},
			map[CountBucket]int64{a: -1, b: 1, c: 1}},
	} {
		m := CountMoves{}
		tc.moves(m)
		got := m.Changed()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Changed() = %v, want %v", tc.name, got, tc.want)
		}
		for bk, n := range tc.n {
			if m[bk] != n {
				t.Errorf("%s: %v moved by %d, want %d", tc.name, bk, m[bk], n)
			}
		}
	}
}
