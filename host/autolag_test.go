package host_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// autoLagPair is two players, ann and ben, each behind their own link of
// the latency lab, in a session with autolag on from lag 5. It runs on the
// fake clock of the calling synctest bubble over the in-memory network:
// a minute of play takes a second.
type autoLagPair struct {
	ns    *netSession
	links []*latency.Link
	cs    []*client.Client
}

// newAutoLagPair joins ann and ben, leg each way on each link (seeds
// seed+1 and seed+2), and starts the game, autolag on from lag 5.
func newAutoLagPair(t *testing.T, leg latency.Shape, seed uint64) *autoLagPair {
	return newLabPair(t, host.Config{Lag: 5, AutoLag: true}, leg, seed)
}

// newLabPair is newAutoLagPair in a session of cfg.
func newLabPair(t *testing.T, cfg host.Config, leg latency.Shape, seed uint64) *autoLagPair {
	tn := newTestNet(t, true)
	p := &autoLagPair{ns: startNetSession(t, tn, cfg)}
	for i, name := range []string{"ann", "ben"} {
		l := latency.New(latency.Config{Out: leg, In: leg, Seed: seed + uint64(i+1)})
		p.links = append(p.links, l)
		p.cs = append(p.cs, p.ns.join(name, client.Config{Dial: l.Dial(latency.DialFunc(tn.dialer()))}))
	}
	p.ns.waitMemberCount(2)
	if err := p.ns.h.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// play runs both players for polls at 60 polls/s, onPoll (if not nil)
// taking each poll's emulation, while during (if not nil) runs. It checks
// that both games end identical and that every change of lag landed on the
// same poll for both, and returns the changes.
func (p *autoLagPair) play(t *testing.T, polls uint32, onPoll func(uint32, [session.NumPorts]session.Input), during func()) []session.Event {
	t.Helper()
	res := make([]sim.Result, len(p.cs))
	var wg sync.WaitGroup
	for i, c := range p.cs {
		wg.Go(func() {
			res[i], _ = sim.Run(context.Background(), c, sim.Config{Polls: polls, Rate: 60, Script: sim.Script{Seed: uint64(i)}, OnPoll: onPoll})
		})
	}
	if during != nil {
		during()
	}
	wg.Wait()
	requireSameState(t, res, polls)
	a, b := p.ns.eventsOf("ann", session.EventLag), p.ns.eventsOf("ben", session.EventLag)
	for _, e := range a {
		t.Log(e)
	}
	if len(a) != len(b) {
		t.Fatalf("ann saw %d lag changes, ben %d: %v", len(a), len(b), a)
	}
	for i := range a {
		if a[i].Lag != b[i].Lag || a[i].Poll != b[i].Poll {
			t.Errorf("change %d: ann %v, ben %v", i, a[i], b[i])
		}
	}
	return a
}

// Autolag follows the network: two players 10 ms apart play at the
// smallest lag that holds full speed; when the lab's delay rises to 80 ms
// the lag rises, and when it falls the lag falls again, each change on the
// same poll for both players, whose games stay identical.
func TestAutoLagFollowsTheNetwork(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		p := newAutoLagPair(t, latency.Shape{Delay: 5 * time.Millisecond}, 0)
		lagAt := func(at time.Duration) uint8 {
			time.Sleep(at)
			return p.cs[0].Status().Lag
		}
		changes := p.play(t, 60*60, nil, func() {
			// 5 ms each way: players 10 ms apart: lag 0.
			if got := lagAt(15 * time.Second); got != 0 {
				t.Errorf("players 10 ms apart play at lag %d, want 0", got)
			}
			for _, l := range p.links {
				l.SetDelay(40*time.Millisecond, 0) // 80 ms apart: lag 4
			}
			if got := lagAt(20 * time.Second); got != 4 {
				t.Errorf("players 80 ms apart play at lag %d, want 4", got)
			}
			for _, l := range p.links {
				l.SetDelay(5*time.Millisecond, 0)
			}
			if got := lagAt(20 * time.Second); got != 0 {
				t.Errorf("players 10 ms apart again play at lag %d, want 0", got)
			}
		})
		if len(changes) > 8 {
			t.Errorf("%d changes of lag, want a few: %v", len(changes), changes)
		}
	})
}

// An emulator spends part of each frame emulating before it can wait for
// inputs, which no round trip shows: two players 10 ms apart whose polls
// each take 10 ms of work fall short of full speed at lag 0, which their
// round trips call for. Autolag sees the game's pace, plays at lag 1, says
// why, and does not fall back to 0 in that game. The games stay identical.
func TestAutoLagFollowsThePace(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		p := newAutoLagPair(t, latency.Shape{Delay: 5 * time.Millisecond}, 0)
		emulate := func(uint32, [session.NumPorts]session.Input) { time.Sleep(10 * time.Millisecond) }
		changes := p.play(t, 60*60, emulate, nil)
		if len(changes) == 0 {
			t.Fatal("autolag never moved the lag from 5")
		}
		if len(changes) > 4 {
			t.Errorf("%d changes of lag, want a few: %v", len(changes), changes)
		}
		if last := changes[len(changes)-1].Lag; last != 1 {
			t.Errorf("the game ends at lag %d, want 1", last)
		}
		// The players are told why: no round trip called for lag 1, so the
		// change names nobody as the furthest from the others.
		if last := changes[len(changes)-1]; last.Who != "" {
			t.Errorf("the pace's lag 1 was announced as %q", last.String())
		}
		said := false
		for _, e := range p.ns.eventsOf("ann", session.EventNotice) {
			if strings.Contains(e.Text, "short of full speed; lag 1") {
				said = true
				t.Log(e.Text)
			}
		}
		if !said {
			t.Errorf("nobody was told the game fell short of full speed: %v", p.ns.eventsOf("ann", session.EventNotice))
		}
	})
}

// Players whose network sits on the edge between two lags (80 ms ± 5
// apart: the pair's estimate hovers around the 83.3 ms that lag 4 allows)
// may see autolag try the lower lag (or never move from 5), but a fall
// that did not last is not tried again, or, if it lasted a minute or
// more, not for two minutes and then never: over eight minutes the lag
// never goes back and forth.
func TestAutoLagDoesNotFlipAtTheEdge(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  host.Config
	}{
		{"pairs", host.Config{Lag: 5, AutoLag: true}},
		// In golf the way to the golfer and back doubles a path's noise,
		// and the edge is twice as near: falls wait for the steady window
		// there too (lockstep.LowerNeed).
		{"golf", host.Config{Lag: 5, AutoLag: true, Golf: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hosttest.Bubble(t, func(t *testing.T) {
				p := newLabPair(t, tc.cfg, latency.Shape{Delay: 40 * time.Millisecond, Jitter: 2500 * time.Microsecond}, 6)
				requireNoFlips(t, tc.cfg.Lag, p.play(t, 8*60*60, nil, nil))
			})
		})
	}
}

// requireNoFlips checks a game that started at lag from: once autolag came
// back to a lag it fell from, it falls again only if that fall lasted a
// minute or more, no sooner than two minutes later, and never after a
// second return. Polls count time at the edge's 60 polls/s; a tenth of
// slack covers a game a little slower, and a fall of 54–66 s may count
// either way.
func requireNoFlips(t *testing.T, from uint8, changes []session.Event) {
	t.Helper()
	const minute = 60 * 60
	var fell uint8
	var fellAt, returned, lasted uint32
	returns := 0
	prev := from
	for _, e := range changes {
		switch {
		case e.Lag < prev:
			since := e.Poll - returned
			switch {
			case returns >= 2:
				t.Errorf("autolag fell again after coming back twice: %v", changes)
			case returns == 1 && (since < 2*minute*9/10 || lasted < minute*9/10):
				t.Errorf("autolag fell %d polls after coming back from a fall of %d polls: %v", since, lasted, changes)
			}
			fell, fellAt = prev, e.Poll
		case fell != 0 && e.Lag >= fell:
			returns, returned, lasted, fell = returns+1, e.Poll, e.Poll-fellAt, 0
		}
		prev = e.Lag
	}
}

// With autolag off, a lag too low for the network makes the game crawl:
// two players 40 ms apart at lag 0 play about 25 polls/s. The host tells
// everyone once, with the lag that would hold, and changes nothing
// itself; at the lag it named the game holds full speed and nobody is
// told again.
func TestSlowLagIsTold(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		p := newLabPair(t, host.Config{Lag: 0}, latency.Shape{Delay: 20 * time.Millisecond}, 0)
		slowNotices := func() []string {
			var told []string
			for _, e := range p.ns.eventsOf("ann", session.EventNotice) {
				if strings.Contains(e.Text, "short of full speed") {
					told = append(told, e.Text)
				}
			}
			return told
		}
		changes := p.play(t, 60*20, nil, func() {
			time.Sleep(15 * time.Second)
			if len(slowNotices()) == 0 {
				t.Error("nobody was told after 15 s at lag 0")
			}
			if err := p.cs[0].SetLag(2); err != nil {
				t.Error(err)
			}
		})
		if len(changes) != 1 || changes[0].Lag != 2 {
			t.Errorf("lag changes %v, want only ann's to 2", changes)
		}
		told := slowNotices()
		if len(told) != 1 || !strings.Contains(told[0], "the network calls for lag 2 (/lag 2") {
			t.Errorf("ann was told %q, want once that the network calls for lag 2", told)
		}
		t.Log(told)
	})
}

// In golf the golfer plays at lag 0, and its inputs reach the others late
// by as much as the network is slow: the others' inputs must make the way
// back as well, so autolag gives them the lag that covers both ways
// (lockstep.GolfLag), and the game holds full speed. Ann, 80 ms from ben,
// takes the seat at the start and keeps it; the round trips alone call
// for lag 4, where the game would crawl.
func TestAutoLagHoldsAGolfGame(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		p := newLabPair(t, host.Config{Lag: 5, AutoLag: true, Golf: true}, latency.Shape{Delay: 40 * time.Millisecond}, 0)
		const polls, tail = 60 * 60, 60 * 10
		res := make([]sim.Result, len(p.cs))
		var tailFrom time.Time
		var wg sync.WaitGroup
		for i, c := range p.cs {
			cfg := sim.Config{Polls: polls, Rate: 60, Script: sim.Script{Seed: uint64(i), GolfEvery: 1 << 20}}
			if i == 0 {
				cfg.OnPoll = func(n uint32, _ [session.NumPorts]session.Input) {
					if n == polls-tail {
						tailFrom = time.Now()
					}
				}
			}
			wg.Go(func() { res[i], _ = sim.Run(context.Background(), c, cfg) })
		}
		wg.Wait()
		pace := tail / time.Since(tailFrom).Seconds()
		requireSameState(t, res, polls)
		if seats := p.ns.eventsOf("ben", session.EventGolfSeat); len(seats) != 1 || seats[0].Who != "ann" {
			t.Fatalf("golf seats %v, want ann's", seats)
		}
		changes := p.ns.eventsOf("ben", session.EventLag)
		if len(changes) == 0 || changes[len(changes)-1].Lag != 8 {
			t.Errorf("lag changes %v, want to end at lag 8", changes)
		}
		if pace < 59 {
			t.Errorf("the last %d polls played at %.1f polls/s, want full speed", tail, pace)
		}
		t.Logf("changes %v; the last %d polls at %.1f polls/s", changes, tail, pace)
	})
}

// Turning autolag on when it is on, or off when it is off, changes
// nothing and tells only the asker so; a real change is announced to all.
func TestAutoLagToggleAnnouncesOnlyAChange(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, AutoLag: true}, nil)
	cs := ts.joinPlayers(2, 0)
	noticed := func(who, text string) bool {
		for _, e := range ts.eventsOf(who, session.EventNotice) {
			if strings.Contains(e.Text, text) {
				return true
			}
		}
		return false
	}
	if err := cs[1].SetAutoLag(true); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "p2 told", func() bool { return noticed("p2", "autolag is on already") })
	if err := cs[1].SetAutoLag(false); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "p1 told", func() bool { return noticed("p1", "p2 turned autolag off") })
	for _, who := range []string{"host", "p1", "p2"} {
		if noticed(who, "turned autolag on") {
			t.Errorf("%s was told autolag was turned on, which it was already", who)
		}
	}
	if noticed("p1", "already") {
		t.Error("p1 was told of p2's toggle that changed nothing")
	}
}
