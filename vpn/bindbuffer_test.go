package vpn

import (
	"net"
	"testing"

	"github.com/netpak/netpak/host/listen"
)

// The VPN's one socket takes every player's tunnel datagrams, so it asks
// for the receive buffer a session port asks for: a host kept off the CPU
// for a moment keeps them.
func TestBindHasASessionPortsBuffer(t *testing.T) {
	plain, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	dflt, err := listen.ReadBufferSize(plain)
	if err != nil {
		t.Skipf("this system does not say its sockets' buffers: %v", err)
	}
	plain.SetReadBuffer(listen.ReadBuffer)
	granted, err := listen.ReadBufferSize(plain)
	if err != nil {
		t.Fatal(err)
	}
	if granted <= dflt {
		t.Skipf("this system grants no more than its default receive buffer (%d bytes): raise net.core.rmem_max to run this test", dflt)
	}
	bind, err := ListenBind(loopback)
	if err != nil {
		t.Fatal(err)
	}
	defer bind.Shutdown()
	got, err := listen.ReadBufferSize(bind.conn.(*net.UDPConn))
	if err != nil {
		t.Fatal(err)
	}
	if got < granted {
		t.Errorf("the VPN's socket has a receive buffer of %d bytes, where the system grants %d", got, granted)
	}
}
