package direct

import (
	"testing"
	"time"
)

// The time a core spends on a TCP exchange does not count as silence,
// once: a request that came during the exchange already counts from its
// own moment, and the core is dropped a drop timeout after the later of
// the two, not the exchange's length later still.
func TestBusyTimeCountsOnce(t *testing.T) {
	r := newKeysRig(t, 2)
	r.c.joined = true
	const timeout = 3 * time.Second
	r.c.seen.Store(r.now.UnixNano())
	r.c.Busy(true)
	r.now = r.now.Add(60 * time.Second) // a long exchange (a slow reply, a wait for player 1's data)
	r.c.seen.Store(r.now.UnixNano())    // during which the core asked once
	r.c.Busy(false)
	if ahead := time.Duration(r.c.seen.Load() - r.now.UnixNano()); ahead > 0 {
		t.Errorf("the core's last request is %v in the future", ahead)
	}
	r.now = r.now.Add(timeout + time.Second)
	r.cs.DropSilent(r.now.UnixNano(), timeout)
	if len(r.f.dropped) != 1 {
		t.Errorf("a core silent for %v after its exchange and its last request was not dropped (drop timeout %v)", timeout+time.Second, timeout)
	}
}
