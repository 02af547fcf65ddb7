package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/listen"
)

// severer dials a client's connections and can cut them all at once
// without a goodbye, as the kernel does when a process dies.
type severer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *severer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err == nil {
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
	}
	return c, err
}

// sever closes every connection the client opened.
func (s *severer) sever() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

// skipIfMissing skips the test when the real core cannot run here.
func skipIfMissing(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, launcher.ErrMissing) || errors.Is(err, launcher.ErrUnsupported) {
		t.Skipf("real mupen64plus core not usable here: %v", err)
	}
}

func writeROM(t testing.TB, polls int) string {
	t.Helper()
	path, err := testrom.WriteFile(t.TempDir(), testrom.Options{Polls: polls})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// listenPair opens TCP and UDP on the same loopback port.
func listenPair(t testing.TB) (net.Listener, net.PacketConn, string) {
	t.Helper()
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, pc, ln.Addr().String()
}

// tail returns the end of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const max = 6000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// logHas reports whether a core's log contains s.
func logHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), s)
}

// waitLog waits until a core's log contains s, looking every few
// milliseconds: the core tells nothing but its log.
func waitLog(ctx context.Context, path, s string) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !logHas(path, s) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return false
		}
	}
	return true
}
