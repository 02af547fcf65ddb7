package lossy

import (
	"net"
	"testing"
	"time"
)

func pair(t *testing.T, cfg Config) (*Conn, net.PacketConn) {
	t.Helper()
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c := Wrap(a, cfg)
	t.Cleanup(func() { c.Close() })
	return c, b
}

// count sends n datagrams through c and counts what arrives at b within a
// short quiet period.
func count(t *testing.T, c *Conn, b net.PacketConn, n int) int {
	t.Helper()
	for i := range n {
		if _, err := c.WriteTo([]byte{byte(i)}, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	buf := make([]byte, 16)
	for {
		b.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, _, err := b.ReadFrom(buf); err != nil {
			return got
		}
		got++
	}
}

func TestRates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		lo, hi int
	}{
		{"clean", Config{}, 100, 100},
		{"all lost", Config{Drop: 1}, 0, 0},
		{"all doubled", Config{Dup: 1}, 200, 200},
		{"a fifth lost", Config{Drop: 0.2, Seed: 3}, 60, 95},
		{"delayed, not lost", Config{Reorder: 1}, 100, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, b := pair(t, tc.cfg)
			if got := count(t, c, b, 100); got < tc.lo || got > tc.hi {
				t.Errorf("%d of 100, want %d-%d", got, tc.lo, tc.hi)
			}
		})
	}
}
