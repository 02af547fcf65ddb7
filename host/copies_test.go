package host_test

import (
	"context"
	"fmt"
	"net"
	"sync"
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

// A direct core asks at every poll for every port, and the answer brings
// an input lost on its way a poll late: when a core holds no input to
// spare at its requests, the host sends it what it pushes twice. Two fake
// cores, each behind a lab link of 20 ms ± 2.5 each way (40 ms ± 5 apart),
// play 300 polls at 60 a second at lag 3, where each input reaches a core
// about 10 ms before its poll and the next one after it, once as they are
// and once while the host loses every fourth datagram it sends (losses
// that come alone); a poll is late when it ends more than a poll period
// after it began. The losses cost the two cores at most 8 late polls more
// in all (none here, with both CPUs busy too; without copies 16–25), and
// both games end with the cores in the same state.
func TestDirectCoresGetCopies(t *testing.T) {
	clean, lossy := directLatePolls(t, 0), directLatePolls(t, 4)
	t.Logf("late polls in %d: %v without losses, %v with every fourth datagram from the host lost", directPolls, clean, lossy)
	if more := lossy[0] + lossy[1] - clean[0] - clean[1]; more > 8 {
		t.Errorf("the cores were late at %d more polls with losses than without: copies must make up for them", more)
	}
}

// directPolls is how long directLatePolls plays.
const directPolls = 300

// directLatePolls plays directPolls polls at lag 3 with two direct cores,
// each behind its own lab link, the host losing every dropEvery-th
// datagram it sends (none if 0), and returns how many of each core's polls
// were late.
func directLatePolls(t *testing.T, dropEvery int) [2]int {
	var wrap func(net.PacketConn) net.PacketConn
	if dropEvery > 0 {
		wrap = func(pc net.PacketConn) net.PacketConn { return &dropNth{PacketConn: pc, n: dropEvery} }
	}
	ts := startHost(t, host.Config{Lag: 3, AutoStart: 2}, wrap)
	cores, _ := labCores(t, ts, latency.Shape{Delay: 20 * time.Millisecond, Jitter: 2500 * time.Microsecond}, 2, nil)
	var late [2]int
	done := make(chan error, 2)
	for i, c := range cores {
		go func() {
			const period = time.Second / 60
			next := time.Now()
			for n := range directPolls {
				time.Sleep(time.Until(next))
				began := time.Now()
				if _, err := c.Poll(t.Context(), map[int]uint32{i: coreKeys(i, n)}); err != nil {
					done <- fmt.Errorf("core %d at poll %d: %w", i+1, n, err)
					return
				}
				if time.Since(began) > period {
					late[i]++
				}
				next = next.Add(period)
				if behind := time.Since(next); behind > period {
					next = next.Add(behind - period) // a speed limiter catches up a frame at most
				}
			}
			done <- nil
		}()
	}
	for range cores {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	requireSameGame(t, cores[0], cores[1])
	return late
}

// dropNth is a packet connection that loses every n-th datagram it
// sends, unless it lost one to the same address within the last 10 ms:
// losses that come alone, which a copy 3 ms later makes good, so that
// what a test counts is whether copies go, and in time.
type dropNth struct {
	net.PacketConn
	n int

	mu   sync.Mutex
	sent int
	lost map[string]time.Time // when a datagram to each address was last lost
}

func (d *dropNth) WriteTo(b []byte, addr net.Addr) (int, error) {
	if d.lose(addr.String()) {
		return len(b), nil
	}
	return d.PacketConn.WriteTo(b, addr)
}

func (d *dropNth) lose(to string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sent++
	if d.sent%d.n != 0 || time.Since(d.lost[to]) < 10*time.Millisecond {
		return false
	}
	if d.lost == nil {
		d.lost = make(map[string]time.Time)
	}
	d.lost[to] = time.Now()
	return true
}
