package feed

import "github.com/returnsgw/returnsgw/returns"

// slot is a subscriber's place in an orgSet.
type slot struct {
	org returns.OrgID
	idx int // position in the set's list for org; -1 when not in it
}

func (s *slot) place() *slot { return s }

type placed interface{ place() *slot }

// orgSet keeps subscribers by organisation, in slices for fast iteration
// (a publish visits every one), with constant-time removal: the last one
// takes the removed one's place. The bus and the deadline timer share it.
type orgSet[S placed] map[returns.OrgID][]S

// add puts s at the end of its organisation's list.
func (m orgSet[S]) add(s S) {
	p := s.place()
	list := m[p.org]
	p.idx = len(list)
	m[p.org] = append(list, s)
}

// remove takes s out of its list, moving the last one into its place; it
// reports false if s was not in the set.
func (m orgSet[S]) remove(s S) bool {
	p := s.place()
	if p.idx < 0 {
		return false
	}
	list := m[p.org]
	last := len(list) - 1
	list[p.idx] = list[last]
	list[p.idx].place().idx = p.idx
	var zero S
	list[last] = zero
	if last == 0 {
		delete(m, p.org)
	} else {
		m[p.org] = list[:last]
	}
	p.idx = -1
	return true
}

// all returns every subscriber, for ending them all (removing while ranging
// over the set would skip the ones moved into freed places).
func (m orgSet[S]) all() []S {
	var out []S
	for _, list := range m {
		out = append(out, list...)
	}
	return out
}
