package hosttest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

// udpLoop is the only reader of the UDP socket. It hands each datagram to
// the polling goroutine and closes c.in when the socket fails or closes.
func (c *FakeCore) udpLoop(udp *net.UDPConn) {
	defer close(c.udpDone)
	defer close(c.in)
	buf := make([]byte, 2048)
	for {
		n, _, err := udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				c.udpErr = err
			}
			return
		}
		pkt := append([]byte(nil), buf[:n]...)
		select {
		case c.in <- pkt:
		default:
			c.queueDrops.Add(1)
		}
	}
}

// Poll is one controller poll of every present player, in player order:
// for a local player it first sends KEY_INFO_CLIENT with keys[player];
// then it requests and consumes the player's next event, waiting (and
// re-requesting every RequestEvery) up to InputTimeout. It returns the
// consumed keys (zero for absent players) and records them in History.
// keys may name only local players; a missing one sends 0.
func (c *FakeCore) Poll(ctx context.Context, keys map[int]uint32) ([m64p.MaxPlayers]uint32, error) {
	var out [m64p.MaxPlayers]uint32
	if c.stage != stagePlaying {
		return out, fmt.Errorf("poll: %w", ErrNotReady)
	}
	if c.lost {
		return out, fmt.Errorf("poll: %w", ErrLostConnection)
	}
	for p := range keys {
		if p < 0 || p >= m64p.MaxPlayers || !c.local[p] {
			return out, fmt.Errorf("poll: keys for player %d, which this core does not control", p)
		}
	}
	var rec PollRecord
	for i := range uint8(m64p.MaxPlayers) {
		if !c.reg[i].Present() {
			continue
		}
		if c.local[i] && !c.cfg.SilentKeys {
			if err := c.sendKeyInfo(i, keys[int(i)]); err != nil {
				return out, err
			}
		}
		e, err := c.getInput(ctx, i)
		if err != nil {
			return out, fmt.Errorf("poll %d: player %d: %w", len(c.history), i, err)
		}
		rec.Keys[i], rec.Plugins[i] = e.Keys, e.Plugin
	}
	c.history = append(c.history, rec)
	c.stats.Polls++
	return rec.Keys, nil
}

func (c *FakeCore) sendKeyInfo(p uint8, keys uint32) error {
	b, _ := m64p.KeyInfoClient{Player: p, Count: c.count[p], Keys: keys, Plugin: c.cfg.Plugin}.AppendTo(nil)
	c.stats.KeyInfos++
	return c.send(b)
}

func (c *FakeCore) sendRequest(p uint8) error {
	held := uint8(min(len(c.held[p]), math.MaxUint8))
	if c.cfg.ClaimHeld != 0 {
		held = c.cfg.ClaimHeld
	}
	b, _ := m64p.InputRequest{
		Player:     p,
		RegID:      c.regID,
		Count:      c.count[p],
		Spectator:  len(c.cfg.Players) == 0,
		BufferSize: held,
	}.AppendTo(nil)
	c.stats.Requests++
	return c.send(b)
}

func (c *FakeCore) send(b []byte) error {
	if _, err := c.udp.WriteToUDP(b, c.hostUDP); err != nil {
		return fmt.Errorf("send udp: %w", err)
	}
	return nil
}

// getInput is the core's netplay_get_input: drain, request, decide the
// speed limiter, then wait for the event.
func (c *FakeCore) getInput(ctx context.Context, p uint8) (m64p.Event, error) {
	if err := c.drain(); err != nil {
		return m64p.Event{}, err
	}
	if err := c.sendRequest(p); err != nil {
		return m64p.Event{}, err
	}
	c.decideLimiter(p)
	if e, ok := c.take(p); ok {
		return e, nil
	}
	c.stats.Waits[p]++
	return c.wait(ctx, p)
}

func (c *FakeCore) decideLimiter(p uint8) {
	off := c.stats.Lag[p] > 0 && len(c.held[p]) > int(c.bufferTarget)
	c.stats.LimiterOffNow = off
	if off {
		c.stats.LimiterOff++
	} else {
		c.stats.LimiterOn++
	}
}

// wait blocks until the event arrives, re-requesting it; after
// InputTimeout the core gives up for good.
func (c *FakeCore) wait(ctx context.Context, p uint8) (m64p.Event, error) {
	timeout := time.NewTimer(c.cfg.InputTimeout)
	defer timeout.Stop()
	tick := time.NewTicker(c.cfg.RequestEvery)
	defer tick.Stop()
	for {
		select {
		case pkt, ok := <-c.in:
			if !ok {
				return m64p.Event{}, c.readErr()
			}
			c.process(pkt)
			if e, ok := c.take(p); ok {
				return e, nil
			}
		case <-tick.C:
			if err := c.sendRequest(p); err != nil {
				return m64p.Event{}, err
			}
		case <-timeout.C:
			c.lost = true
			c.logf("Netplay: lost connection to server")
			return m64p.Event{}, ErrLostConnection
		case <-ctx.Done():
			return m64p.Event{}, ctx.Err()
		}
	}
}

// drain processes every datagram already queued, without waiting.
func (c *FakeCore) drain() error {
	for {
		select {
		case pkt, ok := <-c.in:
			if !ok {
				return c.readErr()
			}
			c.process(pkt)
		default:
			return nil
		}
	}
}

func (c *FakeCore) readErr() error {
	if c.udpErr != nil {
		return fmt.Errorf("receive udp: %w", c.udpErr)
	}
	return fmt.Errorf("receive udp: %w", net.ErrClosed)
}

// Holds reports whether the core holds player p's event for count, after
// taking in every datagram that reached it: what it would find at that
// poll without asking. Call it between polls, from the polling goroutine.
func (c *FakeCore) Holds(p uint8, count uint32) (bool, error) {
	if int(p) >= m64p.MaxPlayers {
		return false, fmt.Errorf("holds: no player %d", p)
	}
	if err := c.drain(); err != nil {
		return false, err
	}
	return hasEvent(c.held[p], count), nil
}

// take consumes the event for player p's current count, if held.
func (c *FakeCore) take(p uint8) (m64p.Event, bool) {
	e, ok := c.held[p][c.count[p]]
	if !ok {
		return e, false
	}
	delete(c.held[p], c.count[p])
	c.count[p]++
	return e, true
}

// process is the core's netplay_process for one datagram.
func (c *FakeCore) process(pkt []byte) {
	if len(pkt) == 0 || (pkt[0] != 1 && !(pkt[0] == 3 && c.cfg.Gratuitous)) {
		c.stats.Unknown++
		c.logf("Netplay: received unknown message from server")
		return
	}
	m, err := m64p.ParseKeyInfoServer(pkt)
	if err != nil {
		c.stats.Malformed++
		c.logf("fake core: dropped datagram: %v", err)
		return
	}
	c.stats.Replies++
	if !m.Gratuitous {
		c.stats.Lag[m.Player] = m.Lag
	}
	c.noteStatus(m.Status)
	for _, e := range m.Events {
		c.hold(m.Player, e)
	}
}

func (c *FakeCore) hold(p uint8, e m64p.Event) {
	switch {
	case e.Count-c.count[p] > math.MaxUint32/2:
		c.stats.Stale++
	case hasEvent(c.held[p], e.Count):
		c.stats.Duplicate++
	case len(c.held[p]) >= maxHeldEvents:
		c.stats.Overflow++
	default:
		c.held[p][e.Count] = e
	}
}

func hasEvent(m map[uint32]m64p.Event, count uint32) bool {
	_, ok := m[count]
	return ok
}

func (c *FakeCore) noteStatus(s m64p.Status) {
	old := c.stats.Status
	if s == old {
		return
	}
	if s.Desynced() && !old.Desynced() {
		c.logf("Netplay: players have de-synced at VI %d", c.vi)
	}
	for p := range uint8(m64p.MaxPlayers) {
		if s.Disconnected(p) && !old.Disconnected(p) {
			c.logf("Netplay: player %d has disconnected", p+1)
		}
	}
	c.stats.Status = s
}

// NewVI is the core's per-VI sync check: every SyncEvery VIs, starting at
// VI 0, it sends SYNC_DATA with cp0, then counts the VI.
func (c *FakeCore) NewVI(cp0 [m64p.CP0Words]uint32) error {
	if c.stage != stagePlaying {
		return fmt.Errorf("new vi: %w", ErrNotReady)
	}
	vi := c.vi
	c.vi++
	if vi%c.cfg.SyncEvery != 0 {
		return nil
	}
	c.stats.SyncSent++
	return c.send(m64p.SyncData{VI: vi, CP0: cp0}.AppendTo(nil))
}
