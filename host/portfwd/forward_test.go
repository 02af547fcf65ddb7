package portfwd_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/portfwd"
)

// echo serves TCP and UDP echo on a free loopback port pair and returns
// its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); pc.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	return ln.Addr().String()
}

// forward starts a Forward from a free loopback port pair to target and
// returns the local address.
func forward(t *testing.T, target string) string {
	t.Helper()
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := portfwd.Start(t.Context(), ln, pc, portfwd.Config{Target: target, Name: "test port", Logf: t.Logf})
	t.Cleanup(f.Close)
	return ln.Addr().String()
}

func roundTrip(c net.Conn, msg []byte) ([]byte, error) {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	buf := make([]byte, len(msg)+16)
	n, err := c.Read(buf)
	return buf[:n], err
}

// A core's TCP and UDP reach the far side through the forward, and each
// UDP source gets its own replies.
func TestForwardCarriesTCPAndUDP(t *testing.T) {
	local := forward(t, echo(t))
	tc, err := net.Dial("tcp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if got, err := roundTrip(tc, []byte("register player 1")); err != nil || string(got) != "register player 1" {
		t.Fatalf("TCP through the forward: %q, %v", got, err)
	}
	for i := range 3 {
		uc, err := net.Dial("udp", local)
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		msg := []byte{byte(i), 1, 2, 3}
		if got, err := roundTrip(uc, msg); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("UDP source %d through the forward: %x, %v", i, got, err)
		}
	}
}

// Local peers cannot make a forward hold more than its bounds: a ninth
// TCP connection is closed and a ninth UDP source is not carried, while
// the first eight keep working.
func TestForwardBounds(t *testing.T) {
	local := forward(t, echo(t))
	var tcps, udps []net.Conn
	for i := range 8 {
		tc, err := net.Dial("tcp", local)
		if err != nil {
			t.Fatal(err)
		}
		defer tc.Close()
		if _, err := roundTrip(tc, []byte{byte(i)}); err != nil {
			t.Fatalf("TCP %d: %v", i, err)
		}
		tcps = append(tcps, tc)
		uc, err := net.Dial("udp", local)
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		if _, err := roundTrip(uc, []byte{byte(i)}); err != nil {
			t.Fatalf("UDP %d: %v", i, err)
		}
		udps = append(udps, uc)
	}
	extra, err := net.Dial("tcp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if got, err := roundTrip(extra, []byte("more")); err == nil {
		t.Fatalf("a ninth TCP connection was carried: %q", got)
	}
	extraU, err := net.Dial("udp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer extraU.Close()
	extraU.SetDeadline(time.Now().Add(300 * time.Millisecond))
	extraU.Write([]byte("more"))
	if n, err := extraU.Read(make([]byte, 16)); err == nil {
		t.Fatalf("a ninth UDP source was carried (%d bytes back)", n)
	}
	for i := range 8 {
		if _, err := roundTrip(tcps[i], []byte{byte(i)}); err != nil {
			t.Fatalf("TCP %d after the refusals: %v", i, err)
		}
		if _, err := roundTrip(udps[i], []byte{byte(i)}); err != nil {
			t.Fatalf("UDP %d after the refusals: %v", i, err)
		}
	}
}

// Close ends the connections it carries and frees the port.
func TestForwardClose(t *testing.T) {
	target := echo(t)
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	f := portfwd.Start(context.Background(), ln, pc, portfwd.Config{Target: target})
	tc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := roundTrip(tc, []byte("x")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := tc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a carried connection after Close: %v, want EOF", err)
	}
	ln2, pc2, err := listen.Pair(addr)
	if err != nil {
		t.Fatalf("the port is still held after Close: %v", err)
	}
	ln2.Close()
	pc2.Close()
}
