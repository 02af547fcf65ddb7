package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"

	"github.com/netpak/netpak/host/m64p"
)

// The bridge offers a client's session to the player's own emulator core
// on 127.0.0.1 with the mupen64plus-core protocol. It authors the local
// player's stream itself (keys reported for count c are the input for poll
// c+lag), so golf mode gives a remote golfer real zero delay; everything
// else travels to the host over netpak's protocol.

// bridgeCore is what a client keeps for its bridge. Guarded by Client.mu.
type bridgeCore struct {
	settings      m64p.Settings
	hasSettings   bool
	settingsReady chan struct{}
	saves         [4][]byte
	hasSave       [4]bool
	saveReady     [4]chan struct{}
	wanted        uint8 // kinds asked of the host
	downloads     wire.CoreAssembly
	started       chan struct{} // closed when the game starts
	slots         m64p.Registration
	turbo         bool
	desync        bool

	registered PortMask            // ports a local core has claimed
	count      uint32              // the furthest count the local core asked for, for Status
	pending    [NumPorts]keyReport // keys for polls not granted yet
	coreAddr   netip.AddrPort      // the local core's UDP address
	sock       *udpsock.Socket     // the bridge's UDP socket
	waits      coreWaits           // what the local core waits for
	events     []m64p.Event
	dgram      []byte
}

// keyReport is a core's latest keys for a count.
type keyReport struct {
	ok    bool
	count uint32
	in    Input
}

func (bc *bridgeCore) init() {
	bc.settingsReady = make(chan struct{})
	for i := range bc.saveReady {
		bc.saveReady[i] = make(chan struct{})
	}
	bc.started = make(chan struct{})
	bc.events = make([]m64p.Event, 0, m64p.MaxEvents)
	bc.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// ListenBridge opens the bridge on a loopback address ("127.0.0.1:0" picks
// a port), TCP and UDP on the same port number, and serves it until the
// client closes. Point the emulator core's netplay at the returned address.
func (c *Client) ListenBridge(addr string) (netip.AddrPort, error) {
	ln, pc, err := ListenPair(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bridge: %w", err)
	}
	c.wg.Go(func() { c.bridgeAcceptLoop(ln) })
	sock := udpsock.New(pc)
	c.mu.Lock()
	c.ls.core.sock = sock
	c.mu.Unlock()
	c.wg.Go(func() { c.bridgeUDPLoop(sock) })
	c.wg.Go(func() {
		<-c.closing
		ln.Close()
		pc.Close()
	})
	return udpsock.AddrPortOf(ln.Addr()), nil
}

func (c *Client) bridgeAcceptLoop(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if !udpsock.AddrPortOf(conn.RemoteAddr()).Addr().IsLoopback() {
			conn.Close()
			continue
		}
		c.wg.Go(func() {
			cc := &coreConn{conn: conn, backend: clientCores{c}, logf: c.logf}
			serveCore(c.ctx, cc, newCoreReader(conn))
		})
	}
}

// clientCores is the bridge's coreBackend.
type clientCores struct{ c *Client }

func (b clientCores) register(cc *coreConn, r m64p.RegisterPlayer) (bool, uint8) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	bc := &c.ls.core
	target := uint8(coreBufferTarget)
	if bc.turbo {
		target = 0
	}
	k := int(r.Player)
	if !c.ports.Has(k) || bc.registered.Has(k) || (cc.regID != 0 && cc.regID != r.RegID) {
		c.logf("bridge: the emulator asked for player %d, which this client does not hold: refused", k+1)
		return false, target
	}
	bc.registered |= 1 << k
	cc.regID, cc.players = r.RegID, cc.players|1<<k
	return true, target
}

func (b clientCores) putSettings(cc *coreConn, st m64p.Settings) error {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !cc.players.Has(0) {
		return errors.New("settings from an emulator that is not player 1")
	}
	c.ls.core.storeLocked(wire.CoreKindSettings, st.AppendTo(nil))
	wire.CoreChunks(wire.CoreKindSettings, st.AppendTo(nil), func(p []byte) { c.send(wire.FrameCoreData, p) })
	return nil
}

func (b clientCores) putSave(cc *coreConn, f m64p.SaveFile, data []byte) error {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !cc.players.Has(0) {
		return fmt.Errorf("%s save from an emulator that is not player 1", f.Ext())
	}
	c.ls.core.storeLocked(uint8(f)+1, data)
	wire.CoreChunks(uint8(f)+1, data, func(p []byte) { c.send(wire.FrameCoreData, p) })
	return nil
}

// storeLocked keeps player 1's data for the local core.
func (bc *bridgeCore) storeLocked(kind uint8, data []byte) {
	if kind == wire.CoreKindSettings {
		if bc.hasSettings {
			return
		}
		bc.settings, _ = m64p.ParseSettings(data)
		bc.hasSettings = true
		close(bc.settingsReady)
		return
	}
	f := kind - 1
	if bc.hasSave[f] {
		return
	}
	bc.saves[f], bc.hasSave[f] = data, true
	close(bc.saveReady[f])
}

// want asks the host for kind (once) and returns the channel closed when
// it is there.
func (b clientCores) want(kind uint8) <-chan struct{} {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	bc := &c.ls.core
	if bc.wanted&(1<<kind) == 0 {
		bc.wanted |= 1 << kind
		c.send(wire.FrameCoreWant, []byte{kind})
	}
	if kind == wire.CoreKindSettings {
		return bc.settingsReady
	}
	return bc.saveReady[kind-1]
}

func (b clientCores) settings(ctx context.Context, cc *coreConn) (m64p.Settings, error) {
	ready := b.want(wire.CoreKindSettings)
	err := b.c.waitBridge(ctx, ready, "player 1's emulator settings")
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.ls.core.settings, err
}

func (b clientCores) save(ctx context.Context, cc *coreConn, f m64p.SaveFile) ([]byte, error) {
	ready := b.want(uint8(f) + 1)
	err := b.c.waitBridge(ctx, ready, fmt.Sprintf("player 1's %s save", f.Ext()))
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.ls.core.saves[f], err
}

func (b clientCores) registration(ctx context.Context, cc *coreConn) (m64p.Registration, error) {
	b.c.mu.Lock()
	started := b.c.ls.core.started
	b.c.mu.Unlock()
	err := b.c.waitBridge(ctx, started, "/start")
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	return b.c.ls.core.slots, err
}

// leave releases the emulator's ports when it stops during a game, so the
// others go on without it instead of waiting for input nobody makes.
func (b clientCores) leave(cc *coreConn, why LeaveReason) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ls.core.registered &^= cc.players
	c.logf("bridge: the emulator left (%v)", why)
	if c.ls.playing && cc.players != 0 {
		c.send(wire.FrameRelease, []byte{byte(cc.players)})
	}
}

// waitBridge waits for ready or ctx, which ends when the client does (it
// derives from the client's context).
func (c *Client) waitBridge(ctx context.Context, ready <-chan struct{}, what string) error {
	return waitNoting(ctx, ready, c.logf, func() string { return "the emulator waits for " + what })
}

// handleCoreData takes player 1's data from the host.
func (c *Client) handleCoreData(p []byte) error {
	d, err := wire.ParseCoreData(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	bc := &c.ls.core
	whole, err := bc.downloads.Add(d)
	if err != nil || whole == nil {
		return err
	}
	if d.Kind == wire.CoreKindSettings {
		if _, err := m64p.ParseSettings(whole); err != nil {
			return err
		}
	}
	bc.storeLocked(d.Kind, whole)
	return nil
}
