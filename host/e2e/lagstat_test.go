package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// TestRealCoresLagStat plays two real direct cores at full speed, lag 5,
// on loopback: the roster (/lagstat) soon knows how fast each core's
// inputs come and what each core's reports ask of the lag, which with
// their inputs pushed early is less than 5. Direct cores send no pings;
// this is all /lagstat can say of them.
func TestRealCoresLagStat(t *testing.T) {
	const lag = 5
	g := startGame(t, gameSpec{polls: 1 << 20, lag: lag, paced: true, seats: []seat{{ports: []int{1}}, {ports: []int{2}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g.waitStarted(ctx)
	known := func() []session.Member {
		var ms []session.Member
		for _, m := range g.h.Members() {
			if m.Core && m.NeedKnown && m.PaceKnown {
				ms = append(ms, m)
			}
		}
		return ms
	}
	// Four measurements (two seconds) at least: a median, not one report.
	time.Sleep(2 * time.Second)
	for len(known()) < 2 && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	ms := known()
	if len(ms) != 2 {
		t.Fatalf("cores whose pace and need are known: %v; want both of %v", ms, g.h.Members())
	}
	for _, m := range ms {
		if m.NeedLag >= lag {
			t.Errorf("%s on loopback at lag %d needs lag %d, want less", m.Name, lag, m.NeedLag)
		}
		t.Logf("%s: %.1f polls/s, needs lag %d", m.Name, float64(m.PaceTenths)/10, m.NeedLag)
	}
}
