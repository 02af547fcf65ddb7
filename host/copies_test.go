package host_test

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/sim"
)

// A player's round trip is its own report, and a long one buys second
// copies of the host's relays (lockstep.CopyPays), for that player alone:
// one that claims 5 s gets a copy at about every poll (a copy carries all
// the relays made while it is due) and never more than one per relay,
// while two honest players on the same fast network get as many datagrams
// as in the same game without the claim, and all three end identical.
func TestClaimedRoundTripBuysCopiesOnlyForItself(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		fair := datagramsIn(t, 0)
		claimed := datagramsIn(t, 5*time.Second)
		t.Logf("datagrams received without the claim %v, with it %v", fair, claimed)
		if claimed[0] < fair[0]+claimPolls*9/10 || claimed[0] > 2*fair[0] {
			t.Errorf("the claimant got %d datagrams, %d without its claim: want about a copy per poll (%d), at most one per datagram", claimed[0], fair[0], claimPolls)
		}
		for i := 1; i < 3; i++ {
			if claimed[i] > fair[i]*11/10 {
				t.Errorf("honest player %d got %d datagrams beside the claimant, %d without its claim: want no copies", i+1, claimed[i], fair[i])
			}
		}
	})
}

// A bridged player's presses come from its core, and they go twice on a
// long path as a simulated player's do. Two cores behind netpak bridges,
// each client behind a lab link of 20 ms ± 2.5 each way (the players are
// 40 ms ± 5 apart), play 300 polls at 60 a second: at lag 2, their least,
// each client sends about a datagram more per poll than at lag 5, where
// an input has polls to spare and needs no copy (at lag 3 a busy machine's
// jitter can call for copies too); both games end with the cores in the
// same state.
func TestBridgedPlayersSendCopies(t *testing.T) {
	atLeast, spare := bridgedDatagramsOut(t, 2), bridgedDatagramsOut(t, 5)
	t.Logf("datagrams sent at lag 2 %v, at lag 5 %v, in %d polls", atLeast, spare, bridgedPolls)
	for i := range atLeast {
		if atLeast[i]-spare[i] < bridgedPolls*8/10 {
			t.Errorf("client %d sent %d datagrams at lag 2 and %d at lag 5: want about one copy per poll (%d) more at lag 2", i+1, atLeast[i], spare[i], bridgedPolls)
		}
	}
}

// bridgedPolls is how long bridgedDatagramsOut plays.
const bridgedPolls = 300

// bridgedDatagramsOut plays bridgedPolls polls at lag with two bridged
// cores, each client behind its own lab link, and returns how many
// datagrams each client sent the host.
func bridgedDatagramsOut(t *testing.T, lag uint8) [2]int64 {
	ts := startHost(t, host.Config{Lag: lag}, nil)
	leg := latency.Shape{Delay: 20 * time.Millisecond, Jitter: 2500 * time.Microsecond}
	var sent [2]atomic.Int64
	var cores []*hosttest.FakeCore
	for i := range 2 {
		link := latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)})
		cfg := client.Config{Dial: countDatagrams(link.Dial(nil), nil, &sent[i])}
		_, core := bridgedCore(t, ts, fmt.Sprint("p", i+1), 1<<i, cfg, hosttest.FakeCoreConfig{Players: []uint8{uint8(i)}})
		cores = append(cores, core)
	}
	done := make(chan error, 2)
	for _, c := range cores {
		go func() {
			_, _, _, err := c.Handshake(t.Context())
			done <- err
		}()
	}
	hosttest.WaitFor(t, "both ports taken", func() bool { return allPorts(ts.h.Members()) == 0b11 })
	time.Sleep(2 * time.Second) // the clients measure their round trips
	if err := ts.h.Start(); err != nil {
		t.Fatal(err)
	}
	waitHandshakes(t, 2, done)
	before := [2]int64{sent[0].Load(), sent[1].Load()}
	if !pollPaced(t, cores, bridgedPolls, nil, coreKeys) {
		t.FailNow()
	}
	requireSameGame(t, cores[0], cores[1])
	return [2]int64{sent[0].Load() - before[0], sent[1].Load() - before[1]}
}

// claimPolls is how long datagramsIn plays.
const claimPolls = 600

// datagramsIn plays claimPolls polls with three players at lag 3 on the
// in-memory network, the first claiming a round trip of claim (if not 0),
// and returns how many datagrams each player received.
func datagramsIn(t *testing.T, claim time.Duration) [3]int64 {
	tn := newTestNet(t, true)
	ns := startNetSession(t, tn, host.Config{Lag: 3})
	var got [3]atomic.Int64
	var cs []*client.Client
	for i := range 3 {
		cfg := client.Config{Dial: countDatagrams(tn.dialer(), &got[i], nil)}
		if i == 0 && claim != 0 {
			cfg = client.WithTestHooks(cfg, testhook.Hooks{ClaimRTT: claim})
		}
		cs = append(cs, ns.join(fmt.Sprint("p", i+1), cfg))
	}
	ns.waitMemberCount(3)
	time.Sleep(2 * time.Second) // the host hears the players' round trips
	if err := ns.h.Start(); err != nil {
		t.Fatal(err)
	}
	requireSameState(t, playAll(t, cs, sim.Config{Polls: claimPolls, Rate: 60}, time.Minute), claimPolls)
	return [3]int64{got[0].Load(), got[1].Load(), got[2].Load()}
}

// countDatagrams is dial, counting the datagrams read from its UDP
// connections in in and those written to them in out (either may be nil).
func countDatagrams(dial dialFunc, in, out *atomic.Int64) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil || network != "udp" {
			return c, err
		}
		return &countingConn{Conn: c, in: in, out: out}, nil
	}
}

type countingConn struct {
	net.Conn
	in, out *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err == nil && c.in != nil {
		c.in.Add(1)
	}
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err == nil && c.out != nil {
		c.out.Add(1)
	}
	return n, err
}
