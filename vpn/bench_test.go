package vpn

import (
	"net"
	"testing"
	"time"
)

// BenchmarkRoundTrip measures one 64-byte UDP request and reply: over
// plain loopback UDP, and through the tunnel (player netstack, WireGuard,
// loopback UDP, host WireGuard, host netstack, and back).
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("plain-udp", func(b *testing.B) {
		srv, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
		if err != nil {
			b.Fatal(err)
		}
		go echoPackets(srv)
		defer srv.Close()
		c, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pingPong(b, c)
	})
	b.Run("tunnel-udp", func(b *testing.B) {
		h := newTestHost(b, HostConfig{})
		pc, err := h.ListenUDP(echoPort)
		if err != nil {
			b.Fatal(err)
		}
		go echoPackets(pc)
		defer pc.Close()
		tun := mustJoin(b, h.Invite())
		c, err := tun.DialContext(testContext(b), "udp", hostAddrPort(echoPort))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pingPong(b, c)
	})
}

func echoPackets(pc net.PacketConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(buf[:n], from)
	}
}

func pingPong(b *testing.B, c net.Conn) {
	msg := make([]byte, 64)
	buf := make([]byte, 2048)
	c.SetDeadline(time.Now().Add(time.Minute))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}
