package direct

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// keepAlive detects a waiting core whose machine vanished (a half-open
// connection) in about Idle+Interval*Count.
const (
	keepAliveIdle     = 15 * time.Second
	keepAliveInterval = 5 * time.Second
	keepAliveCount    = 4
)

// Serve serves a direct core on the session port until its connection
// ends or ctx does. established is called once the core holds a controller
// port or plays.
func (cs *Cores) Serve(ctx context.Context, conn net.Conn, br *bufio.Reader, established func()) {
	if tc, ok := conn.(*net.TCPConn); ok {
		// A core waiting in the lobby sends nothing for as long as the
		// lobby lasts; keepalives tell a vanished machine from a patient one.
		tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true,
			Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount})
	}
	c := &Core{cores: cs, conn: conn, ip: udpsock.AddrPortOf(conn.RemoteAddr()).Addr()}
	cc := &coreserve.Conn{Conn: conn, Backend: c, Logf: cs.cfg.Logf,
		IdleTimeout: cs.cfg.IdleTimeout, MsgTimeout: cs.cfg.MessageTimeout,
		Established: established}
	coreserve.Serve(ctx, cc, br)
}

// errLeft refuses a core whose member left the session.
var errLeft = errors.New("it left the session")

// joinLocked makes the core a member (a spectator until it registers a
// player) the first time. A core whose member left stays out.
func (c *Core) joinLocked(port int) error {
	switch {
	case c.left:
		return errLeft
	case c.joined:
		return nil
	}
	s := c.cores.s
	name := "core"
	if port >= 0 {
		name = fmt.Sprintf("core-p%d", port+1)
		if n := c.cores.names[port]; session.CheckName(n) == nil && !s.NameTaken(n) {
			name = n
		}
	}
	base := name
	for i := 2; s.NameTaken(name); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	c.name = name
	id, err := s.AddCore(c, name, port < 0)
	if err != nil {
		return err
	}
	c.joined, c.id = true, id
	c.cores.all = append(c.cores.all, c)
	return nil
}

func (cs *Cores) bufferTarget() uint8 {
	if cs.cfg.Hooks.Turbo {
		return 0
	}
	return coreserve.BufferTarget
}

// Register claims a player for the core, in the lobby, if its port is free.
func (c *Core) Register(r m64p.RegisterPlayer) (bool, uint8) {
	cs := c.cores
	cs.s.Lock()
	defer cs.s.Unlock()
	k := int(r.Player)
	target := cs.bufferTarget()
	g := cs.s.Game()
	switch {
	case !g.Lobby:
		cs.cfg.Logf("core %v asked for player %d after the start: refused", c.conn.RemoteAddr(), k+1)
		return false, target
	case c.regID != 0 && c.regID != r.RegID, cs.byRegID[r.RegID] != nil && cs.byRegID[r.RegID] != c:
		cs.cfg.Logf("core %v: regid %#x clashes: refused", c.conn.RemoteAddr(), r.RegID)
		return false, target
	case g.Owned.Has(k):
		return false, target
	}
	if err := c.joinLocked(k); err != nil {
		cs.cfg.Logf("core %v: %v", c.conn.RemoteAddr(), err)
		return false, target
	}
	c.regID = r.RegID
	c.p1 = c.p1 || k == 0
	cs.byRegID[r.RegID] = c
	c.ports |= 1 << k
	cs.slots[k] = m64p.Slot{RegID: r.RegID, Plugin: r.Plugin, RawData: r.RawData}
	cs.s.TakePort(c, k)
	return true, target
}

// isPlayer1Locked reports whether the core holds port 1, whose settings
// and saves every other core receives.
func (c *Core) isPlayer1Locked() bool { return c.joined && !c.left && c.ports.Has(0) }

// PutSettings keeps player 1's settings.
func (c *Core) PutSettings(st m64p.Settings) error {
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	if !c.isPlayer1Locked() {
		return fmt.Errorf("settings from a core that is not player 1")
	}
	c.uploaded = true
	c.cores.PutSettings(st)
	return nil
}

// PutSettings keeps player 1's settings, as its core or its bridge sent
// them.
func (cs *Cores) PutSettings(st m64p.Settings) {
	if cs.store.PutSettings(st) {
		cs.s.DataArrived(wire.CoreKindSettings)
	}
}

// PutSave keeps player 1's save file f.
func (c *Core) PutSave(f m64p.SaveFile, data []byte) error {
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	if !c.isPlayer1Locked() {
		return fmt.Errorf("%s save from a core that is not player 1", f.Ext())
	}
	c.uploaded = true
	c.cores.PutSave(f, data)
	return nil
}

// PutSave keeps player 1's save file f, as its core or its bridge sent it.
func (cs *Cores) PutSave(f m64p.SaveFile, data []byte) {
	if !cs.store.Put(coreserve.SaveKind(f), data) {
		return
	}
	if p1 := cs.owner(0); p1 != nil && !p1.lateData {
		cs.savesManifestLocked(p1)
	}
	cs.s.DataArrived(coreserve.SaveKind(f))
}

// savesManifestLocked builds the manifest of a direct core that is
// player 1 from the saves it uploaded, once all of them are in.
func (cs *Cores) savesManifestLocked(c *Core) {
	set, ok := cs.store.SaveSet()
	if !ok {
		return
	}
	cs.s.SavesManifest(c, saves.NewManifest(saves.FamilyMupen64Plus, [32]byte{}, &set, ""))
}

// awaitData waits for player 1's data of kind, which what names.
func (c *Core) awaitData(ctx context.Context, kind uint8, what string) ([]byte, error) {
	return c.awaitPlayer1(ctx, what, func(st *coreserve.Store) (<-chan struct{}, func() ([]byte, bool)) {
		return st.Ready(kind), func() ([]byte, bool) { return st.Get(kind) }
	})
}

// Settings waits for player 1's settings.
func (c *Core) Settings(ctx context.Context) (m64p.Settings, error) {
	_, err := c.awaitData(ctx, wire.CoreKindSettings, "emulator settings")
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	return c.cores.store.Settings(), err
}

// Save waits for player 1's save file f.
func (c *Core) Save(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	return c.awaitData(ctx, coreserve.SaveKind(f), f.Ext()+" save")
}

// Registration waits for the start and returns who plays.
func (c *Core) Registration(ctx context.Context) (m64p.Registration, error) {
	cs := c.cores
	cs.s.Lock()
	err := c.joinLocked(-1)
	started := cs.started
	if err == nil && c.isPlayer1Locked() && !c.uploaded && !c.lateData {
		// gopher64 (up to 1.1.22): player 1 sends its data once the game
		// started, so the start cannot wait for its saves.
		c.lateData = true
		cs.s.AutoStart()
	}
	cs.s.Unlock()
	if err != nil {
		return m64p.Registration{}, err
	}
	err = coreserve.WaitNoting(ctx, started, cs.cfg.Logf, func() string { return fmt.Sprintf("%s waits for /start", c.name) })
	cs.s.Lock()
	defer cs.s.Unlock()
	if err == nil && !c.released { // asking again buys no time
		c.released = true
		c.keyed = c.cores.nowNanos()
		c.seen.Store(c.keyed)
		c.tcpQuiet = c.keyed
	}
	return cs.Registration(cs.s.Game().Active), err
}

// Leave removes the core's member, if it joined.
func (c *Core) Leave(why session.LeaveReason) {
	cs := c.cores
	cs.s.Lock()
	defer cs.s.Unlock()
	if c.p1 && cs.s.Game().Playing && c.joined {
		cs.p1DoneLocked()
	}
	if c.joined {
		if cs.byRegID[c.regID] == c { // a core of the next game may have it
			delete(cs.byRegID, c.regID)
		}
		cs.s.DropCore(c, why)
	}
}

// PutSizedSave keeps gopher64's player 1's save file f, of its own size.
func (c *Core) PutSizedSave(f m64p.SaveFile, data []byte) error {
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	if !c.isPlayer1Locked() {
		return fmt.Errorf("%s save from a core that is not player 1", f.Ext())
	}
	c.uploaded = true
	c.cores.store.PutSized(f, data)
	return nil
}

// PutCustom keeps gopher64's player 1's custom slot k (its clock, its
// random seed).
func (c *Core) PutCustom(k uint8, data []byte) error {
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	if !c.isPlayer1Locked() {
		return fmt.Errorf("custom slot %d from a core that is not player 1", k)
	}
	c.uploaded = true
	c.cores.store.PutCustom(k, data)
	return nil
}

// SizedSave waits for player 1's save file f as gopher64 sent it.
func (c *Core) SizedSave(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	return c.awaitPlayer1(ctx, f.Ext()+" save", func(st *coreserve.Store) (<-chan struct{}, func() ([]byte, bool)) {
		return st.SizedReady(f), func() ([]byte, bool) { return st.Sized(f) }
	})
}

// Custom waits for player 1's custom slot k.
func (c *Core) Custom(ctx context.Context, k uint8) ([]byte, error) {
	what := fmt.Sprintf("custom data %d", k)
	switch k {
	case m64p.CustomRTC:
		what = "clock"
	case m64p.CustomRNG:
		what = "random seed"
	}
	return c.awaitPlayer1(ctx, what, func(st *coreserve.Store) (<-chan struct{}, func() ([]byte, bool)) {
		return st.CustomReady(k), func() ([]byte, bool) { return st.Custom(k) }
	})
}

// errPlayer1Done ends a wait for player 1's data that can no longer come
// (see Cores.p1DoneLocked).
var errPlayer1Done = errors.New("player 1's core will not send it")

// awaitPlayer1 waits for player 1's data that pick names in the game's
// store (what says what in the log), until it is in or player 1's core
// will send no more.
func (c *Core) awaitPlayer1(ctx context.Context, what string, pick func(*coreserve.Store) (<-chan struct{}, func() ([]byte, bool))) ([]byte, error) {
	cs := c.cores
	cs.s.Lock()
	if err := c.joinLocked(-1); err != nil {
		cs.s.Unlock()
		return nil, err
	}
	ready, get := pick(&cs.store)
	done := cs.p1Done
	cs.s.Unlock()
	either := make(chan struct{})
	go func() {
		select {
		case <-ready:
		case <-done:
		case <-ctx.Done():
			return
		}
		close(either)
	}()
	err := coreserve.WaitNoting(ctx, either, cs.cfg.Logf, func() string { return "a core waits for player 1's " + what })
	if err != nil {
		return nil, err
	}
	cs.s.Lock()
	defer cs.s.Unlock()
	data, ok := get()
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, errPlayer1Done)
	}
	return data, nil
}

// Busy keeps a playing core that is busy on TCP (gopher64 sends and
// receives player 1's data after the start) from being dropped for its
// silence on UDP: the time it was busy does not count. Only that time:
// exchanges one after another buy a core no more than they last.
func (c *Core) Busy(busy bool) {
	c.cores.s.Lock()
	defer c.cores.s.Unlock()
	if !c.joined || busy == c.busy {
		return
	}
	now := c.cores.nowNanos()
	if busy {
		c.busyFrom = now
	} else {
		// The silence since the later of its last request and the
		// exchange's start does not count.
		s := c.seen.Load()
		c.seen.Store(s + now - max(s, c.busyFrom))
		c.tcpQuiet = now
	}
	c.busy = busy
}
