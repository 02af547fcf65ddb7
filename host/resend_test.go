package host_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/lossy"
	"github.com/netpak/netpak/host/sim"
)

// A lost input is resent before it is needed. Four players on a fast
// link at lag 1, with 10 % of the host's datagrams dropped, duplicated
// and reordered: the next poll's datagram would bring a lost input too
// late, so an input the host has not acknowledged a round trip and 8 ms
// after it went is sent again, and the game plays on without stalls (it
// stalled some 20–30 times per player when inputs waited for the next
// poll).
func TestLostInputsAreResentInTime(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		tn.pc = lossy.Wrap(tn.pc, lossy.Config{Drop: 0.1, Dup: 0.1, Reorder: 0.1, Seed: 3})
		ns := startNetSession(t, tn, host.Config{Lag: 1})
		var cs []*client.Client
		for i := range 4 {
			cs = append(cs, ns.join(fmt.Sprint("p", i+1), client.Config{}))
		}
		ns.waitMemberCount(4)
		playStallingAtMost(t, ns, cs, 1200/200)
	})
}

// On a long path a lost input cannot be resent in time: no ack is overdue
// before the next poll's datagram carries it again, a poll late. At the
// least lag that holds full speed that is too late, so every datagram
// that carries new inputs goes twice, 3 ms apart, from the players and
// from the host. Four players 40 ms ± 5 apart (each behind a lab link of
// 20 ms ± 2.5 each way), at their least lag, 2, with 10 % of the host's
// datagrams dropped, duplicated and reordered: the players stall at 1–9
// polls of 1200, where they stalled at 21–43 when inputs went once.
func TestLostInputsOnALongPathHaveACopy(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		tn.pc = lossy.Wrap(tn.pc, lossy.Config{Drop: 0.1, Dup: 0.1, Reorder: 0.1, Seed: 3})
		ns := startNetSession(t, tn, host.Config{Lag: 2})
		leg := latency.Shape{Delay: 20 * time.Millisecond, Jitter: 2500 * time.Microsecond}
		var cs []*client.Client
		for i := range 4 {
			l := latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)})
			cs = append(cs, ns.join(fmt.Sprint("p", i+1), client.Config{Dial: l.Dial(latency.DialFunc(tn.dialer()))}))
		}
		ns.waitMemberCount(4)
		time.Sleep(2 * time.Second) // the players measure their round trips
		playStallingAtMost(t, ns, cs, 1200/80)
	})
}

// playStallingAtMost starts the game of cs and plays 1200 polls at 60 a
// second: every player must end in the same state, none stalling more
// than most times.
func playStallingAtMost(t *testing.T, ns *netSession, cs []*client.Client, most int) {
	t.Helper()
	if err := ns.h.Start(); err != nil {
		t.Fatal(err)
	}
	const polls = 1200
	res := playAll(t, cs, sim.Config{Polls: polls, Rate: 60}, 5*time.Minute)
	requireSameState(t, res, polls)
	stalls := make([]int, len(res))
	for i, r := range res {
		stalls[i] = r.Stalls
		if stalls[i] > most {
			t.Errorf("player %d stalled %d times (%v) in %d polls, want at most %d", i+1, r.Stalls, r.Waited, polls, most)
		}
	}
	t.Logf("stalls %v", stalls)
}
