package e2e

import (
	"context"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/portfwd"
)

// inputTap times real cores' inputs from the outside, on each core's side
// of its network: the moment a core reports a press (its key info for
// poll N, sent as the poll reads the controller), and the moment another
// core holds that input at the poll that uses it, poll N+lag: the later
// of its first request for that count (the core asks at the start of
// every poll, held or not) and the input's arrival. Neither moment is
// observable inside a core; these datagrams leave and reach it within
// microseconds on loopback, so their times stand for them. For a core
// without a link of its own (bridged), the tap's forward adds one loopback
// hop in front of it.
type inputTap struct {
	lag   uint32
	mu    sync.Mutex
	from  time.Time            // only presses after this time count
	seat  map[uint8]int        // port (0-3) -> the seat that presses it
	press map[tapKey]time.Time // (seat, port, count) -> first report of a press
	ask   map[tapKey]time.Time // (seat, port, count) -> first request
	got   map[tapKey]time.Time // (seat, port, count) -> first arrival
}

// tapKey is one input of one port at one core.
type tapKey struct {
	seat  int
	port  uint8
	count uint32
}

// tapLimit bounds each table: a benchmark's window is about 600 polls of
// 4 ports; a longer game stops recording instead of growing.
const tapLimit = 1 << 16

func newInputTap(lag uint8) *inputTap {
	return &inputTap{lag: uint32(lag), seat: map[uint8]int{}, press: map[tapKey]time.Time{},
		ask: map[tapKey]time.Time{}, got: map[tapKey]time.Time{}}
}

// start counts presses from now on (after the warm-up).
func (t *inputTap) start() {
	t.mu.Lock()
	t.from = time.Now()
	t.mu.Unlock()
}

// dial wraps seat's forward's dial: its UDP datagrams are timed as they
// leave the core (writes) and as they reach it (reads).
func (t *inputTap) dial(seat int, dial portfwd.DialFunc) portfwd.DialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil || network != "udp" {
			return c, err
		}
		return &tapConn{Conn: c, tap: t, seat: seat}, nil
	}
}

type tapConn struct {
	net.Conn
	tap  *inputTap
	seat int
}

func (c *tapConn) Write(b []byte) (int, error) {
	c.tap.sent(c.seat, b, time.Now())
	return c.Conn.Write(b)
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.tap.received(c.seat, b[:n], time.Now())
	}
	return n, err
}

// sent records a core's datagram to its server.
func (t *inputTap) sent(seat int, b []byte, now time.Time) {
	d, err := m64p.ParseClientDatagram(b)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch d := d.(type) {
	case m64p.KeyInfoClient:
		t.seat[d.Player] = seat
		if !t.from.IsZero() && now.After(t.from) {
			first(t.press, tapKey{seat, d.Player, d.Count}, now)
		}
	case m64p.InputRequest:
		first(t.ask, tapKey{seat, d.Player, d.Count}, now)
	}
}

// received records a server's datagram to a core.
func (t *inputTap) received(seat int, b []byte, now time.Time) {
	m, err := m64p.ParseKeyInfoServer(b)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range m.Events {
		first(t.got, tapKey{seat, m.Player, e.Count}, now)
	}
}

// first records now under k unless k has a time or the table is full.
func first(m map[tapKey]time.Time, k tapKey, now time.Time) {
	if _, ok := m[k]; !ok && len(m) < tapLimit {
		m[k] = now
	}
}

// delays returns, for every press recorded, the time until each other
// core held it at the poll that uses it, sorted.
func (t *inputTap) delays() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	seats := map[int]bool{}
	for _, s := range t.seat {
		seats[s] = true
	}
	var out []time.Duration
	for p, pressed := range t.press {
		for s := range seats {
			k := tapKey{s, p.port, p.count + t.lag}
			asked, ok := t.ask[k]
			got, ok2 := t.got[k]
			if s == p.seat || !ok || !ok2 {
				continue
			}
			used := asked
			if got.After(asked) {
				used = got
			}
			out = append(out, used.Sub(pressed))
		}
	}
	slices.Sort(out)
	return out
}
