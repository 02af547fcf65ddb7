package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// The bridge offers a client's session to the player's own emulator core
// on 127.0.0.1 with the mupen64plus-core protocol. It authors the local
// player's stream itself (keys reported for count c are the input for poll
// c+lag), so golf mode gives a remote golfer real zero delay; everything
// else travels to the host over netpak's protocol.

// bridgeCore is what a client keeps for its bridge. Guarded by Client.mu.
type bridgeCore struct {
	store     coreserve.Store // player 1's settings and saves
	wanted    uint8           // kinds asked of the host
	downloads wire.Assembly
	started   chan struct{} // closed when the game starts
	slots     m64p.Registration
	turbo     bool
	desync    bool

	registered session.PortMask            // ports a local core has claimed
	count      uint32                      // the furthest count the local core asked for, for Status
	pending    [session.NumPorts]keyReport // keys for polls not granted yet
	coreAddr   netip.AddrPort              // the local core's UDP address
	bridge     *Bridge                     // the newest bridge: pushes go out on its socket
	waits      coreserve.Waits             // what the local core waits for
	events     []m64p.Event
	dgram      []byte
}

// keyReport is a core's latest keys for a count.
type keyReport struct {
	ok    bool
	count uint32
	in    session.Input
}

func (bc *bridgeCore) init() {
	bc.store.Init()
	bc.started = make(chan struct{})
	bc.events = make([]m64p.Event, 0, m64p.MaxEvents)
	bc.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// Bridge is the bridge of one game: a console opens one as each game
// starts, and that game's emulator core talks to the session through it.
// Once its game is over, or its client has stopped (it lost the host, or
// was kicked), it only feeds its core blank inputs: a mupen64plus core
// that waits for an input cannot stop (it gave up on the server 10 s
// later), and with an input it reaches its next frame, where the stop
// lands. Nothing its core does reaches a later game. Close it when the
// emulator has exited; the client's Close closes it too.
type Bridge struct {
	c    *Client
	game uint32 // c.ls.games when it opened: its game is over when they differ
	addr netip.AddrPort
	ln   net.Listener
	sock *udpsock.Socket
	ctx  context.Context    // ends when it closes
	stop context.CancelFunc // ends ctx

	// Under c.mu.
	paks  [session.NumPorts]m64p.Plugin // its game's registration, for blank inputs
	dgram []byte
}

// ListenBridge opens a bridge on a loopback address ("127.0.0.1:0" picks
// a port), TCP and UDP on the same port number, for the game that is
// starting (or, in the lobby, the next one), and serves it until it or
// the client closes: a client that stopped by itself keeps it for its
// emulator. Point the emulator core's netplay at its Addr.
func (c *Client) ListenBridge(addr string) (*Bridge, error) {
	ln, pc, err := listen.Pair(addr)
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	b := &Bridge{c: c, addr: udpsock.AddrPortOf(ln.Addr()), ln: ln, sock: udpsock.New(pc), dgram: make([]byte, 0, m64p.MaxDatagram)}
	// Not the client's context: the bridge outlives a client that stopped
	// until its emulator has.
	b.ctx, b.stop = context.WithCancel(context.Background())
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		b.stop()
		ln.Close()
		pc.Close()
		return nil, fmt.Errorf("bridge: %w", net.ErrClosed)
	}
	b.game = c.ls.games
	c.ls.core.bridge = b
	c.bridges = append(c.bridges, b)
	c.mu.Unlock()
	c.wg.Go(b.acceptLoop)
	c.wg.Go(b.udpLoop)
	c.wg.Go(func() {
		<-b.ctx.Done()
		ln.Close()
		pc.Close()
	})
	return b, nil
}

// Addr is where the bridge listens, TCP and UDP.
func (b *Bridge) Addr() netip.AddrPort { return b.addr }

// Close stops the bridge and ends its core's connections.
func (b *Bridge) Close() error {
	b.stop()
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ls.core.bridge == b {
		c.ls.core.bridge = nil
	}
	c.bridges = slices.DeleteFunc(c.bridges, func(o *Bridge) bool { return o == b })
	return nil
}

// closeBridges closes every bridge of c (Client.Close).
func (c *Client) closeBridges() {
	c.mu.Lock()
	open := slices.Clone(c.bridges)
	c.mu.Unlock()
	for _, b := range open {
		b.Close()
	}
}

// liveLocked reports whether the bridge's game is the client's game and
// the client plays it.
func (b *Bridge) liveLocked() bool { return b.c.ls.games == b.game && !b.c.failed.Load() }

func (b *Bridge) acceptLoop() {
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			return
		}
		if !udpsock.AddrPortOf(conn.RemoteAddr()).Addr().IsLoopback() {
			conn.Close()
			continue
		}
		b.c.wg.Go(func() {
			cc := &coreserve.Conn{Conn: conn, Backend: &bridgeLink{b: b, c: b.c}, Logf: b.c.logf}
			coreserve.Serve(b.ctx, cc, coreserve.NewReader(conn))
		})
	}
}

// errGameOver refuses what a core of an ended game asks of its bridge.
var errGameOver = errors.New("bridge: the game is over")

// bridgeLink is the bridge's coreserve.Backend for one connection of
// the local emulator.
type bridgeLink struct {
	b *Bridge
	c *Client

	// Under c.mu.
	regID   uint32
	players session.PortMask
}

func (l *bridgeLink) Register(r m64p.RegisterPlayer) (bool, uint8) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	bc := &c.ls.core
	target := uint8(coreserve.BufferTarget)
	if bc.turbo {
		target = 0
	}
	k := int(r.Player)
	if !l.b.liveLocked() {
		c.logf("bridge: the emulator of an ended game asked for player %d: refused", k+1)
		return false, target
	}
	if !c.ports.Has(k) || bc.registered.Has(k) || (l.regID != 0 && l.regID != r.RegID) {
		c.logf("bridge: the emulator asked for player %d, which this client does not hold: refused", k+1)
		return false, target
	}
	bc.registered |= 1 << k
	l.regID, l.players = r.RegID, l.players|1<<k
	return true, target
}

func (l *bridgeLink) PutSettings(st m64p.Settings) error {
	return l.upload(wire.CoreKindSettings, st.AppendTo(nil), "settings")
}

func (l *bridgeLink) PutSave(f m64p.SaveFile, data []byte) error {
	return l.upload(coreserve.SaveKind(f), data, f.Ext()+" save")
}

// upload keeps player 1's data for the local core and sends it to the
// host for everyone else's.
func (l *bridgeLink) upload(kind uint8, data []byte, what string) error {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !l.b.liveLocked() {
		return errGameOver
	}
	if !l.players.Has(0) {
		return fmt.Errorf("%s from an emulator that is not player 1", what)
	}
	c.ls.core.store.Put(kind, data)
	wire.CoreChunks(kind, data, func(p []byte) { c.send(wire.FrameCoreData, p) })
	return nil
}

// download asks the host for kind (once), waits for it and returns it.
func (l *bridgeLink) download(ctx context.Context, kind uint8, what string) ([]byte, error) {
	c := l.c
	c.mu.Lock()
	live := l.b.liveLocked()
	c.mu.Unlock()
	if !live {
		return nil, errGameOver
	}
	if err := c.awaitCoreData(ctx, kind, what); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	data, _ := c.ls.core.store.Get(kind)
	return data, nil
}

// awaitCoreData asks the host for player 1's data of kind (once) and waits
// until it is in c.ls.core.store; what names it for the log.
func (c *Client) awaitCoreData(ctx context.Context, kind uint8, what string) error {
	c.mu.Lock()
	bc := &c.ls.core
	if bc.wanted&(1<<kind) == 0 {
		bc.wanted |= 1 << kind
		c.send(wire.FrameCoreWant, []byte{kind})
	}
	ready := bc.store.Ready(kind)
	c.mu.Unlock()
	return c.waitBridge(ctx, ready, "player 1's "+what)
}

// StartSaves waits for the save files player 1's emulator read when the
// running game started, which the host keeps (the first copy of each),
// and returns them. A player 1 who rejoins replays the game from its
// first poll, and mupen64plus reads player 1's saves from disk: the
// replay must start from these, not from what the game wrote since.
func (c *Client) StartSaves(ctx context.Context) (saves.Set, error) {
	for _, f := range m64p.SaveFiles {
		if err := c.awaitCoreData(ctx, coreserve.SaveKind(f), f.Ext()+" save"); err != nil {
			return saves.Set{}, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	set, ok := c.ls.core.store.SaveSet()
	if !ok {
		return set, errors.New("a new game started meanwhile") // it reset the store
	}
	return set, nil
}

func (l *bridgeLink) Settings(ctx context.Context) (m64p.Settings, error) {
	_, err := l.download(ctx, wire.CoreKindSettings, "emulator settings")
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.c.ls.core.store.Settings(), err
}

func (l *bridgeLink) Save(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	return l.download(ctx, coreserve.SaveKind(f), f.Ext()+" save")
}

func (l *bridgeLink) Registration(ctx context.Context) (m64p.Registration, error) {
	c := l.c
	c.mu.Lock()
	started := c.ls.core.started
	c.mu.Unlock()
	err := c.waitBridge(ctx, started, "/start")
	c.mu.Lock()
	defer c.mu.Unlock()
	if !l.b.liveLocked() {
		return m64p.Registration{}, errGameOver
	}
	slots := c.ls.core.slots
	for k := range session.NumPorts {
		l.b.paks[k] = slots[k].Plugin
	}
	return slots, err
}

// Leave releases the emulator's ports when it stops during a game, so the
// others go on without it instead of waiting for input nobody makes.
func (l *bridgeLink) Leave(why session.LeaveReason) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logf("bridge: the emulator left (%v)", why)
	if !l.b.liveLocked() {
		return // the ports are the next game's
	}
	c.ls.core.registered &^= l.players
	if c.ls.playing && l.players != 0 && !c.quitting.Load() {
		c.send(wire.FrameRelease, []byte{byte(l.players)})
	}
}

// waitBridge waits for ready or ctx, which ends when the client does (it
// derives from the client's context).
func (c *Client) waitBridge(ctx context.Context, ready <-chan struct{}, what string) error {
	return coreserve.WaitNoting(ctx, ready, c.logf, func() string { return "the emulator waits for " + what })
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
	whole, done, err := bc.downloads.Add(d)
	if err != nil || !done {
		return err
	}
	if d.Kind == wire.CoreKindSettings {
		if _, err := m64p.ParseSettings(whole); err != nil {
			return err
		}
	}
	bc.store.Put(d.Kind, whole)
	return nil
}
