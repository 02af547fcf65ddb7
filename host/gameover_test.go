package host_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// A session plays game after game: the host's player stops the first, the
// session is back in the lobby with everyone in it, and the next game
// starts from poll 0 and ends the same on every machine.
func TestGameAfterGame(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(3, 1)
	ts.waitMembers(4)
	for game := 1; game <= 2; game++ {
		if err := ts.start(); err != nil {
			t.Fatalf("game %d: %v", game, err)
		}
		res := playAll(t, cs, sim.Config{Polls: 500}, time.Minute)
		requireSameState(t, res, 500)
		if game == 2 && res[0].First != 0 {
			t.Errorf("the second game started at poll %d, want 0", res[0].First)
		}
		// The players keep polling into the stop: every Poll returns
		// ErrEnded, none hangs.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs := make(chan error, len(cs))
		var polling sync.WaitGroup
		for _, c := range cs {
			polling.Add(1)
			var once sync.Once
			go func() {
				_, err := sim.Run(ctx, c, sim.Config{Polls: 1 << 30, OnPoll: func(uint32, [session.NumPorts]session.Input) { once.Do(polling.Done) }})
				once.Do(polling.Done)
				errs <- err
			}()
		}
		polling.Wait() // every player is in the game when it stops
		if err := cs[0].Stop(); err != nil {
			t.Fatal(err)
		}
		for range cs {
			if err := <-errs; !errors.Is(err, session.ErrEnded) {
				t.Errorf("game %d: a poll into the stop returned %v, want ErrEnded", game, err)
			}
		}
		cancel()
		waitEvents(t, ts, []string{"host", "p1", "p2", "p3", "spec1"}, session.EventEnded, game)
		if e := ts.eventsOf("p2", session.EventEnded)[game-1]; e.Who != "p1" {
			t.Errorf("p2 heard %q", e.String())
		}
		for _, c := range cs {
			if st := c.Status(); st.Playing || st.Poll != 0 {
				t.Errorf("%d after the stop: playing %v at poll %d", c.ID(), st.Playing, st.Poll)
			}
		}
		if n := len(ts.h.Members()); n != 4 {
			t.Fatalf("%d members after game %d, want all 4", n, game)
		}
	}
	// Only the host's player stops a game, and only a running one.
	if err := cs[1].Stop(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p2"}, session.EventNotice, 1)
}

// A game every player left ends by itself; the players' ports come back
// for the next game, and a headless host's autostart waits for a join.
func TestGameOverWhenEveryoneLeft(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, AutoStart: 2}, nil)
	ann := ts.join("ann", client.Config{})
	ben := ts.join("ben", client.Config{})
	waitEvents(t, ts, []string{"host"}, session.EventStarted, 1)
	res := playAll(t, []*client.Client{ann, ben}, sim.Config{Polls: 200}, time.Minute)
	requireSameState(t, res, 200)
	ann.Close()
	ben.Close()
	waitEvents(t, ts, []string{"host"}, session.EventEnded, 1)
	if e := ts.eventsOf("host", session.EventEnded)[0]; e.Who != "" {
		t.Errorf("host event %q", e.String())
	}
	cal := ts.join("cal", client.Config{})
	dee := ts.join("dee", client.Config{})
	waitEvents(t, ts, []string{"host"}, session.EventStarted, 2)
	res = playAll(t, []*client.Client{cal, dee}, sim.Config{Polls: 200}, time.Minute)
	requireSameState(t, res, 200)
}

// A headless host with autostart serves game after game to mupen64plus
// cores that connect straight to it: when both cores of a game have
// disconnected, the session is back in the lobby, and the next pair's
// joins start the next game.
func TestAutostartPlaysGameAfterGame(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, AutoStart: 2}, nil)
	for game := 1; game <= 3; game++ {
		cores, done := startCores(t, ts.addr, []uint8{0}, []uint8{1})
		waitHandshakes(t, 2, done)
		var wg sync.WaitGroup
		for i, c := range cores {
			wg.Go(func() {
				if err := pollCore(t.Context(), c, []uint8{uint8(i)}, 200); err != nil {
					t.Errorf("game %d core %d: %v", game, i, err)
				}
			})
		}
		wg.Wait()
		for n := range 200 {
			if a, b := cores[0].History()[n], cores[1].History()[n]; a.Keys != b.Keys {
				t.Fatalf("game %d poll %d: cores consumed %x and %x", game, n, a.Keys, b.Keys)
			}
		}
		for _, c := range cores {
			c.Close()
		}
		waitEvents(t, ts, []string{"host"}, session.EventEnded, game)
	}
	if n := len(ts.eventsOf("host", session.EventStarted)); n != 3 {
		t.Errorf("%d games started, want 3", n)
	}
}

// A player whose emulator failed releases its port: the others play on
// without waiting for it, and in the next game the port is its own again.
func TestReleasedPortComesBack(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(3, 0)
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p3"}, session.EventStarted, 1)
	if err := cs[2].Release(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p1"}, session.EventLeft, 1)
	res := playAll(t, cs[:2], sim.Config{Polls: 300}, time.Minute)
	requireSameState(t, res, 300)
	if err := cs[0].Stop(); err != nil {
		t.Fatal(err)
	}
	// Every player must have seen the first game end before the second
	// starts: p3, who never played the first, would otherwise play its
	// remnants and stop at its end, and the others wait for p3.
	waitEvents(t, ts, []string{"host", "p1", "p2", "p3"}, session.EventEnded, 1)
	hosttest.WaitFor(t, "the condition", func() bool { return allPorts(ts.h.Members()) == 0b111 })
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	res = playAll(t, cs, sim.Config{Polls: 300}, time.Minute)
	requireSameState(t, res, 300)
}
