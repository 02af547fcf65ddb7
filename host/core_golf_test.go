package host_test

import (
	"context"
	"math"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/portfwd"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// Direct cores play golf as netpak players do: a core's golf press takes
// it the seat, and from the seat's poll on (once the presses its old lag
// had in flight are used) its port plays the seat's lag, while the others
// keep the session lag; the seat moves on to the next core that presses.
// A direct core's presses come back from the host, so its seat plays the
// lag that round trip allows: on loopback, less than the session's. The
// cores play at 60 polls a second, as real ones do: a core that polls as
// fast as it can always waits for its inputs, and its reports call for
// the whole lag.
func TestDirectGolfers(t *testing.T) {
	const lag, polls = 4, 500
	ts := startHost(t, host.Config{Lag: lag, Golf: true, AutoStart: 2}, nil)
	press := map[int]int{1: 100, 0: 250}
	script := golfAt(press)
	players := [][]uint8{{0}, {1}}
	cores, done := startCores(t, ts.addr, players...)
	waitHandshakes(t, 2, done)
	if !pollPaced(t, cores, polls, nil, script) {
		return
	}
	waitEvents(t, ts, []string{"host"}, session.EventGolfSeat, 2)
	seats := ts.eventsOf("host", session.EventGolfSeat)
	if seats[0].Who != "core-p2" || seats[1].Who != "core-p1" {
		t.Fatalf("seat events %v, want core-p2's, then core-p1's", seats)
	}
	for _, e := range seats {
		if e.Lag >= lag {
			t.Fatalf("%v: want a seat lag below the session's %d on loopback", e, lag)
		}
	}
	from, to := int(seats[0].Poll), int(seats[1].Poll)
	if from <= press[1] || to <= press[0] || from+lag >= to {
		t.Fatalf("seat for core-p2 from poll %d, for core-p1 from %d: want them after the presses (%d, %d) and apart", from, to, press[1], press[0])
	}
	requireSameGame(t, cores[0], cores[1])
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
			return int(seats[1-holder].Lag), true
		}
		return lag, true
	}
	h0 := cores[0].History()
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

// A direct core's presses come back from the host before it can use them,
// so in the golf seat it plays the lag that round trip allows, not 0: at
// 0 it would wait the round trip at every poll, and the whole game with it
// (two real cores 40 ms from each other: 21 fps). Both cores here sit
// behind a lab link of 20 ms each way: the golfer's seat plays at least
// lag 1 and less than the session's, and its port carries its presses
// under that lag, identical on both cores.
func TestDirectGolferPlaysItsRoundTrip(t *testing.T) {
	const lag, polls, press = 6, 420, 150
	ts := startHost(t, host.Config{Lag: lag, Golf: true, AutoStart: 2}, nil)
	script := golfAt(map[int]int{0: press})
	cores, _ := labCores(t, ts, latency.Shape{Delay: 20 * time.Millisecond}, 2, nil)
	if !pollPaced(t, cores, polls, nil, script) {
		return
	}
	waitEvents(t, ts, []string{"host"}, session.EventGolfSeat, 1)
	seat := ts.eventsOf("host", session.EventGolfSeat)[0]
	if seat.Who != "core-p1" || seat.Lag < 1 || seat.Lag >= lag {
		t.Fatalf("%v: want core-p1's seat at a lag from 1 to %d", seat, lag-1)
	}
	requireSameGame(t, cores[0], cores[1])
	h0 := cores[0].History()
	for n := range polls {
		if n < int(seat.Poll)+lag {
			continue
		}
		if got, want := h0[n].Keys[0], script(0, n-int(seat.Lag)); got != want {
			t.Fatalf("poll %d port 1: %#x, want the press of count %d %#x (seat lag %d)", n, got, n-int(seat.Lag), want, seat.Lag)
		}
	}
	t.Logf("%v", seat)
}

// golfAt is coreKeys with the golf button pressed only at press[port],
// the count at which port presses it.
func golfAt(press map[int]int) func(port, count int) uint32 {
	return func(port, count int) uint32 {
		k := coreKeys(port, count) &^ session.DefaultGolfMask
		if c, ok := press[port]; ok && c == count {
			k |= session.DefaultGolfMask
		}
		return k
	}
}

// labCores starts a direct core for each of the first n players, each
// behind its own lab link of leg each way, and waits for their handshakes,
// which end when the game starts. tweak, if set, changes core i's config.
func labCores(t *testing.T, ts *testSession, leg latency.Shape, n int, tweak func(i int, cfg *hosttest.FakeCoreConfig)) ([]*hosttest.FakeCore, []*latency.Link) {
	t.Helper()
	var cores []*hosttest.FakeCore
	var links []*latency.Link
	done := make(chan error, n)
	for i := range n {
		link := latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)})
		cfg := hosttest.FakeCoreConfig{Host: netip.MustParseAddrPort(forwardThrough(t, ts.addr, link)), Players: []uint8{uint8(i)}, Logf: t.Logf}
		if tweak != nil {
			tweak(i, &cfg)
		}
		cores, links = append(cores, startCore(t, cfg, done)), append(links, link)
	}
	waitHandshakes(t, n, done)
	return cores, links
}

// pollPaced has core i press script(i, count) at 60 polls a second, as a
// real core's speed limiter paces it, for polls polls or until stop
// closes. It reports whether every poll succeeded.
func pollPaced(t *testing.T, cores []*hosttest.FakeCore, polls int, stop <-chan struct{}, script func(port, count int) uint32) bool {
	t.Helper()
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			tick := time.NewTicker(time.Second / 60)
			defer tick.Stop()
			for n := range polls {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Poll(t.Context(), map[int]uint32{i: script(i, n)}); err != nil {
					t.Errorf("core %d at poll %d: %v", i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return !t.Failed()
}

// forwardThrough opens a port that carries a core's TCP and UDP to addr
// through link, and returns it.
func forwardThrough(t *testing.T, addr string, link *latency.Link) string {
	t.Helper()
	ln, pc, local := listenPair(t)
	f := portfwd.Start(context.Background(), ln, pc, portfwd.Config{Target: addr, Dial: link.Dial(nil), Name: "lab port", Logf: t.Logf})
	t.Cleanup(f.Close)
	return local
}

// A direct core in the golf seat whose round trip to the host grows past
// what its seat's lag allows makes the game crawl, which its reports at
// that lag cannot show: the pace can, and the seat gets one poll more,
// with a word to everyone why. The golfer's link goes from 20 ms each way
// to a round trip 10 ms longer than its seat's lag allows after it took
// the seat (from 20 to 30 ms each way at lag 2).
func TestSlowGolfSeatIsRaised(t *testing.T) {
	const lag, press = 6, 150
	ts := startHost(t, host.Config{Lag: lag, Golf: true, AutoStart: 2}, nil)
	script := golfAt(map[int]int{0: press})
	cores, links := labCores(t, ts, latency.Shape{Delay: 20 * time.Millisecond}, 2, nil)
	stop := make(chan struct{})
	played := make(chan bool)
	go func() { played <- pollPaced(t, cores, math.MaxInt, stop, script) }()
	seats := func(n int, within time.Duration) []session.Event {
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) && len(ts.eventsOf("host", session.EventGolfSeat)) < n {
			time.Sleep(10 * time.Millisecond)
		}
		return ts.eventsOf("host", session.EventGolfSeat)
	}
	first := seats(1, 10*time.Second)
	if len(first) == 1 && first[0].Lag < lag {
		// A round trip 10 ms longer than the seat's lag+1 polls.
		slower := (time.Duration(first[0].Lag+1)*time.Second/60 + 10*time.Millisecond) / 2
		links[0].SetDelay(slower, 0)
	} else {
		t.Errorf("seat events %v, want core-p1's below lag %d", first, lag)
	}
	got := seats(2, 40*time.Second)
	close(stop)
	if !<-played || t.Failed() {
		return
	}
	if len(got) != 2 || got[1].Who != "core-p1" || got[1].Lag <= got[0].Lag {
		t.Fatalf("seat events %v, want core-p1's, then core-p1's at a higher lag", got)
	}
	var told bool
	for _, e := range ts.eventsOf("host", session.EventNotice) {
		told = told || strings.Contains(e.Text, "its presses come back from the host too late")
	}
	if !told {
		t.Error("nobody was told why the seat's lag rose")
	}
	requireSameGame(t, cores[0], cores[1])
	t.Logf("%v; %v", got[0], got[1])
}

// A direct core that claims to hold more of its inputs than it does gets
// a golf seat lag too low for its round trip to the host, and the game
// slows while it sits there, as every game did for a direct golfer before
// the seat had a lag of its own. The pace rule gives the seat one poll
// more for each slow window until the game holds full speed, never more
// than the session lag; the honest core and the netpak player play every
// poll with it, and both cores consume the same game.
func TestMisreportingGolferIsRaised(t *testing.T) {
	const lag, polls, press = 6, 900, 150
	ts := startHost(t, host.Config{Lag: lag, Golf: true, AutoStart: 3}, nil)
	p3 := ts.join("p3", client.Config{Ports: 1 << 2})
	cores, _ := labCores(t, ts, latency.Shape{Delay: 10 * time.Millisecond}, 2, func(i int, cfg *hosttest.FakeCoreConfig) {
		if i == 0 {
			cfg.ClaimHeld = 255
		}
	})
	played := make(chan bool)
	go func() { played <- pollPaced(t, cores, polls, nil, golfAt(map[int]int{0: press})) }()
	playAll(t, []*client.Client{p3}, sim.Config{Polls: polls, Rate: 60}, time.Minute)
	if !<-played {
		return
	}
	seats := ts.eventsOf("host", session.EventGolfSeat)
	if len(seats) < 2 || seats[0].Lag != 0 {
		t.Fatalf("seat events %v, want core-p1's at lag 0 (it claims its inputs early), then higher", seats)
	}
	for i, e := range seats[1:] {
		if e.Who != "core-p1" || e.Lag != seats[i].Lag+1 || e.Lag > lag {
			t.Errorf("seat event %v after %v: want core-p1's one poll higher, at most %d", e, seats[i], lag)
		}
	}
	requireNotDropped(t, ts, "p3", "core-p1", "core-p2")
	requireSameGame(t, cores[0], cores[1])
	t.Logf("%v", seats)
}
