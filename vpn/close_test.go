package vpn

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestCloseUnblocks checks that closing the host or the tunnel ends
// blocked calls on what they handed out, as a session server relies on,
// and leaves no goroutines behind.
func TestCloseUnblocks(t *testing.T) {
	goroutineLeakCheck(t)
	h, err := NewHost(HostConfig{Listen: loopback, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := h.ListenTCP(echoPort)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := h.ListenUDP(echoPort)
	if err != nil {
		t.Fatal(err)
	}
	tun, err := Join(testContext(t), h.Invite().String(), JoinConfig{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	c, err := tun.DialContext(testContext(t), "udp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	go func() { _, err := ln.Accept(); errs <- err }()
	go func() { _, _, err := pc.ReadFrom(make([]byte, 10)); errs <- err }()
	go func() { _, err := c.Read(make([]byte, 10)); errs <- err }()
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close = %v, want net.ErrClosed", err)
	}
	if err := tun.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close of the tunnel = %v, want net.ErrClosed", err)
	}
	for range 3 {
		select {
		case err := <-errs:
			if err == nil {
				t.Fatal("blocked call returned no error after Close")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked call did not return after Close")
		}
	}
	if _, err := h.ListenTCP(1); err == nil {
		t.Error("ListenTCP works after Close")
	}
}
