package vpn

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/vpn/natsim"
)

// TestRelayUpgradesToDirect starts relayed and ends direct: the host sits
// behind a symmetric NAT and its invite names a forwarded port that the
// router does not forward yet, so the player (port-restricted) is
// relayed. When the forward appears, the tunnel's retry finds the direct
// path within one upgrade period and moves there, while a stream of UDP
// round trips through the tunnel loses nothing.
func TestRelayUpgradesToDirect(t *testing.T) {
	lab := newNATLab(t, true)
	router := lab.inet.NAT(natsim.AddressPortDependentMapping, natsim.AddressPortDependentFiltering)
	c, err := router.Inside().Machine().Listen(DefaultPort)
	if err != nil {
		t.Fatal(err)
	}
	forwarded := netip.AddrPortFrom(router.Public(), DefaultPort)
	h, err := NewHost(HostConfig{Conn: c, NoPortMapping: true, Endpoints: []netip.AddrPort{forwarded},
		Rendezvous: []string{lab.rdv.Addr().String()}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.WaitDiscovery(testContext(t))
	serveEcho(t, h)

	const every = 100 * time.Millisecond
	tun, err := lab.join(t, portRestricted, h.Invite(), JoinConfig{UpgradeEvery: every})
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	if tun.Path().Kind != PathRelayed {
		t.Fatalf("path %v before the forward, want relayed", tun.Path())
	}
	relay := tun.Path().Addr
	stream := startEchoStream(t, tun)
	stream.waitFor(t, 20)

	start := time.Now()
	router.Forward(DefaultPort, netip.MustParseAddrPort(c.LocalAddr().String()))
	hosttest.WaitFor(t, "the tunnel to move to the direct path", func() bool { return tun.Path().Kind == PathDirect })
	took := time.Since(start)
	t.Logf("moved from relay %v to %v after %v", relay, tun.Path(), took)
	if limit := every + upgradeWindow; took > limit {
		t.Errorf("move took %v, more than one retry period and probe window (%v)", took, limit)
	}
	if got := tun.Path().Addr; got != forwarded {
		t.Fatalf("direct path goes to %v, want the forwarded port %v", got, forwarded)
	}
	hosttest.WaitFor(t, "the host to see its peer directly", func() bool {
		peers, err := h.Peers()
		if stream.broken() {
			t.Fatalf("traffic: %v", stream.stop())
		}
		return err == nil && len(peers) == 1 && peers[0].Path.Kind == PathDirect && peers[0].Endpoint != relay
	})
	stream.waitFor(t, stream.done.Load()+20)
	if err := stream.stop(); err != nil {
		t.Fatalf("traffic across the move: %v", err)
	}
	t.Logf("%d round trips, none lost", stream.done.Load())
}

// echoStream sends UDP datagrams to the host's echo through a tunnel one
// after the other, at most one every 4 ms (a game's pace: unpaced, the
// in-memory network would exceed the relay's packet rate), and each must
// come back within a second.
type echoStream struct {
	done   atomic.Int64 // round trips completed
	ended  atomic.Bool  // the stream gave up
	cancel context.CancelFunc
	wg     sync.WaitGroup
	err    error // set by the stream before wg is done
}

func startEchoStream(t *testing.T, tun *Tunnel) *echoStream {
	t.Helper()
	conn, err := tun.DialContext(testContext(t), "udp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatalf("dial udp: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &echoStream{cancel: cancel}
	s.wg.Go(func() {
		defer s.ended.Store(true)
		defer conn.Close()
		buf := make([]byte, 256)
		pace := time.NewTicker(4 * time.Millisecond)
		defer pace.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			msg := fmt.Sprintf("seq %d", i)
			conn.SetDeadline(time.Now().Add(time.Second))
			if _, err := conn.Write([]byte(msg)); err != nil {
				s.err = fmt.Errorf("round trip %d: write: %w", i, err)
				return
			}
			n, err := conn.Read(buf)
			if err != nil {
				s.err = fmt.Errorf("round trip %d lost: %w", i, err)
				return
			}
			if !strings.HasSuffix(string(buf[:n]), "|"+msg) {
				s.err = fmt.Errorf("round trip %d: got %q", i, buf[:n])
				return
			}
			s.done.Add(1)
			select {
			case <-pace.C:
			case <-ctx.Done():
			}
		}
	})
	t.Cleanup(func() { s.stop() })
	return s
}

// waitFor waits until n round trips have completed, failing if the
// stream broke.
func (s *echoStream) waitFor(t *testing.T, n int64) {
	t.Helper()
	hosttest.WaitFor(t, fmt.Sprintf("%d round trips", n), func() bool { return s.done.Load() >= n || s.broken() })
	if s.broken() {
		t.Fatalf("traffic: %v", s.stop())
	}
}

func (s *echoStream) broken() bool { return s.ended.Load() }

// stop ends the stream and returns why it broke, if it did.
func (s *echoStream) stop() error {
	s.cancel()
	s.wg.Wait()
	return s.err
}
