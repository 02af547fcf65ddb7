package latency_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// startLab hosts a session on loopback with lag and joins one player per
// link, each reaching the host through its own link; it starts the game.
// Everything is closed when tb ends.
func startLab(tb testing.TB, ctx context.Context, lag int, links []*latency.Link) []*client.Client {
	return startLabHost(tb, ctx, host.Config{Lag: uint8(lag)}, links)
}

// startLabHost is startLab with the host's whole configuration.
func startLabHost(tb testing.TB, ctx context.Context, hcfg host.Config, links []*latency.Link) []*client.Client {
	tb.Helper()
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	h := host.New(hcfg)
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln, pc) }()
	var cs []*client.Client
	tb.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
		h.Close()
		<-served
	})
	for i, l := range links {
		cfg := client.Config{Name: fmt.Sprint("p", i+1), Dial: l.Dial(nil)}
		if i == 0 {
			cfg.OwnerKey = h.OwnerKey()
		}
		c, err := client.Dial(ctx, ln.Addr().String(), cfg)
		if err != nil {
			tb.Fatalf("player %d joins: %v", i+1, err)
		}
		cs = append(cs, c)
	}
	if err := cs[0].Start(); err != nil {
		tb.Fatal(err)
	}
	return cs
}

// TestGameFollowsSetDelay plays two players as fast as the lockstep allows
// and slows their links down mid-game, then speeds them up again: the slow
// stretch cannot beat physics, and the lockstep holds throughout.
func TestGameFollowsSetDelay(t *testing.T) {
	const (
		lag              = 2
		slowFrom, slowTo = 100, 160
		polls            = 260
		oneWay           = 15 * time.Millisecond // each link, each way: 30 ms player to player
	)
	links := []*latency.Link{latency.New(latency.Config{Seed: 1}), latency.New(latency.Config{Seed: 2})}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cs := startLab(t, ctx, lag, links)

	var at [2][polls]time.Time
	res := make([]sim.Result, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for k, c := range cs {
		wg.Go(func() {
			res[k], errs[k] = sim.Run(ctx, c, sim.Config{Polls: polls, Script: sim.Script{Seed: 3},
				OnPoll: func(p uint32, _ [session.NumPorts]session.Input) {
					at[k][p] = time.Now()
					if k != 0 {
						return
					}
					switch p {
					case slowFrom:
						for _, l := range links {
							l.SetDelay(oneWay, 0)
						}
					case slowTo:
						for _, l := range links {
							l.SetDelay(0, 0)
						}
					}
				}})
		})
	}
	wg.Wait()
	for k := range cs {
		if errs[k] != nil {
			t.Fatalf("player %d: %v", k+1, errs[k])
		}
	}
	if res[0].State != res[1].State {
		t.Fatalf("players finished in states %v and %v", res[0].State, res[1].State)
	}
	// Inputs published before the change may still travel fast: lag+1
	// polls of grace, then every lag+1 polls cost a full trip.
	p2p := 2 * oneWay
	slow := at[1][slowTo].Sub(at[1][slowFrom])
	least := time.Duration((slowTo-slowFrom)/(lag+1)-2) * p2p
	rest := at[1][polls-1].Sub(at[1][slowTo])
	t.Logf("polls 0-%d took %v, %d-%d with %v player to player took %v (physics: at least %v), the rest %v",
		slowFrom, at[1][slowFrom].Sub(at[1][0]), slowFrom, slowTo, p2p, slow, least, rest)
	if slow < least {
		t.Errorf("the slow stretch took %v, faster than the delay allows (%v)", slow, least)
	}
	if perPoll, slowPerPoll := rest/(polls-1-slowTo), slow/(slowTo-slowFrom); perPoll > slowPerPoll/2 {
		t.Errorf("after the delay went back to 0, polls took %v each, not much faster than %v with it", perPoll, slowPerPoll)
	}
}
