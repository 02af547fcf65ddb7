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
		cfg := client.Config{Dial: countDatagrams(tn.dialer(), &got[i])}
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
// connections in n.
func countDatagrams(dial dialFunc, n *atomic.Int64) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil || network != "udp" {
			return c, err
		}
		return &countingConn{Conn: c, n: n}, nil
	}
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err == nil {
		c.n.Add(1)
	}
	return n, err
}
