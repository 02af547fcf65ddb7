package host_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// The tests of this file wait out the host's real timeouts and game time
// inside a testing/synctest bubble over hosttest's in-memory network: the
// bubble's clock jumps whenever every goroutine waits, so seconds take
// milliseconds, and the timings are exact.

// A member that says nothing after its hello is dropped exactly one drop
// timeout later; a connection that never says hello is hung up on; the
// session goes on.
func TestSilentMembersDropped(t *testing.T) {
	t0 := time.Now()
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{})
		quiet := tn.dial(t, "tcp")
		// Magic and a well-formed hello for "mute", then silence.
		if _, err := quiet.Write(host.RawHello("mute", false)); err != nil {
			t.Fatal(err)
		}
		said := time.Now()
		ns.waitMemberCount(1)
		e := ns.waitEvent("host", session.EventLeft)
		if d := time.Since(said); d != session.DefaultDropTimeout {
			t.Errorf("mute was dropped %v after its hello, want %v", d, session.DefaultDropTimeout)
		}
		if e.Who != "mute" || e.Reason != session.LeaveTimeout {
			t.Errorf("host event %v, want mute timed out", e)
		}

		mute := tn.dial(t, "tcp")
		dialed := time.Now()
		mute.SetReadDeadline(dialed.Add(time.Minute))
		if _, err := mute.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("read from a connection that never said hello: %v, want the host to hang up", err)
		}
		t.Logf("the host hung up on a connection without hello after %v", time.Since(dialed))
		if n := len(ns.h.Members()); n != 0 {
			t.Errorf("%d members left behind", n)
		}
	})
	t.Logf("real time %v", time.Since(t0))
}

// cuttable is a connection whose cable can be cut: from then on what is
// written is lost and what arrives is never read, and the peer never hears
// of a Close.
type cuttable struct {
	net.Conn
	cut *atomic.Bool
}

func (c cuttable) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		if err != nil || !c.cut.Load() {
			return n, err
		}
	}
}

func (c cuttable) Write(b []byte) (int, error) {
	if c.cut.Load() {
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func (c cuttable) Close() error {
	if c.cut.Load() {
		// The hang-up is lost with the cable; only this end's calls end.
		// The network closes the connection when the test ends.
		c.Conn.SetDeadline(time.Unix(1, 0))
		return nil
	}
	return c.Conn.Close()
}

// A host that stops answering without closing (a cut cable) is reported by
// its client within the drop timeout.
func TestSilentHostReported(t *testing.T) {
	t0 := time.Now()
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{})
		var cut atomic.Bool
		dial := tn.dialer()
		c := ns.join("p1", client.Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return cuttable{conn, &cut}, nil
		}})
		// Play along for a while, so that pings and rosters flow.
		time.Sleep(5 * time.Second)
		if err := c.Err(); err != nil {
			t.Fatalf("before the cut: %v", err)
		}
		cut.Store(true)
		cutAt := time.Now()
		select {
		case <-c.Done():
		case <-time.After(time.Minute):
			t.Fatal("the client never noticed the silent host")
		}
		d := time.Since(cutAt)
		if !errors.Is(c.Err(), session.ErrHostGone) {
			t.Errorf("the client stopped with %v, want ErrHostGone", c.Err())
		}
		// The client's read deadline runs from the host's last frame, sent
		// at most a ping interval before the cut.
		if d > session.DefaultDropTimeout || d < session.DefaultDropTimeout-time.Second {
			t.Errorf("the client reported the host gone %v after the cut, want within (%v, %v]", d, session.DefaultDropTimeout-time.Second, session.DefaultDropTimeout)
		}
		t.Logf("the client reported the host gone %v after the cut: %v", d, c.Err())
		ns.waitEvent("p1", session.EventHostGone)
		// The host, which hears nothing either, drops the client.
		if e := ns.waitEvent("host", session.EventLeft); e.Who != "p1" || e.Reason != session.LeaveTimeout {
			t.Errorf("host event %v, want p1 timed out", e)
		}
		if d := time.Since(cutAt); d > session.DefaultDropTimeout {
			t.Errorf("the host dropped p1 %v after the cut, want within %v", d, session.DefaultDropTimeout)
		}
	})
	t.Logf("real time %v", time.Since(t0))
}

// A spectator that stops reading (and keeps pinging, so it is not silent)
// fills its in-memory stream and its queue at the host; the players are
// not held up and play on to the same state.
func TestFrozenSpectator(t *testing.T) {
	t0 := time.Now()
	hosttest.Bubble(t, func(t *testing.T) {
		tn := newTestNet(t, true)
		ns := startNetSession(t, tn, host.Config{Lag: 3})
		cs := []*client.Client{
			ns.join("p1", client.Config{OwnerKey: ns.h.OwnerKey()}),
			ns.join("p2", client.Config{}),
		}
		frozen := tn.dial(t, "tcp")
		// Magic and a hello for spectator "frozen".
		if _, err := frozen.Write(host.RawHello("frozen", true)); err != nil {
			t.Fatal(err)
		}
		ns.waitMemberCount(3)
		stop := make(chan struct{})
		pinged := make(chan struct{})
		go func() {
			defer close(pinged)
			ping := []byte{14, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
					if _, err := frozen.Write(ping); err != nil {
						return
					}
				}
			}
		}()
		defer func() { close(stop); <-pinged }()
		if err := cs[0].Start(); err != nil {
			t.Fatal(err)
		}
		const polls = 3000
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res := make([]sim.Result, len(cs))
		errs := make([]error, len(cs))
		var wg sync.WaitGroup
		started := time.Now()
		for i, c := range cs {
			wg.Go(func() {
				res[i], errs[i] = sim.Run(ctx, c, sim.Config{Polls: polls, Rate: 60, Script: sim.Script{Seed: 3}})
			})
		}
		wg.Wait()
		t.Logf("%d polls at 60 per second took %v on the bubble's clock", polls, time.Since(started))
		for i, r := range res {
			if errs[i] != nil {
				t.Fatalf("player %d: %v", i+1, errs[i])
			}
			if r.State != res[0].State || r.State.Polls != polls {
				t.Errorf("player %d ends in %v after %d polls, player 1 in %v; want %d polls", i+1, r.State, r.State.Polls, res[0].State, polls)
			}
		}
		dropped := false
		ns.mu.Lock()
		for _, e := range ns.events["host"] {
			if e.Kind != session.EventLeft {
				continue
			}
			if e.Who != "frozen" || e.Reason != session.LeaveBehind {
				t.Errorf("host: %v; want only frozen to fall behind", e)
			}
			dropped = true
		}
		ns.mu.Unlock()
		if !dropped {
			t.Error("the host kept a spectator that read nothing for the whole game")
		}
	})
	t.Logf("real time %v", time.Since(t0))
}

// The shortest drop timeout a session may set, half a second, drops
// nobody who is there: clients ping three times in it, in the lobby and
// in a game whose inputs go over UDP.
func TestShortestDropTimeoutKeepsMembers(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, DropTimeout: 500 * time.Millisecond}, nil)
	cs := ts.joinPlayers(2, 0)
	time.Sleep(2 * time.Second)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	requireSameState(t, playAll(t, cs, sim.Config{Polls: 120, Rate: 60}, time.Minute), 120)
	if left := ts.eventsOf("host", session.EventLeft); len(left) > 0 {
		t.Errorf("members dropped with a drop timeout of 0.5 s: %v", left)
	}
}
