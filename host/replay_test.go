package host_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/sim"
)

// Spectators who join a running game asking for all of it (Replay), and
// then neither read nor ack, cost the host only what their queues hold:
// the honest players play on to the same state, never held up.
func TestReplayingSpectatorsHoldNobodyUp(t *testing.T) {
	const polls, joinAt, greedy = 4000, 1000, 6
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	late := watchScheduler()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	played := make(chan []sim.Result, 1)
	go func() {
		res := make([]sim.Result, len(cs))
		errs := make(chan error, len(cs))
		for i, c := range cs {
			go func() {
				var err error
				res[i], err = sim.Run(ctx, c, sim.Config{Polls: polls, Rate: 1000, Script: sim.Script{Seed: 5}})
				errs <- err
			}()
		}
		for range cs {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		played <- res
	}()
	hosttest.WaitFor(t, "the game at poll 1000", func() bool { return ts.h.Stats().Poll >= joinAt })
	for i := range greedy {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(host.RawHelloReplay(fmt.Sprintf("greedy%d", i))) // and never reads
	}
	ts.waitMembers(len(cs) + greedy)
	res := <-played
	slack := late()
	requireSameState(t, res, polls)
	for i, r := range res {
		if r.Worst > maxStall+slack {
			t.Errorf("honest player %d waited %v for one poll (%d stalls), want under %v + %v the whole process waited", i, r.Worst, r.Stalls, maxStall, slack)
		}
	}
}
