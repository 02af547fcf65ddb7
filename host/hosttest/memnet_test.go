package hosttest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/netpak/netpak/host/hosttest"
)

// Every test runs in a synctest bubble: its clock is fake, and Test fails
// if a goroutine is left blocked when the test returns.

// dialAccept dials the network's listener from d and accepts the
// connection.
func dialAccept(t *testing.T, n *hosttest.Network, d *hosttest.Dialer) (client, server net.Conn) {
	t.Helper()
	client, err := d.DialContext(context.Background(), "tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	server, err = n.Listener().Accept()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}

func TestMemStream(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		defer n.Close()
		d1, d2 := n.NewDialer(), n.NewDialer()
		c1, s1 := dialAccept(t, n, d1)
		c2, s2 := dialAccept(t, n, d2)
		ra1, ok1 := s1.RemoteAddr().(*net.TCPAddr)
		ra2, ok2 := s2.RemoteAddr().(*net.TCPAddr)
		if !ok1 || !ok2 || ra1.AddrPort().Addr() == ra2.AddrPort().Addr() {
			t.Fatalf("two machines dial from %v and %v, want distinct *net.TCPAddr", s1.RemoteAddr(), s2.RemoteAddr())
		}
		if ra1.AddrPort().Addr() != d1.Addr() || c1.RemoteAddr().String() != n.Addr() || c1.LocalAddr().String() != s1.RemoteAddr().String() {
			t.Errorf("addresses: client %v -> %v, server %v <- %v, dialer %v", c1.LocalAddr(), c1.RemoteAddr(), s1.LocalAddr(), s1.RemoteAddr(), d1.Addr())
		}

		// Both ways, and the streams do not mix.
		go c1.Write([]byte("one"))
		go c2.Write([]byte("two"))
		for _, tc := range []struct {
			c    net.Conn
			want string
		}{{s1, "one"}, {s2, "two"}} {
			got := make([]byte, 3)
			if _, err := io.ReadFull(tc.c, got); err != nil || string(got) != tc.want {
				t.Errorf("read %q, %v; want %q", got, err, tc.want)
			}
		}
		s1.Write([]byte("back"))
		got := make([]byte, 4)
		if _, err := io.ReadFull(c1, got); err != nil || string(got) != "back" {
			t.Errorf("client read %q, %v", got, err)
		}

		// Close: the peer reads what was written, then EOF; its writes fail.
		c1.Write([]byte("last"))
		if err := c1.Close(); err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(s1); err != nil || string(b) != "last" {
			t.Errorf("after the peer closed: %q, %v; want \"last\" and EOF", b, err)
		}
		if _, err := s1.Write([]byte("x")); err == nil {
			t.Error("write to a closed peer succeeded")
		}
		if _, err := c1.Read(got); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after Close: %v, want net.ErrClosed", err)
		}
		if err := c1.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close: %v, want net.ErrClosed", err)
		}
	})
}

// A reader that does not read makes the writer wait, as TCP does, until
// the write deadline.
func TestMemStreamBounded(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		defer n.Close()
		c, s := dialAccept(t, n, n.NewDialer())
		big := bytes.Repeat([]byte{7}, 3*hosttest.StreamBuffer)
		t0 := time.Now()
		c.SetWriteDeadline(t0.Add(time.Second))
		w, err := c.Write(big)
		if !errors.Is(err, os.ErrDeadlineExceeded) || w != hosttest.StreamBuffer || time.Since(t0) != time.Second {
			t.Fatalf("write to a stalled reader: %d bytes, %v, after %v; want %d bytes, a timeout after 1s", w, err, time.Since(t0), hosttest.StreamBuffer)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%v is not a net.Error timeout", err)
		}

		// With a reader, everything arrives in order.
		c.SetWriteDeadline(time.Time{})
		done := make(chan error)
		go func() {
			_, err := c.Write(big[w:])
			c.Close()
			done <- err
		}()
		got, err := io.ReadAll(s)
		if err != nil || !bytes.Equal(got, big) {
			t.Errorf("read %d bytes, %v; want %d", len(got), err, len(big))
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func TestMemDeadlines(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		defer n.Close()
		c, s := dialAccept(t, n, n.NewDialer())
		t0 := time.Now()
		s.SetReadDeadline(t0.Add(3 * time.Second))
		// Moving the deadline while a Read waits moves its timeout.
		go func() {
			time.Sleep(time.Second)
			s.SetReadDeadline(t0.Add(5 * time.Second))
		}()
		if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(t0) != 5*time.Second {
			t.Errorf("read: %v after %v, want a timeout after 5s", err, time.Since(t0))
		}
		// A passed deadline fails at once, even with data to read; a zero
		// one is no deadline.
		c.Write([]byte("x"))
		if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read after the deadline: %v", err)
		}
		s.SetReadDeadline(time.Time{})
		if k, err := s.Read(make([]byte, 1)); k != 1 || err != nil {
			t.Errorf("read without deadline: %d, %v", k, err)
		}
		// Close wakes a blocked Read.
		go func() {
			time.Sleep(time.Second)
			s.Close()
		}()
		if _, err := s.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read across Close: %v, want net.ErrClosed", err)
		}
	})
}

func TestMemPackets(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		defer n.Close()
		hostPC := n.PacketConn()
		d := n.NewDialer()
		uc, err := d.DialContext(context.Background(), "udp", n.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		if _, err := uc.Write([]byte("hi")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		k, from, err := hostPC.ReadFrom(buf)
		if err != nil || string(buf[:k]) != "hi" {
			t.Fatalf("host read %q, %v", buf[:k], err)
		}
		if ua, ok := from.(*net.UDPAddr); !ok || ua.AddrPort() != uc.LocalAddr().(*net.UDPAddr).AddrPort() || ua.AddrPort().Addr() != d.Addr() {
			t.Errorf("datagram from %v (%T), want the client's %v", from, from, uc.LocalAddr())
		}
		hostPC.WriteTo([]byte("hello back"), from)
		if k, err := uc.Read(buf[:5]); err != nil || string(buf[:k]) != "hello" {
			t.Errorf("client read %q, %v; want the datagram truncated to \"hello\"", buf[:k], err)
		}

		// A full queue drops, as a UDP socket's buffer does; writes never wait.
		for range hosttest.PacketQueue + 10 {
			if _, err := uc.Write([]byte{1}); err != nil {
				t.Fatal(err)
			}
		}
		hostPC.SetReadDeadline(time.Now().Add(time.Second))
		got := 0
		for {
			if _, _, err := hostPC.ReadFrom(buf); err != nil {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("read: %v, want a timeout", err)
				}
				break
			}
			got++
		}
		if got != hosttest.PacketQueue {
			t.Errorf("received %d datagrams, want the queue's %d", got, hosttest.PacketQueue)
		}
		hostPC.SetReadDeadline(time.Time{})

		// Datagrams to nobody are lost without an error; a passed write
		// deadline fails.
		if _, err := hostPC.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(10, 9, 9, 9), Port: 1}); err != nil {
			t.Errorf("write to nobody: %v", err)
		}
		uc.SetWriteDeadline(time.Now())
		if _, err := uc.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("write after the deadline: %v", err)
		}
	})
}

// Close ends every blocked call; synctest.Test fails if one is left.
func TestMemNetworkClose(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		c, _ := dialAccept(t, n, n.NewDialer())
		_, s := dialAccept(t, n, n.NewDialer())
		uc, err := n.Dial(context.Background(), "udp", n.Addr())
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 5)
		go func() { _, err := n.Listener().Accept(); errs <- err }()
		go func() { _, _, err := n.PacketConn().ReadFrom(make([]byte, 1)); errs <- err }()
		go func() { _, err := uc.Read(make([]byte, 1)); errs <- err }()
		go func() { _, err := c.Read(make([]byte, 1)); errs <- err }()
		go func() { _, err := s.Write(make([]byte, 2*hosttest.StreamBuffer)); errs <- err }()
		synctest.Wait()
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if err := <-errs; err == nil {
				t.Error("a call blocked across Close succeeded")
			}
		}
		if err := n.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := n.Dial(context.Background(), "tcp", n.Addr()); err == nil {
			t.Error("dial after Close succeeded")
		}
		if _, err := n.Dial(context.Background(), "tcp", "10.0.0.9:1"); err == nil {
			t.Error("dial to an address nobody listens at succeeded")
		}
	})
}

// Concurrent writers, readers, senders and Close, for -race.
func TestMemConcurrent(t *testing.T) {
	hosttest.Bubble(t, func(t *testing.T) {
		n := hosttest.NewNetwork()
		defer n.Close()
		c, s := dialAccept(t, n, n.NewDialer())
		const writers, each = 4, 1000
		for w := range writers {
			go func() {
				for range each {
					c.Write([]byte{byte(w)})
				}
			}()
		}
		counts := make([]int, writers)
		buf := make([]byte, 100)
		for got := 0; got < writers*each; {
			k, err := s.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range buf[:k] {
				counts[b]++
			}
			got += k
		}
		for w, k := range counts {
			if k != each {
				t.Errorf("writer %d: %d bytes arrived, want %d", w, k, each)
			}
		}

		pc := n.PacketConn()
		received := make(chan int)
		go func() {
			k := 0
			for {
				if _, _, err := pc.ReadFrom(buf); err != nil {
					received <- k
					return
				}
				k++
			}
		}()
		done := make(chan bool)
		for range writers {
			go func() {
				uc, err := n.Dial(context.Background(), "udp", n.Addr())
				if err != nil {
					t.Error(err)
					done <- true
					return
				}
				for range each {
					uc.Write([]byte{1})
					if _, err := pc.WriteTo([]byte{2}, uc.LocalAddr()); err != nil {
						t.Error(err)
					}
				}
				done <- true
			}()
		}
		for range writers {
			<-done
		}
		go c.Close()
		go s.Close()
		go n.Close()
		if k := <-received; k == 0 || k > writers*each {
			t.Errorf("the host received %d datagrams of %d", k, writers*each)
		}
	})
}
