package direct

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/saves"
)

// Session is the session direct cores take part in. Its lock guards
// [Cores] and every [Core] as well. Every method but Lock and Unlock is
// called with it held; it may call the methods of Cores that expect the
// lock held (Push, Remove, Start, Registration …), never Serve or
// HandleDatagram, which take it.
type Session interface {
	sync.Locker
	// Game is the session's game as cores read it.
	Game() Game
	// NameTaken reports whether a member is called name.
	NameTaken(name string) bool
	// AddCore adds c to the session as a member called name (a spectator
	// until it takes a port) and returns its member id; it fails when the
	// session is full.
	AddCore(c *Core, name string, spectator bool) (uint16, error)
	// TakePort gives c, which joined, free port k and tells everyone.
	TakePort(c *Core, k int)
	// DropCore removes c's member for why.
	DropCore(c *Core, why session.LeaveReason)
	// AutoStart starts the game if autostart may now.
	AutoStart()
	// AuthorLimit is the first poll c may not publish input for yet.
	AuthorLimit(c *Core) uint32
	// Authored relays n inputs c just published on port k from poll from.
	Authored(c *Core, k int, from uint32, n int)
	// Pressed tells the session c pressed keys in the game, published or
	// not: in golf mode the golf button takes c the golf seat, as a netpak
	// client's press does.
	Pressed(c *Core, keys uint32)
	// CompareCP0 judges c's CPU registers at a VI.
	CompareCP0(c *Core, d m64p.SyncData)
	// DataArrived serves the members waiting for player 1's data of kind.
	DataArrived(kind uint8)
	// SavesManifest makes mf, built from the saves player 1's core c
	// uploaded, c's manifest: only its saves are known.
	SavesManifest(c *Core, mf saves.Manifest)
	// Dropped counts a datagram dropped as malformed or a stranger's.
	Dropped()
}

// Game is what cores read of the session's game. Its pointers are the
// session's own, to be read only while its lock is held.
type Game struct {
	Lobby     bool             // no game has started
	Playing   bool             // a game runs
	Owned     session.PortMask // ports that have a player
	Active    session.PortMask // ports in the running game
	Streams   *[session.NumPorts]lockstep.Stream
	EmptyFrom *[session.NumPorts]uint32 // first poll a port reads empty; lockstep.NotEmpty if none
	Sched     *lockstep.Schedule
	Desync    bool // a desync was found: every reply says so
}

// Config is how a session serves its direct cores.
type Config struct {
	Logf func(format string, args ...any) // must not be nil
	// Gratuitous sends cores each new input unasked; see host.Config.
	Gratuitous bool
	// IdleTimeout and MessageTimeout bound a core's handshake; see
	// coreserve.Conn.
	IdleTimeout, MessageTimeout time.Duration
	Hooks                       testhook.Hooks
	// Now is the session's clock; nil means time.Now.
	Now func() time.Time
}

// Cores is a session's direct cores and what it keeps for mupen64plus-core
// clients, direct and bridged: player 1's settings and saves, and the
// registration table. Init it before use. It is guarded by the session's
// lock: Serve and HandleDatagram take it, and every other method expects
// it held.
type Cores struct {
	// Immutable after Init: read without the lock.
	cfg Config
	s   Session

	// Guarded by the session's lock; cleared by Reset.
	store   coreserve.Store          // player 1's settings and saves
	names   [session.NumPorts]string // what to call the core of each port; see SetNames
	started chan struct{}            // closed when the game starts
	startAt int64                    // unix nanos the game started
	p1Done  chan struct{}            // closed when player 1's core will send no more data (p1DoneLocked)

	slots   [session.NumPorts]m64p.Slot // per port, as cores registered it
	byRegID map[uint32]*Core
	all     []*Core // the cores that are members

	events []m64p.Event // reply scratch
	dgram  []byte

	// Guarded by the session's lock; kept by Reset.
	repeated uint64 // inputs made up as repeats of lost keys (repeatLostLocked)
}

// Repeated returns how many inputs of cores' ports the host has made up
// as repeats, their keys lost. The session's lock must be held.
func (cs *Cores) Repeated() uint64 { return cs.repeated }

// Init readies cs for session s.
func (cs *Cores) Init(s Session, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cs.cfg, cs.s = cfg, s
	cs.Reset()
}

// Reset forgets everything but the session and its config: a game ended,
// and its cores left with it.
func (cs *Cores) Reset() {
	for _, c := range cs.all {
		c.stopCopiesLocked()
	}
	cs.store = coreserve.Store{}
	cs.store.Init()
	cs.names = [session.NumPorts]string{}
	cs.started = make(chan struct{})
	cs.p1Done = make(chan struct{})
	cs.slots = [session.NumPorts]m64p.Slot{}
	cs.byRegID = make(map[uint32]*Core)
	cs.all = nil
	cs.events = make([]m64p.Event, 0, m64p.MaxEvents)
	cs.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// SetNames names the cores that will register the ports: names[k] for
// port k+1. A core whose name is empty, not a valid name or taken keeps
// "core-pN".
func (cs *Cores) SetNames(names [session.NumPorts]string) { cs.names = names }

// Start tells the cores waiting for their registration that the game
// started. A direct core that is player 1 and sent its data before it
// asked for its registration has sent all it will; gopher64's player 1
// sends its data after the start (see Core.lateData), and a netpak player
// 1's emulator starts with the game (see player1DoneLocked).
func (cs *Cores) Start() {
	close(cs.started)
	cs.startAt = cs.nowNanos()
	if p1 := cs.owner(0); p1 != nil && p1.uploaded && !p1.lateData {
		cs.p1DoneLocked()
	}
}

// netpakP1Grace is how long, in drop timeouts, a netpak player 1's
// emulator has after the start to send its settings and saves through its
// bridge: it loads the game first, in seconds; a player 1 that plays
// netpak's simulated game sends none.
const netpakP1Grace = 5

// player1DoneLocked ends the waits for player 1's data that is not in once
// player 1 will send no more (p1DoneLocked): its port reads empty (it
// left, or its emulator stopped), it is a direct core that plays and has
// been quiet on TCP for the drop timeout, or it is a netpak player whose
// emulator has not sent it within netpakP1Grace drop timeouts of the
// start. now is unix nanoseconds.
func (cs *Cores) player1DoneLocked(now int64, timeout time.Duration, g Game) {
	p1 := cs.owner(0)
	switch {
	case !g.Active.Has(0), g.EmptyFrom[0] != lockstep.NotEmpty:
	case p1 != nil && p1.released && !p1.busy && now-p1.tcpQuiet > int64(timeout):
	case p1 == nil && now-cs.startAt > netpakP1Grace*int64(timeout):
	default:
		return
	}
	cs.p1DoneLocked()
}

// Remove forgets c: its member left the session. Its connection ends
// with it: a core the host dropped would otherwise keep the connection,
// and what serves it, for as long as it liked, and could register again
// on it in the next game's lobby.
func (cs *Cores) Remove(c *Core) {
	c.left = true
	c.stopCopiesLocked()
	c.conn.Close()
	if cs.s.Game().Lobby {
		// Its ports are free again: whoever takes one next registers it
		// anew (a netpak player as no plugin, not as this core's pad).
		for k := range session.NumPorts {
			if c.ports.Has(k) && cs.slots[k].RegID == c.regID {
				cs.slots[k] = m64p.Slot{}
			}
		}
	}
	for i, o := range cs.all {
		if o == c {
			cs.all = append(cs.all[:i], cs.all[i+1:]...)
			return
		}
	}
}

// Data returns player 1's data of kind, if it arrived.
func (cs *Cores) Data(kind uint8) ([]byte, bool) { return cs.store.Get(kind) }

// Registration is what every core receives: cores' own entries, and an
// entry for each active port a netpak client plays.
func (cs *Cores) Registration(active session.PortMask) m64p.Registration {
	var reg m64p.Registration
	for k := range session.NumPorts {
		if !active.Has(k) {
			continue
		}
		reg[k] = cs.slots[k]
		if reg[k].RegID == 0 {
			reg[k] = m64p.Slot{RegID: uint32(k+1) | 0x4e500000, Plugin: m64p.PluginNone}
		}
	}
	return reg
}

// p1DoneLocked ends every wait for player 1's data that is not in: in a
// running game, player 1's core will send no more. It left, or sent all it
// had before the start, or plays and has been quiet on TCP for a drop
// timeout (gopher64's player 1 sends its data right after the start).
// Otherwise a core could wait for data that never comes, for good,
// holding its port and the game with it.
func (cs *Cores) p1DoneLocked() {
	select {
	case <-cs.p1Done:
	default:
		close(cs.p1Done)
	}
}

// owner returns the core that holds port k, if a core does.
func (cs *Cores) owner(k int) *Core {
	for _, c := range cs.all {
		if c.ports.Has(k) {
			return c
		}
	}
	return nil
}

// Core is one direct core: its connection, and what it adds as a member.
type Core struct {
	cores *Cores

	// Immutable after NewCore.
	conn net.Conn
	ip   netip.Addr // its TCP peer; its datagrams must come from there

	// Guarded by the session's lock.
	joined   bool   // it is (or was) a member
	left     bool   // its member left
	id       uint16 // its member id
	name     string
	regID    uint32
	p1       bool // it registered player 1
	uploaded bool // it sent player 1's data: settings, a save or a custom slot
	ports    session.PortMask
	authors  [session.NumPorts]lockstep.Author
	released bool  // GET_REGISTRATION answered: it plays now
	keyed    int64 // unix nanos of its last keys that published, or of its release
	lacking  lacking
	waits    coreserve.Waits
	lost     [session.NumPorts]lostKeys // its own ports' inputs it waits for and the host lacks
	// lateData: it holds player 1 and asked for the registration before
	// it sent any data (gopher64 up to 1.1.22, which uploads once the game
	// started): the start check does not wait for its saves.
	lateData bool
	busy     bool            // a TCP exchange is under way: its UDP silence does not count
	busyFrom int64           // unix nanos the exchange began
	tcpQuiet int64           // unix nanos its last TCP exchange (or its release) ended
	health   health          // its buffer, as its requests report it, for autolag
	copies   copies          // what it gets again, from its copy timer
	sock     *udpsock.Socket // socket its datagrams arrive on
	addr     netip.AddrPort  // where its datagrams come from; zero until its first request

	seen atomic.Int64 // unix nanos of its last request, less the time it was busy since
}

// Conn is the core's TCP connection.
func (c *Core) Conn() net.Conn { return c.conn }

// IP is the address the core connected from.
func (c *Core) IP() netip.Addr { return c.ip }

// LateData reports whether the core is gopher64's player 1, which sends
// its data only after the start: the start check does not wait for it.
func (c *Core) LateData() bool { return c.lateData }

// nowNanos is the session's clock in unix nanoseconds.
func (cs *Cores) nowNanos() int64 { return cs.cfg.Now().UnixNano() }
