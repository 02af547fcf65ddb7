package limit

import (
	"net/netip"
	"sync"
)

// PerSource bounds how many of something (connections that have not yet
// joined, say) each source holds at once. Make it with NewPerSource; its
// methods are safe for concurrent use, and it takes no other lock.
type PerSource struct {
	max int

	mu      sync.Mutex
	held    map[netip.Prefix]int
	refused uint64
}

// NewPerSource returns a PerSource that lets each source hold max at once.
func NewPerSource(max int) *PerSource {
	return &PerSource{max: max, held: make(map[netip.Prefix]int)}
}

// Acquire counts one more for src. It returns nil, and the number of
// refusals so far, when src is at the limit.
func (l *PerSource) Acquire(src netip.Prefix) (*Slot, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[src] >= l.max {
		l.refused++
		return nil, l.refused
	}
	l.held[src]++
	return &Slot{l: l, src: src}, 0
}

// Len is how many sources hold something.
func (l *PerSource) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.held)
}

// Slot is one thing a source holds in a PerSource.
type Slot struct {
	l    *PerSource
	src  netip.Prefix
	once sync.Once
}

// Release stops counting the slot. It may be called more than once and
// from any goroutine; only the first call counts.
func (s *Slot) Release() {
	s.once.Do(func() {
		s.l.mu.Lock()
		defer s.l.mu.Unlock()
		if s.l.held[s.src]--; s.l.held[s.src] <= 0 {
			delete(s.l.held, s.src)
		}
	})
}
