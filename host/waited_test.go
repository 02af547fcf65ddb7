package host_test

import (
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// A player whose inputs reach the host late is the one the others waited
// on: the roster says so, and says nothing of the prompt ones.
func TestWaitedOnTheLatePlayer(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 1}, nil)
	cs := ts.joinPlayers(3, 0)
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	slow := sim.Config{Polls: 120, OnPress: func(uint32) { time.Sleep(5 * time.Millisecond) }}
	res := make([]sim.Result, 3)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := sim.Run(t.Context(), cs[2], slow)
		if err != nil {
			t.Error(err)
		}
		res[2] = r
	}()
	fast := playAll(t, cs[:2], sim.Config{Polls: 120}, time.Minute)
	<-done
	copy(res, fast)
	requireSameState(t, res, 120)
	by := map[string]session.Member{}
	for _, m := range ts.h.Members() {
		by[m.Name] = m
	}
	if w := by["p3"].WaitedMillis; w < 120*5/2 {
		t.Errorf("the others waited %d ms on p3, who took 5 ms a poll for 120 polls; want most of 600", w)
	}
	for _, name := range []string{"p1", "p2"} {
		if w := by[name].WaitedMillis; w*10 > by["p3"].WaitedMillis {
			t.Errorf("the others waited %d ms on %s, as much as a tenth of p3's %d", w, name, by["p3"].WaitedMillis)
		}
	}
}

// The others wait on a player at most as long as the game lasts. A player
// who rejoined plays in step with the others but at another phase, a few
// polls ahead of them in time, and waits at each poll for their inputs;
// the others are charged that wait, never more: the host once charged
// them the time between their inputs and the rejoiner's for every poll,
// four seconds a second.
func TestWaitedNeverOutrunsTheClock(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cfg := sim.Config{Polls: 600, Rate: 60}
	done := make(chan error, 1)
	go func() {
		_, err := sim.Run(ctx, cs[0], cfg)
		done <- err
	}()
	if _, err := sim.Run(ctx, cs[1], sim.Config{Polls: 120, Rate: 60}); err != nil {
		t.Fatal(err)
	}
	cs[1].Close()
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	began := time.Now()
	again := ts.join("p2", client.Config{})
	if _, err := sim.Run(ctx, again, cfg); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	for _, m := range ts.h.Members() {
		if w := time.Duration(m.WaitedMillis) * time.Millisecond; w > took {
			t.Errorf("the others waited %v on %s in %v of play", w, m.Name, took.Round(time.Millisecond))
		}
	}
}
