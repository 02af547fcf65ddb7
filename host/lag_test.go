package host_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// recorder keeps the inputs one client consumed, poll by poll.
type recorder struct {
	inputs [][session.NumPorts]session.Input
}

func (r *recorder) onPoll(p uint32, in [session.NumPorts]session.Input) {
	r.inputs = append(r.inputs, in)
}

// playRecorded runs the game on every client, recording client 0's inputs
// and calling during(poll) from client 1's game after each of its polls.
func playRecorded(t *testing.T, cs []*client.Client, cfg sim.Config, during func(uint32)) ([]sim.Result, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfgs := make([]sim.Config, len(cs))
	for i := range cs {
		cfgs[i] = cfg
	}
	cfgs[0].OnPoll = rec.onPoll
	if during != nil {
		cfgs[1].OnPoll = func(p uint32, _ [session.NumPorts]session.Input) { during(p) }
	}
	res := make([]sim.Result, len(cs))
	done := make(chan error, len(cs))
	for i, c := range cs {
		go func() {
			r, err := sim.Run(t.Context(), c, cfgs[i])
			res[i] = r
			done <- err
		}()
	}
	for range cs {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("game did not finish")
		}
	}
	return res, rec
}

// requireSameEvents checks that every client saw the same events of kind.
func requireSameEvents(t *testing.T, ts *testSession, names []string, kind session.EventKind) []session.Event {
	t.Helper()
	want := ts.eventsOf("host", kind)
	for _, n := range names {
		got := ts.eventsOf(n, kind)
		if len(got) != len(want) {
			t.Fatalf("%s saw %d events of kind %d, the host %d", n, len(got), kind, len(want))
		}
		for i := range got {
			if got[i].Poll != want[i].Poll || got[i].Who != want[i].Who || got[i].Lag != want[i].Lag {
				t.Errorf("%s event %d: %v; host: %v", n, i, got[i], want[i])
			}
		}
	}
	return want
}

// waitEvents waits until every client saw n events of kind.
func waitEvents(t testing.TB, ts *testSession, names []string, kind session.EventKind, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, name := range names {
		for len(ts.eventsOf(name, kind)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s saw %d events of kind %d, want %d", name, len(ts.eventsOf(name, kind)), kind, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// checkLag checks that port k's input at poll q is the press made at q-lag.
func checkLag(t *testing.T, rec *recorder, sc sim.Script, k int, from, to uint32, lag uint32) {
	t.Helper()
	for q := from; q < to; q++ {
		if got, want := rec.inputs[q][k], sc.Press(k, q-lag); got != want {
			t.Fatalf("port %d poll %d: input %+v, want the press of poll %d (%+v): lag is not %d", k+1, q, got, q-lag, want, lag)
		}
	}
}

func TestLagChangeLandsOnSamePoll(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 5}, nil)
	cs := ts.joinPlayers(3, 1)
	names := []string{"p1", "p2", "p3", "spec1"}
	ts.waitMembers(4)
	cs[0].Start()
	var asked atomic.Bool
	sc := sim.Script{Seed: 3}
	res, rec := playRecorded(t, cs, sim.Config{Polls: 4000, Script: sc}, func(p uint32) {
		if p == 1500 && !asked.Swap(true) {
			cs[1].SetLag(2)
		}
	})
	requireSameState(t, res, 4000)
	waitEvents(t, ts, names, session.EventLag, 1)
	ev := requireSameEvents(t, ts, names, session.EventLag)
	if len(ev) != 1 || ev[0].Lag != 2 || ev[0].Who != "p2" {
		t.Fatalf("lag events %v, want one: p2 set the lag to 2", ev)
	}
	P := ev[0].Poll
	t.Logf("%v", ev[0])
	if P <= 1500 || P > 4000-100 {
		t.Fatalf("lag change at poll %d, want soon after 1500", P)
	}
	for k := range 3 {
		checkLag(t, rec, sc, k, 5, P+5, 5)    // old lag until the surplus is used up
		checkLag(t, rec, sc, k, P+5, 4000, 2) // new lag after
	}
}

func TestRaiseLagRepeatsLastInput(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 1}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	cs[0].Start()
	var asked atomic.Bool
	sc := sim.Script{Seed: 9}
	res, rec := playRecorded(t, cs, sim.Config{Polls: 2000, Script: sc}, func(p uint32) {
		if p == 500 && !asked.Swap(true) {
			cs[1].SetLag(6)
		}
	})
	requireSameState(t, res, 2000)
	waitEvents(t, ts, []string{"p1", "p2"}, session.EventLag, 1)
	P := requireSameEvents(t, ts, []string{"p1", "p2"}, session.EventLag)[0].Poll
	for k := range 2 {
		checkLag(t, rec, sc, k, 1, P+1, 1)
		for q := P + 1; q < P+6; q++ { // the gap repeats the press of poll P-1
			if got, want := rec.inputs[q][k], sc.Press(k, P-1); got != want {
				t.Fatalf("port %d poll %d: %+v, want the repeated %+v", k+1, q, got, want)
			}
		}
		checkLag(t, rec, sc, k, P+6, 2000, 6)
	}
}

func TestGolfSeatMoves(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 4, Golf: true}, nil)
	cs := ts.joinPlayers(4, 0)
	names := []string{"p1", "p2", "p3", "p4"}
	ts.waitMembers(4)
	cs[0].Start()
	sc := sim.Script{Seed: 5, GolfEvery: 1000}
	res, rec := playRecorded(t, cs, sim.Config{Polls: 3000, Script: sc}, nil)
	requireSameState(t, res, 3000)
	waitEvents(t, ts, names, session.EventGolfSeat, 2)
	seats := requireSameEvents(t, ts, names, session.EventGolfSeat)
	if len(seats) < 2 {
		t.Fatalf("golf seat moved %d times, want at least 2", len(seats))
	}
	for _, e := range seats {
		t.Logf("%v", e)
	}
	// While p1 (port 1) holds the seat its lag is 0; everyone else keeps 4.
	first, second := seats[0], seats[1]
	if first.Who != "p1" {
		t.Fatalf("first seat went to %s, want p1 (port 1 presses Z at poll 0)", first.Who)
	}
	lo, hi := first.Poll+4, second.Poll
	checkLag(t, rec, sc, 0, lo, hi, 0)
	for k := 1; k < 4; k++ {
		checkLag(t, rec, sc, k, lo, hi, 4)
	}
}
