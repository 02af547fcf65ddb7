package host_test

import (
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// Direct cores play golf as netpak players do: a core's golf press takes
// it the seat, and from the seat's poll on (once the presses its old lag
// had in flight are used) its port carries the press of the same count,
// while the others keep the session lag; the seat moves on to the next
// core that presses.
func TestDirectGolfers(t *testing.T) {
	const lag, polls = 4, 500
	ts := startHost(t, host.Config{Lag: lag, Golf: true, AutoStart: 2}, nil)
	press := map[int]int{1: 100, 0: 250} // port: the count it presses the golf button
	script := func(port, count int) uint32 {
		k := coreKeys(port, count) &^ session.DefaultGolfMask
		if press[port] == count {
			k |= session.DefaultGolfMask
		}
		return k
	}
	players := [][]uint8{{0}, {1}}
	cores, done := startCores(t, ts.addr, players...)
	waitHandshakes(t, 2, done)
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			for n := range polls {
				if _, err := c.Poll(t.Context(), map[int]uint32{i: script(i, n)}); err != nil {
					t.Errorf("core %d at poll %d: %v", i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	waitEvents(t, ts, []string{"host"}, session.EventGolfSeat, 2)
	seats := ts.eventsOf("host", session.EventGolfSeat)
	if seats[0].Who != "core-p2" || seats[1].Who != "core-p1" {
		t.Fatalf("seat events %v, want core-p2's, then core-p1's", seats)
	}
	from, to := int(seats[0].Poll), int(seats[1].Poll)
	if from <= press[1] || to <= press[0] || from+lag >= to {
		t.Fatalf("seat for core-p2 from poll %d, for core-p1 from %d: want them after the presses (%d, %d) and apart", from, to, press[1], press[0])
	}
	h0, h1 := cores[0].History(), cores[1].History()
	for n := range polls {
		if h0[n] != h1[n] {
			t.Fatalf("poll %d: the cores consumed %+v and %+v", n, h0[n], h1[n])
		}
	}
	lagOf := func(port, n int) (int, bool) { // the lag port plays at poll n, if settled
		holder := 1
		switch {
		case n >= from+lag && n < to:
		case n >= to+lag:
			holder = 0
		default:
			return 0, false
		}
		if port == holder {
			return 0, true
		}
		return lag, true
	}
	for n := range polls {
		for port := range 2 {
			l, ok := lagOf(port, n)
			if !ok {
				continue
			}
			if got, want := h0[n].Keys[port], script(port, n-l); got != want {
				t.Fatalf("poll %d port %d: %#x, want the press of count %d %#x (lag %d)", n, port+1, got, n-l, want, l)
			}
		}
	}
	t.Logf("%v; %v", seats[0], seats[1])
}

// Two direct cores that hold the golf button all game take the seat from
// each other at the talk rate, not at every count: the honest players'
// consoles are not flooded with seat changes, and they play on, identical.
func TestGolfSeatFloodIsLimited(t *testing.T) {
	const polls = 600
	ts := startHost(t, host.Config{Lag: 3, Golf: true}, nil)
	players := [][]uint8{{0}, {1}}
	cores, done := startCores(t, ts.addr, players...)
	cs := []*client.Client{ts.join("p1", client.Config{Ports: 1 << 2}), ts.join("p2", client.Config{Ports: 1 << 3})}
	ts.waitMembers(4)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	waitHandshakes(t, 2, done)
	var wg sync.WaitGroup
	for i, c := range cores {
		k := int(players[i][0])
		wg.Go(func() {
			for n := range polls {
				if _, err := c.Poll(t.Context(), map[int]uint32{k: coreKeys(k, n) | session.DefaultGolfMask}); err != nil {
					t.Errorf("core on port %d at poll %d: %v", k+1, n, err)
					return
				}
			}
		})
	}
	t0 := time.Now()
	playHonest(t, cs, polls, 120)
	wg.Wait()
	requireNotDropped(t, ts, "p1", "p2")
	seats := len(ts.eventsOf("p1", session.EventGolfSeat))
	if limit := 2*(20+int(4*time.Since(t0).Seconds())) + 4; seats > limit || seats < 2 {
		t.Errorf("p1 saw %d golf seat changes in %v, want 2 to %d", seats, time.Since(t0), limit)
	}
	t.Logf("%d golf seat changes in %v", seats, time.Since(t0).Round(time.Millisecond))
}

// A golf press the host refuses (here: the player used up its talk
// allowance chatting) is asked again while the button is held, so the
// player still takes the seat once its allowance is back.
func TestRefusedGolfPressIsAskedAgain(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3, Golf: true}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	for range 25 {
		if err := cs[0].Chat("gg"); err != nil {
			t.Fatal(err)
		}
	}
	const polls = 300 // 5 s at 60 polls/s
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second / 60)
		defer tick.Stop()
		for range polls {
			<-tick.C
			if _, _, err := cs[0].Poll(t.Context(), [session.NumPorts]session.Input{{Keys: session.DefaultGolfMask}}); err != nil {
				t.Errorf("p1: %v", err)
				return
			}
		}
	})
	wg.Go(func() {
		if _, err := sim.Run(t.Context(), cs[1], sim.Config{Polls: polls, Rate: 60}); err != nil {
			t.Errorf("p2: %v", err)
		}
	})
	wg.Wait()
	seats := ts.eventsOf("host", session.EventGolfSeat)
	if len(seats) != 1 || seats[0].Who != "p1" {
		t.Fatalf("golf seats %v, want p1's, though its first presses were refused", seats)
	}
	t.Logf("%v", seats[0])
}
