package host_test

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
)

// Malformed mupen64plus-core traffic is refused without changing the
// session, and leaves no goroutine behind.
func TestHostileCoreTraffic(t *testing.T) {
	func() {
		ts := startHost(t, host.Config{}, nil)
		for _, b := range [][]byte{
			{5, 9, 1, 0, 0, 0, 0, 1},                      // player 9
			{5, 0, 1, 0, 0, 0, 0, 0},                      // regid 0
			{1, 's', 'r', 'a', 0, 0xff, 0xff, 0xff, 0xff}, // 4 GiB save
			{1, 'e', 'x', 'e', 0, 0, 0, 0, 4},             // unknown extension
			{64, 0, 0, 0, 1, 0},                           // simple64 custom slot
		} {
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(b)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 16)); err == nil {
				t.Errorf("%x: the host answered %d bytes instead of hanging up", b, n)
			}
			c.Close()
		}
		// A registered core's datagrams count; a stranger's do not.
		u, err := net.Dial("udp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		req, _ := m64p.InputRequest{Player: 0, RegID: 0x1234, Count: 0}.AppendTo(nil)
		keys, _ := m64p.KeyInfoClient{Player: 0, Count: 0, Keys: 1, Plugin: 1}.AppendTo(nil)
		for _, d := range [][]byte{req, keys, {2, 0, 0}, make([]byte, 133)} {
			u.Write(d)
		}
		hosttest.WaitFor(t, "the condition", func() bool { return ts.h.Stats().DroppedDatagrams >= 4 })
		u.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := u.Read(make([]byte, 600)); err == nil {
			t.Error("the host answered a stranger's request")
		}
		// A core that connects and says nothing is let go after the hello
		// timeout; meanwhile it holds no seat.
		quiet, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer quiet.Close()
		if n := len(ts.h.Members()); n != 0 {
			t.Errorf("%d members after hostile traffic", n)
		}
	}()
}

// TestNoGoroutineLeak runs a session with direct cores and netpak clients
// and checks that closing everything ends every goroutine.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("session", func(t *testing.T) {
		ts := startHost(t, host.Config{Lag: 2, AutoStart: 3}, nil)
		players := [][]uint8{{0}, {1}}
		cores, done := startCores(t, ts.addr, players...)
		c := ts.join("carol", client.Config{Ports: 1 << 2})
		waitHandshakes(t, 2, done)
		errs := make(chan error, 2)
		for i, core := range cores {
			go func() { errs <- pollCore(t.Context(), core, players[i], 200) }()
		}
		go func() {
			for range 200 {
				if _, _, err := c.Poll(t.Context(), [session.NumPorts]session.Input{}); err != nil {
					errs <- err
					return
				}
			}
		}()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})
	if !hosttest.Eventually(func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}
