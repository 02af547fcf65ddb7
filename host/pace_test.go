package host_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/sim"
)

// The roster says how fast each player's inputs come (/lagstat's
// polls/s): in lockstep the game goes at its slowest player's pace, so
// when ann's machine manages 30 polls a second both players' inputs come
// at 30; a spectator has none, and before the game nobody's is known.
// The players' consoles learn it from the roster.
func TestRosterPace(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{Lag: 2})
		var cs []*client.Client
		for _, name := range []string{"ann", "ben"} {
			cs = append(cs, ns.join(name, client.Config{}))
		}
		ns.join("eve", client.Config{Spectator: true})
		ns.waitMemberCount(3)
		for _, m := range ns.h.Members() {
			if m.PaceKnown {
				t.Errorf("before the game %s's pace is known: %v", m.Name, m)
			}
		}
		if err := ns.h.Start(); err != nil {
			t.Fatal(err)
		}
		const polls = 30 * 20
		var wg sync.WaitGroup
		for i, c := range cs {
			rate := []float64{30, 60}[i]
			wg.Go(func() {
				if _, err := sim.Run(context.Background(), c, sim.Config{Polls: polls, Rate: rate}); err != nil {
					t.Errorf("player %d: %v", i+1, err)
				}
			})
		}
		time.Sleep(10 * time.Second)
		hosts, bens := ns.h.Members(), cs[1].Status().Members // ben's from the roster the host sent
		wg.Wait()
		if len(hosts) != 3 || len(bens) != 3 {
			t.Fatalf("the host sees %d members, ben %d; want 3", len(hosts), len(bens))
		}
		for _, m := range append(hosts, bens...) {
			switch {
			case m.Spectator && m.PaceKnown:
				t.Errorf("spectator %s has a pace: %v", m.Name, m)
			case !m.Spectator && (!m.PaceKnown || m.PaceTenths < 295 || m.PaceTenths > 305):
				t.Errorf("%s's inputs came at %v (known %v) tenths of a poll a second, want 300", m.Name, m.PaceTenths, m.PaceKnown)
			}
		}
	})
}
