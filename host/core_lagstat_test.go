package host_test

import (
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
)

// Direct cores send no pings, so the roster carries what their reports
// of how early their inputs reach them ask of the lag (/lagstat's line
// for each), with autolag off as well: two cores on loopback at lag 5
// hold their inputs early and need less than 5. Before the game nothing
// is known.
func TestRosterCoreNeeds(t *testing.T) {
	const lag = 5
	ts := startHost(t, host.Config{Lag: lag, AutoStart: 2}, nil)
	players := [][]uint8{{0}, {1}}
	cores, done := startCores(t, ts.addr, players...)
	for _, m := range ts.h.Members() {
		if m.NeedKnown {
			t.Errorf("before the game: %v", m)
		}
	}
	waitHandshakes(t, 2, done)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, c := range cores {
		wg.Go(func() {
			tick := time.NewTicker(time.Second / 60)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Poll(t.Context(), map[int]uint32{i: coreKeys(i, n)}); err != nil {
					t.Errorf("core %d at poll %d: %v", i, n, err)
					return
				}
			}
		})
	}
	known := func() []session.Member {
		var ms []session.Member
		for _, m := range ts.h.Members() {
			if m.Core && m.NeedKnown {
				ms = append(ms, m)
			}
		}
		return ms
	}
	time.Sleep(2 * time.Second) // four measurements at least: a median, not one report
	deadline := time.Now().Add(10 * time.Second)
	for len(known()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	ms := known()
	if len(ms) != 2 {
		t.Fatalf("cores whose need is known: %v, want both", ts.h.Members())
	}
	for _, m := range ms {
		if m.NeedLag >= lag {
			t.Errorf("%s on loopback at lag %d needs lag %d, want less", m.Name, lag, m.NeedLag)
		}
	}
	t.Logf("%s needs lag %d, %s lag %d", ms[0].Name, ms[0].NeedLag, ms[1].Name, ms[1].NeedLag)
}
