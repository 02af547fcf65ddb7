package host_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/lossy"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// listenPair opens TCP and UDP on the same loopback port.
func listenPair(t testing.TB) (net.Listener, net.PacketConn, string) {
	t.Helper()
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, pc, ln.Addr().String()
}

// testSession is a host on loopback plus its clients.
type testSession struct {
	t    testing.TB
	h    *host.Host
	addr string

	mu     sync.Mutex
	events map[string][]session.Event
}

func startHost(t testing.TB, cfg host.Config, wrap func(net.PacketConn) net.PacketConn) *testSession {
	t.Helper()
	ln, pc, addr := listenPair(t)
	if wrap != nil {
		pc = wrap(pc)
	}
	ts := &testSession{t: t, addr: addr, events: map[string][]session.Event{}}
	cfg.Logf = t.Logf
	cfg.OnEvent = func(e session.Event) { ts.record("host", e) }
	ts.h = host.New(cfg)
	served := make(chan error, 1)
	go func() { served <- ts.h.Serve(ln, pc) }()
	t.Cleanup(func() {
		ts.h.Close()
		if err := <-served; err != session.ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return ts
}

func (ts *testSession) record(who string, e session.Event) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.events[who] = append(ts.events[who], e)
}

func (ts *testSession) eventsOf(who string, kind session.EventKind) []session.Event {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []session.Event
	for _, e := range ts.events[who] {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (ts *testSession) join(name string, cfg client.Config) *client.Client {
	ts.t.Helper()
	cfg.Name = name
	cfg.OnEvent = func(e session.Event) { ts.record(name, e) }
	c, err := client.Dial(context.Background(), ts.addr, cfg)
	if err != nil {
		ts.t.Fatalf("%s joins: %v", name, err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// joinPlayers joins the host's own player and n-1 others, plus spectators.
func (ts *testSession) joinPlayers(n, spectators int) []*client.Client {
	var cs []*client.Client
	for i := range n {
		cfg := client.Config{}
		if i == 0 {
			cfg.OwnerKey = ts.h.OwnerKey()
		}
		cs = append(cs, ts.join("p"+strconv.Itoa(i+1), cfg))
	}
	for i := range spectators {
		cs = append(cs, ts.join("spec"+strconv.Itoa(i+1), client.Config{Spectator: true}))
	}
	return cs
}

// waitMembers waits until the host has n members.
func (ts *testSession) waitMembers(n int) {
	ts.t.Helper()
	if !hosttest.Eventually(func() bool { return len(ts.h.Members()) == n }) {
		ts.t.Fatalf("host has %d members, want %d", len(ts.h.Members()), n)
	}
}

// start starts the game once every player has announced its manifest (a
// direct core announces its saves after it registered) and returns the
// start's verdict.
func (ts *testSession) start() error {
	var err error
	hosttest.Eventually(func() bool {
		err = ts.h.Start()
		return !errors.Is(err, session.ErrNotAnnounced)
	})
	return err
}

// playAll runs the simulated game on every client and returns the results.
func playAll(t testing.TB, cs []*client.Client, cfg sim.Config, timeout time.Duration) []sim.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := make([]sim.Result, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { res[i], errs[i] = sim.Run(ctx, c, cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	return res
}

func requireSameState(t testing.TB, res []sim.Result, polls uint32) {
	t.Helper()
	for i, r := range res {
		if r.State.Polls != polls {
			t.Errorf("client %d played %d polls, want %d", i, r.State.Polls, polls)
		}
		if r.State.Hash != res[0].State.Hash {
			t.Errorf("client %d ends in state %v, client 0 in %v", i, r.State, res[0].State)
		}
	}
}

func TestFourPlayersAndSpectator(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(net.PacketConn) net.PacketConn
	}{
		{"clean", nil},
		{"lossy20", func(pc net.PacketConn) net.PacketConn {
			return lossy.Wrap(pc, lossy.Config{Drop: 0.2, Dup: 0.2, Reorder: 0.2, Seed: 1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startHost(t, host.Config{Lag: 5}, tc.wrap)
			cs := ts.joinPlayers(4, 1)
			ts.waitMembers(5)
			if err := cs[0].Start(); err != nil {
				t.Fatal(err)
			}
			const polls = 3000
			t0 := time.Now()
			res := playAll(t, cs, sim.Config{Polls: polls, Script: sim.Script{Seed: 7}}, 2*time.Minute)
			t.Logf("%d polls in %v; state %v; stalls %d", polls, time.Since(t0), res[0].State, res[1].Stalls)
			requireSameState(t, res, polls)
			for i, c := range cs[:4] {
				if got, want := c.Ports(), session.PortMask(1<<i); got != want {
					t.Errorf("player %d owns ports %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func ExampleEvent_String() {
	fmt.Println(session.Event{Kind: session.EventLag, Who: "Bob", Lag: 3}.String())
	// Output: Bob set the lag to 3
}
