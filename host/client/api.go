package client

import (
	"fmt"
	"time"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// Chat says text to everyone in the session.
func (c *Client) Chat(text string) error {
	if len(text) > wire.MaxChatLen {
		return fmt.Errorf("chat line longer than %d bytes", wire.MaxChatLen)
	}
	return c.send(wire.FrameChat, wire.AppendText(nil, wire.TextMsg{Text: text}))
}

// Rename asks the host to call this client name from now on. The host
// tells everyone (session.EventRenamed), or this client alone why not.
func (c *Client) Rename(name string) error {
	if err := session.CheckName(name); err != nil {
		return err
	}
	return c.send(wire.FrameRename, wire.AppendText(nil, wire.TextMsg{Text: name}))
}

// SetLag asks the host to set everyone's lag. The host announces it.
func (c *Client) SetLag(lag uint8) error { return c.send(wire.FrameSetLag, []byte{lag}) }

// ToggleGolf asks the host to turn golf mode on or off. The host announces it.
func (c *Client) ToggleGolf() error { return c.send(wire.FrameGolf, nil) }

// Start asks the host to start the game; only the host's own player may.
func (c *Client) Start() error { return c.send(wire.FrameStart, nil) }

// Release gives up this client's controller ports for the rest of the
// running game: they read as no input for everyone from the first poll
// the host has no input for, and the others play on instead of waiting.
// The client stays in the session (for chat and the next game, where its
// ports are its own again). Call it when the player's emulator failed or
// was closed.
func (c *Client) Release() error {
	if c.quitting.Load() {
		return nil
	}
	c.mu.Lock()
	playing := c.ls.playing
	c.mu.Unlock()
	if !playing || c.ports == 0 {
		return nil
	}
	return c.send(wire.FrameRelease, []byte{byte(c.ports)})
}

// Quitting tells the client that its player is leaving the session: the
// emulator, which stops now, stops because of that, and its ports are not
// released but held by the host for a rejoin once the client says goodbye
// (Close), as for a player who leaves without an emulator.
func (c *Client) Quitting() { c.quitting.Store(true) }

// LeavesToWatch is Quitting for a player who joins the session again as a
// spectator (/spectate): its goodbye says so, and everyone is told.
func (c *Client) LeavesToWatch() {
	c.toWatch.Store(true)
	c.Quitting()
}

// SetAutoLag asks the host to follow the network with the lag (on) or to
// keep the lag players set (off). The host announces it.
func (c *Client) SetAutoLag(on bool) error {
	return c.send(wire.FrameAutoLag, []byte{wire.BoolByte(on)})
}

// Stop asks the host to end the running game for everyone and return the
// session to the lobby; only the host's own player may. The host
// announces it.
func (c *Client) Stop() error { return c.send(wire.FrameStop, nil) }

// Status is a snapshot of a client's view of its session.
type Status struct {
	ID      uint16
	Ports   session.PortMask
	Playing bool
	Poll    uint32  // the next poll to consume (or the bridged emulator's)
	Pace    float64 // polls per second, measured over the last second
	Lag     uint8   // the session lag
	AutoLag bool    // the host follows the network with the lag
	Golf    bool
	Seat    string // who holds the golf seat, if anyone
	SeatLag uint8  // the lag the golf seat plays: 0, or a direct core's round trip
	RTT     time.Duration
	UDP     bool // inputs travel over UDP (else TCP)
	Members []session.Member
}

// CatchingUp reports whether the client replays a game it rejoined: the
// host authors its ports until it is close to the live game, so it should
// play as fast as it can (an emulator is told so; see speed lag).
func (c *Client) CatchingUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ls.catchUp != 0
}

// Status returns the client's view of the session.
func (c *Client) Status() Status {
	c.mu.Lock()
	ls := &c.ls
	e := ls.sched.Last()
	st := Status{
		ID: c.id, Ports: c.ports, Playing: ls.playing, Poll: max(ls.next, ls.core.count), Pace: ls.pace,
		Lag: e.Lag, AutoLag: c.autoLag.Load(), Golf: e.Golf, RTT: ls.rtt, UDP: ls.udpWorks(time.Now()),
		Members: append([]session.Member(nil), ls.roster...),
	}
	c.mu.Unlock()
	if e.Golf && e.Seat != 0 {
		st.Seat, st.SeatLag = c.nameOf(e.Seat), e.LagOf(e.Seat)
	}
	return st
}
