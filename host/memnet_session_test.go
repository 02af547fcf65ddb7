package host_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// This file runs host tests over each transport a host serves: real
// loopback sockets, and hosttest's in-memory network in real time and in a
// testing/synctest bubble, where time is fake and a timeout of seconds
// takes microseconds. It uses only host's exported API.

// dialFunc is the signature of client.Config.Dial.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// transports are the networks the tests of this file run over.
var transports = []struct {
	name   string
	memory bool // hosttest.Network instead of 127.0.0.1 sockets
	bubble bool // in a synctest bubble (memory only)
}{
	{"socket", false, false},
	{"memory", true, false},
	{"synctest", true, true},
}

// runOverTransports runs f as a subtest per transport and logs the real
// time each took.
func runOverTransports(t *testing.T, f func(t *testing.T, tn *testNet)) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t0 := time.Now()
			if tr.bubble {
				hosttest.Bubble(t, func(t *testing.T) { f(t, newTestNet(t, true)) })
			} else {
				f(t, newTestNet(t, tr.memory))
			}
			t.Logf("real time %v", time.Since(t0))
		})
	}
}

// testNet is a host's sockets and a way for clients to reach them.
type testNet struct {
	ln      net.Listener
	pc      net.PacketConn
	addr    string
	network *hosttest.Network // nil over sockets
}

func newTestNet(t testing.TB, memory bool) *testNet {
	t.Helper()
	if !memory {
		ln, pc, err := listen.Pair("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return &testNet{ln: ln, pc: pc, addr: ln.Addr().String()}
	}
	n := hosttest.NewNetwork()
	t.Cleanup(func() { n.Close() })
	return &testNet{ln: n.Listener(), pc: n.PacketConn(), addr: n.Addr(), network: n}
}

// dialer returns a Dial for one client machine: nil (host's default
// dialer) over sockets, a machine of its own in memory.
func (tn *testNet) dialer() dialFunc {
	if tn.network == nil {
		return nil
	}
	return tn.network.NewDialer().DialContext
}

// dial opens a raw connection to the host.
func (tn *testNet) dial(t testing.TB, network string) net.Conn {
	t.Helper()
	d := tn.dialer()
	if d == nil {
		d = new(net.Dialer).DialContext
	}
	c, err := d(context.Background(), network, tn.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// netSession is a host serving a testNet, and the events everyone saw.
type netSession struct {
	t  testing.TB
	h  *host.Host
	tn *testNet

	mu      sync.Mutex
	events  map[string][]session.Event
	changed chan struct{} // closed and replaced at every event
}

func startNetSession(t testing.TB, tn *testNet, cfg host.Config) *netSession {
	t.Helper()
	ns := &netSession{t: t, tn: tn, events: map[string][]session.Event{}, changed: make(chan struct{})}
	cfg.Logf = t.Logf
	cfg.OnEvent = func(e session.Event) { ns.record("host", e) }
	ns.h = host.New(cfg)
	served := make(chan error, 1)
	go func() { served <- ns.h.Serve(tn.ln, tn.pc) }()
	t.Cleanup(func() {
		ns.h.Close()
		if err := <-served; err != session.ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return ns
}

func (ns *netSession) record(who string, e session.Event) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.events[who] = append(ns.events[who], e)
	close(ns.changed)
	ns.changed = make(chan struct{})
}

// waitEvent waits up to 10 s for the first event of kind seen by who.
func (ns *netSession) waitEvent(who string, kind session.EventKind) session.Event {
	ns.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		ns.mu.Lock()
		for _, e := range ns.events[who] {
			if e.Kind == kind {
				ns.mu.Unlock()
				return e
			}
		}
		changed := ns.changed
		ns.mu.Unlock()
		select {
		case <-changed:
		case <-timeout:
			ns.t.Fatalf("%s saw no event of kind %d in 10s", who, kind)
		}
	}
}

// join joins a client called name from a machine of its own.
func (ns *netSession) join(name string, cfg client.Config) *client.Client {
	ns.t.Helper()
	cfg.Name = name
	cfg.OnEvent = func(e session.Event) { ns.record(name, e) }
	if cfg.Dial == nil {
		cfg.Dial = ns.tn.dialer()
	}
	c, err := client.Dial(context.Background(), ns.tn.addr, cfg)
	if err != nil {
		ns.t.Fatalf("%s joins: %v", name, err)
	}
	ns.t.Cleanup(func() { c.Close() })
	return c
}

// waitMemberCount waits up to 5 s for the host to have n members: a
// bounded retry, as the member list has no channel to wait on.
func (ns *netSession) waitMemberCount(n int) {
	ns.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(ns.h.Members()) != n; {
		if time.Now().After(deadline) {
			ns.t.Fatalf("host has %d members, want %d", len(ns.h.Members()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Four players and a spectator play a simulated game to the same state
// over every transport.
func TestFourPlayersAndSpectatorOverTransports(t *testing.T) {
	runOverTransports(t, func(t *testing.T, tn *testNet) {
		ns := startNetSession(t, tn, host.Config{Lag: 5})
		var cs []*client.Client
		for i := range 4 {
			cfg := client.Config{}
			if i == 0 {
				cfg.OwnerKey = ns.h.OwnerKey()
			}
			cs = append(cs, ns.join("p"+strconv.Itoa(i+1), cfg))
		}
		cs = append(cs, ns.join("spec1", client.Config{Spectator: true}))
		ns.waitMemberCount(5)
		if err := cs[0].Start(); err != nil {
			t.Fatal(err)
		}
		const polls = 2000
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		res := make([]sim.Result, len(cs))
		errs := make([]error, len(cs))
		var wg sync.WaitGroup
		t0 := time.Now()
		for i, c := range cs {
			wg.Go(func() { res[i], errs[i] = sim.Run(ctx, c, sim.Config{Polls: polls, Script: sim.Script{Seed: 7}}) })
		}
		wg.Wait()
		t.Logf("%d polls in %v (the bubble's clock, if in one); state %v", polls, time.Since(t0), res[0].State)
		for i, r := range res {
			if errs[i] != nil {
				t.Fatalf("client %d: %v", i, errs[i])
			}
			if r.State.Polls != polls || r.State.Hash != res[0].State.Hash {
				t.Errorf("client %d ends in state %v after %d polls, client 0 in %v after %d; want %d polls", i, r.State, r.State.Polls, res[0].State, res[0].State.Polls, polls)
			}
			if !cs[i].Status().UDP {
				t.Errorf("client %d: UDP does not work", i)
			}
		}
	})
}

// eventsOf returns the events of kind who saw.
func (ns *netSession) eventsOf(who string, kind session.EventKind) []session.Event {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var out []session.Event
	for _, e := range ns.events[who] {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
