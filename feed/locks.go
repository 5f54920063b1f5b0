package feed

import (
	"hash/maphash"
	"sync"

	"github.com/returnsgw/returnsgw/returns"
)

// CaseLocks serialises, within the process, everything that writes one case:
// a seller action (from its platform call to storing the result) and the
// platform's own reports of the case (push and poll). Sharing them is what
// lets a push of the action's own change find the case already stored and
// write no second event, and keeps the action's event the one that moves
// the status.
type CaseLocks struct {
	seed  maphash.Seed
	once  sync.Once
	slots [256]sync.Mutex
}

// Lock locks the case and returns the unlock.
func (l *CaseLocks) Lock(k returns.CaseKey) func() {
	l.once.Do(func() { l.seed = maphash.MakeSeed() })
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(string(k.Platform))
	h.WriteByte(0)
	h.WriteString(k.PlatformCaseID)
	m := &l.slots[h.Sum64()%uint64(len(l.slots))]
	m.Lock()
	return m.Unlock
}
