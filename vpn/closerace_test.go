package vpn

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
)

// TestCloseUnderTraffic closes hosts and tunnels, many times, while TCP
// and UDP flow both ways and each side sends datagrams to a closed port
// of the other, whose stack answers with ICMP errors as the packets
// arrive. wireguard-go's netstack TUN closed the channel those answers
// are handed over on while gVisor was handing one over ("send on closed
// channel", and a data race under -race); userStack never closes a
// channel another goroutine sends on, so this must neither panic nor race.
func TestCloseUnderTraffic(t *testing.T) {
	if runtime.GOOS == "windows" {
		// Under Wine, datagrams toward closed ports stall the stress
		// for minutes; the race it looks for is in the user-space stack,
		// the same code on every system, and runs on Linux.
		t.Skip("too slow under Wine; the same user-space stack is stressed on Linux")
	}
	rounds := 8
	if testing.Short() {
		rounds = 2
	}
	for i := range rounds {
		closeUnderTraffic(t, i%2 == 0)
	}
}

func closeUnderTraffic(t *testing.T, tunnelFirst bool) {
	t.Run(fmt.Sprintf("tunnel first %v", tunnelFirst), func(t *testing.T) {
		goroutineLeakCheck(t)
		closeUnderTrafficOnce(t, tunnelFirst)
	})
}

func closeUnderTrafficOnce(t *testing.T, tunnelFirst bool) {
	h, err := NewHost(HostConfig{Listen: loopback, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	serveEcho(t, h)
	tun, err := Join(testContext(t), h.Invite().String(), JoinConfig{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	hostPC, err := h.ListenUDP(echoPort + 1)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := tun.DialContext(testContext(t), "tcp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatal(err)
	}
	udp, err := tun.DialContext(testContext(t), "udp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatal(err)
	}
	closedPort, err := tun.DialContext(testContext(t), "udp", hostAddrPort(9)) // nothing listens
	if err != nil {
		t.Fatal(err)
	}
	playerClosed := netip.AddrPortFrom(tun.Addr(), 9)

	var wg sync.WaitGroup
	flowing := make(chan struct{}) // closed once the TCP echo came back
	var once sync.Once
	msg := bytes.Repeat([]byte("x"), 1000)
	wg.Go(func() { // TCP, both ways through the echo
		for {
			if _, err := tcp.Write(msg); err != nil {
				return
			}
		}
	})
	wg.Go(func() {
		buf := make([]byte, 4096)
		for {
			if _, err := tcp.Read(buf); err != nil {
				return
			}
			once.Do(func() { close(flowing) })
		}
	})
	// The datagram floods start only once TCP flows: they fill the
	// tunnel's queues, and a TCP segment lost there waits out gVisor's
	// backoff (up to minutes) before it is sent again.
	<-flowing
	var flooding sync.WaitGroup
	flood := func(send func() error) {
		flooding.Add(1)
		wg.Go(func() {
			err := send()
			flooding.Done()
			for err == nil {
				err = send()
			}
		})
	}
	flood(func() error { // UDP echo
		_, err := udp.Write(msg[:100])
		return err
	})
	flood(func() error { // ICMP port unreachable from the host's stack
		_, err := closedPort.Write(msg[:100])
		return err
	})
	flood(func() error { // ICMP port unreachable from the player's stack
		_, err := hostPC.WriteTo(msg[:100], udpAddr(playerClosed))
		return err
	})
	flooding.Wait()
	first, second := tun.Close, h.Close
	if !tunnelFirst {
		first, second = second, first
	}
	if err := first(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := second(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, c := range []func() error{tun.Close, h.Close} {
		if err := c(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Close again = %v, want net.ErrClosed", err)
		}
	}
	for _, c := range []interface{ Close() error }{tcp, udp, closedPort, hostPC} {
		c.Close()
	}
	wg.Wait()
}
