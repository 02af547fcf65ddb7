package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// A player whose inputs reach the host late is the one the others waited
// on: the roster says so, and says nothing of the prompt ones. p3 takes
// 25 ms to play each poll, so the game plays 40 polls/s instead of 60
// and the others lose 8.3 ms at each poll, which is what p3 is charged.
func TestWaitedOnTheLatePlayer(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{Lag: 1})
		cs := []*client.Client{ns.join("p1", client.Config{OwnerKey: ns.h.OwnerKey()}), ns.join("p2", client.Config{}), ns.join("p3", client.Config{})}
		ns.waitMemberCount(3)
		if err := ns.h.Start(); err != nil {
			t.Fatal(err)
		}
		const polls, work = 120, 25 * time.Millisecond
		slow := sim.Config{Polls: polls, Rate: 60, OnPress: func(uint32) { time.Sleep(work) }}
		res := make([]sim.Result, 3)
		done := make(chan struct{})
		go func() {
			defer close(done)
			res[2], _ = sim.Run(context.Background(), cs[2], slow)
		}()
		copy(res, playAll(t, cs[:2], sim.Config{Polls: polls, Rate: 60}, time.Minute))
		<-done
		requireSameState(t, res, polls)
		by := map[string]session.Member{}
		for _, m := range ns.h.Members() {
			by[m.Name] = m
		}
		lost := polls * (work - time.Second/60)
		if w := time.Duration(by["p3"].WaitedMillis) * time.Millisecond; w < lost*9/10 || w > lost*11/10 {
			t.Errorf("the others waited %v on p3, who took %v a poll for %d polls; want about the %v they lost", w, work, polls, lost)
		}
		for _, name := range []string{"p1", "p2"} {
			if w := by[name].WaitedMillis; w > 0 {
				t.Errorf("the others waited %d ms on %s", w, name)
			}
		}
	})
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

// Two players at lag 0 whose frames keep different phases: Bob presses
// each poll 10 ms after Ann, so Ann waits 10 ms for his input at every
// poll, within the frame her next poll would wait for anyway. The game
// holds full speed and nobody lost a frame, so nobody is charged: the
// others were charged 600 ms a second on Bob, as /lagstat showed a real
// player who rejoined a game at lag 0, at full speed.
func TestWaitedNotChargedForAPhase(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{Lag: 0})
		ann := ns.join("ann", client.Config{OwnerKey: ns.h.OwnerKey()})
		bob := ns.join("bob", client.Config{})
		ns.waitMemberCount(2)
		if err := ns.h.Start(); err != nil {
			t.Fatal(err)
		}
		const polls = 600
		cfg := sim.Config{Polls: polls, Rate: 60}
		res := make([]sim.Result, 2)
		done := make(chan struct{})
		go func() {
			defer close(done)
			res[0], _ = sim.Run(context.Background(), ann, cfg)
		}()
		time.Sleep(10 * time.Millisecond)
		began := time.Now()
		res[1], _ = sim.Run(context.Background(), bob, cfg)
		<-done
		took := time.Since(began)
		requireSameState(t, res, polls)
		if pace := polls / took.Seconds(); pace < 59.5 {
			t.Fatalf("the game played %.1f polls/s, want full speed", pace)
		}
		for _, m := range ns.h.Members() {
			if m.WaitedMillis > 0 {
				t.Errorf("the others waited %d ms on %s in a game at full speed", m.WaitedMillis, m.Name)
			}
		}
	})
}
