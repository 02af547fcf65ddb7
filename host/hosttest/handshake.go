package hosttest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

// Handshake runs the core's whole start-up in its order: Dial, Register
// (M64CMD_NETPLAY_INIT and CONTROL_PLAYER), then, inside M64CMD_EXECUTE,
// SyncSettings, SyncSaves and ReadRegistration. It returns once the server
// answers GET_REGISTRATION, which a host does at /start.
//
// A Gopher64 core asks for the registration right after registering, and
// then sends or receives player 1's data (see [FakeCore.Gopher64Data]);
// it returns no settings or saves.
func (c *FakeCore) Handshake(ctx context.Context) (m64p.Registration, m64p.Settings, m64p.Saves, error) {
	if err := c.Dial(ctx); err != nil {
		return m64p.Registration{}, m64p.Settings{}, m64p.Saves{}, err
	}
	if err := c.Register(ctx); err != nil {
		return m64p.Registration{}, m64p.Settings{}, m64p.Saves{}, err
	}
	if c.cfg.Gopher64 {
		c.stage = stageSaves // gopher64 skips settings and saves here
		reg, err := c.ReadRegistration(ctx)
		if err != nil {
			return reg, m64p.Settings{}, m64p.Saves{}, err
		}
		return reg, m64p.Settings{}, m64p.Saves{}, c.syncGopher64(ctx)
	}
	set, err := c.SyncSettings(ctx)
	if err != nil {
		return m64p.Registration{}, m64p.Settings{}, m64p.Saves{}, err
	}
	saves, err := c.SyncSaves(ctx)
	if err != nil {
		return m64p.Registration{}, set, m64p.Saves{}, err
	}
	reg, err := c.ReadRegistration(ctx)
	return reg, set, saves, err
}

var be = binary.BigEndian

// Dial opens the UDP socket on an ephemeral port and the TCP connection to
// the host, as NETPLAY_INIT does, and starts the UDP reader.
func (c *FakeCore) Dial(ctx context.Context) error {
	if c.stage != stageNew {
		return fmt.Errorf("dial: %w", ErrNotReady)
	}
	host := c.cfg.Host
	local := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if host.Addr().IsLoopback() {
		local = netip.AddrPortFrom(host.Addr(), 0)
	}
	udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return fmt.Errorf("dial: open udp socket: %w", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host.String())
	if err != nil {
		udp.Close()
		return fmt.Errorf("dial: connect tcp %v: %w", host, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		udp.Close()
		conn.Close()
		return fmt.Errorf("dial: %w", net.ErrClosed)
	}
	c.tcp, c.udp = conn.(*net.TCPConn), udp
	c.hostUDP = net.UDPAddrFromAddrPort(host)
	c.in, c.udpDone = make(chan []byte, udpQueue), make(chan struct{})
	go c.udpLoop(udp)
	c.stage = stageDialed
	return nil
}

// Register sends REGISTER_PLAYER for every local player, in pad order,
// and reads each 2-byte reply. A spectator sends nothing.
func (c *FakeCore) Register(ctx context.Context) error {
	if c.stage != stageDialed {
		return fmt.Errorf("register: %w", ErrNotReady)
	}
	for _, p := range c.cfg.Players {
		msg := m64p.RegisterPlayer{Player: p, Plugin: c.cfg.Plugin, RawData: c.cfg.RawData, RegID: c.regID}
		var reply [m64p.RegisterReplySize]byte
		err := c.exchange(ctx, "register player", msg, reply[:])
		if err != nil {
			return err
		}
		r, err := m64p.ParseRegisterReply(reply[:])
		if err != nil {
			return fmt.Errorf("register player %d: %w", p, err)
		}
		if !r.Accepted {
			return fmt.Errorf("register player %d: %w", p, ErrPlayerInUse)
		}
		c.bufferTarget = r.BufferTarget
	}
	c.stage = stageRegistered
	return nil
}

// SyncSettings sends the configured settings when this core controls
// player 1, and otherwise asks for them and blocks until the server has
// player 1's. It returns the settings the core runs with.
func (c *FakeCore) SyncSettings(ctx context.Context) (m64p.Settings, error) {
	if c.stage != stageRegistered {
		return m64p.Settings{}, fmt.Errorf("sync settings: %w", ErrNotReady)
	}
	set := c.cfg.Settings
	if c.p1 {
		if err := c.exchange(ctx, "send settings", m64p.SendSettings{Settings: set}, nil); err != nil {
			return m64p.Settings{}, err
		}
	} else {
		var b [m64p.SettingsSize]byte
		if err := c.exchange(ctx, "receive settings", m64p.ReceiveSettings{}, b[:]); err != nil {
			return m64p.Settings{}, err
		}
		set, _ = m64p.ParseSettings(b[:])
	}
	c.stage = stageSettings
	return set, nil
}

// SyncSaves sends the four save components (mpk, eep, fla, sra) when this
// core controls player 1, and otherwise asks for each in that order,
// blocking until the server has it.
func (c *FakeCore) SyncSaves(ctx context.Context) (m64p.Saves, error) {
	var saves m64p.Saves
	if c.stage != stageSettings {
		return saves, fmt.Errorf("sync saves: %w", ErrNotReady)
	}
	for _, f := range m64p.SaveFiles {
		data := c.cfg.Saves[f]
		if data == nil || !c.p1 {
			data = make([]byte, f.Size())
		}
		what := "send save " + f.Ext()
		var msg m64p.TCPMessage = m64p.SendSave{File: f, Data: data}
		var reply []byte
		if !c.p1 {
			what, msg, reply = "receive save "+f.Ext(), m64p.ReceiveSave{File: f}, data
		}
		if err := c.exchange(ctx, what, msg, reply); err != nil {
			return m64p.Saves{}, err
		}
		saves[f] = data
	}
	c.stage = stageSaves
	return saves, nil
}

// ReadRegistration sends GET_REGISTRATION and blocks until the server
// answers with who plays where.
func (c *FakeCore) ReadRegistration(ctx context.Context) (m64p.Registration, error) {
	if c.stage != stageSaves {
		return m64p.Registration{}, fmt.Errorf("get registration: %w", ErrNotReady)
	}
	var b [m64p.RegistrationSize]byte
	if err := c.exchange(ctx, "get registration", m64p.GetRegistration{}, b[:]); err != nil {
		return m64p.Registration{}, err
	}
	reg, err := m64p.ParseRegistration(b[:])
	if err != nil {
		return m64p.Registration{}, fmt.Errorf("get registration: %w", err)
	}
	c.reg = reg
	c.stage = stagePlaying
	return reg, nil
}

// exchange writes msg and then reads exactly len(reply) bytes, under the
// context and HandshakeTimeout.
func (c *FakeCore) exchange(ctx context.Context, what string, msg m64p.TCPMessage, reply []byte) error {
	b, err := msg.AppendTo(nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	err = c.withDeadline(ctx, func() error {
		if _, err := c.tcp.Write(b); err != nil {
			return err
		}
		_, err := io.ReadFull(c.tcp, reply)
		return err
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w: %w", what, ErrServerClosed, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// withDeadline runs fn with the TCP deadline set from ctx and
// HandshakeTimeout; cancelling ctx makes fn's I/O return at once.
func (c *FakeCore) withDeadline(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(c.cfg.HandshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.tcp.SetDeadline(deadline)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.tcp.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := fn()
	if !stop() {
		<-fired
	}
	c.tcp.SetDeadline(time.Time{})
	return err
}

// Gopher64Data returns what a Gopher64 core sent (player 1) or received
// (players 2-4) of player 1's data, valid after Handshake.
func (c *FakeCore) Gopher64Data() Gopher64Data { return c.g64 }

// syncGopher64 is gopher64's exchange after its registration was
// answered: player 1 sends its RNG seed, its clock and six files of their
// own sizes, expecting no reply; players 2-4 ask for each, in turn.
func (c *FakeCore) syncGopher64(ctx context.Context) error {
	d := &c.g64
	if c.p1 {
		be.PutUint64(d.RNG[:], c.cfg.RNG)
		be.PutUint64(d.RTC[:], uint64(c.cfg.RTC))
		for _, m := range []m64p.SendCustom{{Slot: m64p.CustomRNG, Data: d.RNG[:]}, {Slot: m64p.CustomRTC, Data: d.RTC[:]}} {
			if err := c.exchange(ctx, "send custom", m, nil); err != nil {
				return err
			}
		}
		for _, f := range m64p.SizedSaveFiles {
			data := append([]byte{}, c.cfg.SizedSaves[f]...)
			if err := c.exchange(ctx, "send save "+f.Ext(), m64p.SendSave{File: f, Data: data}, nil); err != nil {
				return err
			}
			d.Saves[f] = data
		}
		return nil
	}
	if err := c.exchange(ctx, "receive rng", m64p.ReceiveCustom{Slot: m64p.CustomRNG}, d.RNG[:]); err != nil {
		return err
	}
	if err := c.exchange(ctx, "receive rtc", m64p.ReceiveCustom{Slot: m64p.CustomRTC}, d.RTC[:]); err != nil {
		return err
	}
	for _, f := range m64p.SizedSaveFiles {
		data, err := c.receiveSized(ctx, f)
		if err != nil {
			return err
		}
		d.Saves[f] = data
	}
	return nil
}

// receiveSized asks for save file f with its size, and reads the size and
// then the bytes, refusing a size beyond f's bound.
func (c *FakeCore) receiveSized(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	what := "receive sized save " + f.Ext()
	var size [4]byte
	if err := c.exchange(ctx, what, m64p.ReceiveSizedSave{File: f}, size[:]); err != nil {
		return nil, err
	}
	n := be.Uint32(size[:])
	if n > uint32(f.MaxSize()) {
		return nil, fmt.Errorf("%s: size %d: %w", what, n, m64p.ErrSaveSize)
	}
	data := make([]byte, n)
	err := c.withDeadline(ctx, func() error {
		_, err := io.ReadFull(c.tcp, data)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return data, nil
}
