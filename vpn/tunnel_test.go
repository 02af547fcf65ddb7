package vpn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"
)

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

// echoPort is where serveEcho answers, on TCP and UDP as a session
// server does.
const echoPort = 7000

func newTestHost(t testing.TB, cfg HostConfig) *Host {
	t.Helper()
	if !cfg.Listen.IsValid() {
		cfg.Listen = loopback
	}
	cfg.Logf = t.Logf
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func joinTest(t testing.TB, inv Invite) (*Tunnel, error) {
	t.Helper()
	tun, err := Join(testContext(t), inv.String(), JoinConfig{Listen: loopback, Logf: t.Logf})
	if err == nil {
		t.Cleanup(func() { tun.Close() })
	}
	return tun, err
}

func mustJoin(t testing.TB, inv Invite) *Tunnel {
	t.Helper()
	tun, err := joinTest(t, inv)
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	return tun
}

// serveEcho echoes TCP and UDP at the host's tunnel address. The UDP echo
// prefixes each reply with the sender's address, so tests can check the
// host sees players at their tunnel addresses.
func serveEcho(t testing.TB, h *Host) {
	t.Helper()
	ln, pc, err := h.Listen(echoPort)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); pc.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { io.Copy(c, c); c.Close() })
		}
	})
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(append([]byte(from.String()+"|"), buf[:n]...), from)
		}
	})
}

func hostAddrPort(port uint16) string { return HostAddress(port) }

func checkTCPEcho(t *testing.T, tun *Tunnel) {
	t.Helper()
	c, err := tun.DialContext(testContext(t), "tcp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	msg := bytes.Repeat([]byte("netpak "), 2000) // larger than one segment
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read tcp echo: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("tcp echo differs")
	}
}

func checkUDPEcho(t *testing.T, tun *Tunnel) {
	t.Helper()
	c, err := tun.DialContext(testContext(t), "udp", hostAddrPort(echoPort))
	if err != nil {
		t.Fatalf("dial udp: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 128)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("read udp echo: %v", err)
	}
	want := c.LocalAddr().String() + "|ping"
	if got := string(buf[:n]); got != want {
		t.Fatalf("udp echo = %q, want %q", got, want)
	}
	if ap := netip.MustParseAddrPort(c.LocalAddr().String()); ap.Addr() != tun.Addr() {
		t.Fatalf("local address %v, want tunnel address %v", ap, tun.Addr())
	}
}

func TestHostAndThreePlayers(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	serveEcho(t, h)
	inv := h.Invite()
	tuns := make([]*Tunnel, 3)
	for i := range tuns {
		tuns[i] = mustJoin(t, inv)
	}
	seen := map[netip.Addr]bool{}
	for i, tun := range tuns {
		if seen[tun.Addr()] || !tunnelPrefix.Contains(tun.Addr()) || tun.Addr() == HostAddr {
			t.Fatalf("player %d got tunnel address %v", i, tun.Addr())
		}
		seen[tun.Addr()] = true
		t.Run(fmt.Sprint("player", i), func(t *testing.T) {
			checkTCPEcho(t, tun)
			checkUDPEcho(t, tun)
		})
	}
	peers, err := h.Peers()
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 3 {
		t.Fatalf("host has %d peers, want 3", len(peers))
	}
	for _, p := range peers {
		if p.LastHandshake.IsZero() || !p.Endpoint.IsValid() {
			t.Errorf("peer %v: no handshake or endpoint: %+v", p.Addr, p.PeerStatus)
		}
	}
}

func TestJoinRefused(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	good := h.Invite()
	wrongSecret := good
	wrongSecret.Secret[0] ^= 1
	otherSession := good
	otherSession.Session[0] ^= 1
	tests := []struct {
		name string
		inv  Invite
		want error
	}{
		{"wrong secret", wrongSecret, ErrBadSecret},
		{"other session", otherSession, ErrUnknownSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := joinTest(t, tt.inv)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Join = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("missing secret", func(t *testing.T) {
		noSecret := good
		noSecret.Secret = [secretLen]byte{}
		if _, err := Join(testContext(t), noSecret.String(), JoinConfig{Listen: loopback}); !errors.Is(err, ErrBadInvite) {
			t.Fatalf("Join with an invite without secret = %v, want ErrBadInvite", err)
		}
		_, err := JoinInvite(testContext(t), noSecret, JoinConfig{Listen: loopback})
		if !errors.Is(err, ErrBadSecret) {
			t.Fatalf("JoinInvite without secret = %v, want ErrBadSecret", err)
		}
	})
	if peers, _ := h.Peers(); len(peers) != 0 {
		t.Fatalf("refused joins left %d peers", len(peers))
	}
}
