package host_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/host/wire"
)

// A member's token is its own to know, and a hello with it moves where
// the host sends that member's relays: from another address than the
// member's connection (a spoofed source, here 127.0.0.2), it must move
// nothing, or any member could turn the host's relays on a stranger. A
// spectator on 127.0.0.1 sends its hello from 127.0.0.2, again and again,
// while two honest players play 300 polls: the stranger's address gets
// not one byte, and the players end identical.
func TestHelloFromAnotherAddressBindsNothing(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(host.RawHello("mallory", true))
	br := bufio.NewReader(c)
	typ, p, err := wire.ReadFrame(br, make([]byte, wire.MaxFramePayload))
	if err != nil || typ != wire.FrameWelcome {
		t.Fatalf("welcome: %v %v", typ, err)
	}
	w, err := wire.ParseWelcome(p)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, br)
	ts.waitMembers(3)
	stranger, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.2:0")), net.UDPAddrFromAddrPort(netip.MustParseAddrPort(ts.addr)))
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	defer stranger.Close()
	hello := wire.AppendDgramHeader(nil, wire.DgramHello, w.Token)
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			stranger.Write(hello)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	requireSameState(t, playAll(t, cs, sim.Config{Polls: 300, Rate: 60}, time.Minute), 300)
	close(stop)
	stranger.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := stranger.Read(make([]byte, 2048)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the stranger's address got %d bytes (%v): a hello bound it", n, err)
	}
}
