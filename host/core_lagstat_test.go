package host_test

import (
	"math"
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
	stop := make(chan struct{})
	played := make(chan bool)
	go func() { played <- pollPaced(t, cores, math.MaxInt, stop, coreKeys) }()
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
	<-played
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
