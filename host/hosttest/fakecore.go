package hosttest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

// Outcomes a test branches on.
var (
	// ErrLostConnection is the core's "Netplay: lost connection to server":
	// an event stayed missing for InputTimeout. Every later Poll fails too.
	ErrLostConnection = errors.New("lost connection to server")
	// ErrPlayerInUse means the server rejected a REGISTER_PLAYER.
	ErrPlayerInUse = errors.New("player already in use")
	// ErrServerClosed means the server closed TCP during the handshake. The
	// real core would spin forever; a correct host never does this.
	ErrServerClosed = errors.New("server closed the connection during the handshake")
	// ErrNotReady means a step was called out of the handshake's order.
	ErrNotReady = errors.New("fake core not ready for this step")
)

// Defaults of the real core (Debian 2.5.9 where master differs).
const (
	DefaultSyncEvery        = 60 // Debian; master sends every 600 VIs
	DefaultInputTimeout     = 10 * time.Second
	DefaultRequestEvery     = 5 * time.Millisecond
	DefaultHandshakeTimeout = time.Minute
	maxHeldEvents           = 4096 // per player; the real core's list is unbounded
	udpQueue                = 256
)

// FakeCoreConfig configures a [FakeCore]. The zero value of every field
// but Host is a valid default.
type FakeCoreConfig struct {
	// Host is the server; the core uses its TCP and UDP port alike.
	Host netip.AddrPort
	// Players lists the 0-based players this core controls, in the order
	// of its local pads (one CONTROL_PLAYER call each). Empty: spectator.
	Players []uint8
	// Plugin is the pak of every local player; 0 means m64p.PluginNone.
	Plugin m64p.Plugin
	// RawData marks every local player's input plugin as raw.
	RawData bool
	// RegID is the registration id; 0 picks RMG's scheme: random, with the
	// low 3 bits replaced by the first player's 1-based number.
	RegID uint32
	// Settings are sent when this core controls player 1.
	Settings m64p.Settings
	// Saves are sent when this core controls player 1; nil entries travel
	// as zero bytes, the core's "no file".
	Saves m64p.Saves
	// SyncEvery is the number of VIs between SYNC_DATA packets; 0 = 60.
	SyncEvery uint32
	// Gratuitous makes the core understand UDP type 3 as master does.
	// False is Debian's core, which drops type 3 as unknown.
	Gratuitous bool
	// InputTimeout is how long an event may stay missing; 0 = 10 s.
	InputTimeout time.Duration
	// RequestEvery is the re-request period while waiting; 0 = 5 ms.
	RequestEvery time.Duration
	// HandshakeTimeout bounds each blocking TCP step when the context has
	// no earlier deadline; 0 = 1 min. (The real core waits forever.)
	HandshakeTimeout time.Duration
	// Logf receives what the core would log; nil discards it.
	Logf func(format string, args ...any)
	// ClaimHeld, if not 0, is what every request claims the core holds of
	// the player's events, whatever it holds: a core that misreports.
	ClaimHeld uint8
	// SilentKeys makes the core send no keys, only its requests: a core
	// whose key datagrams are all lost, or one that withholds them.
	SilentKeys bool

	// Gopher64 makes the core speak gopher64 1.1.22's netplay: it
	// registers with plugin 0 and regid player+1 and asks for the
	// registration at once; then, as player 1, it sends RNG, RTC and
	// SizedSaves (never settings), and as player 2-4 asks for them. See
	// [FakeCore.Gopher64Data]. Plugin, RawData, RegID, Settings and Saves
	// are not used.
	Gopher64 bool
	// RNG and RTC are gopher64's player 1's random seed and clock (unix
	// seconds).
	RNG uint64
	RTC int64
	// SizedSaves are gopher64's player 1's files, by m64p.SaveFile, each
	// of its own size; nil travels as size 0, "no file".
	SizedSaves [m64p.NumSaveFiles][]byte
}

// Gopher64Data is player 1's data as a gopher64 core sent or received it.
type Gopher64Data struct {
	RNG, RTC [8]byte
	Saves    [m64p.NumSaveFiles][]byte // by m64p.SaveFile; size 0 is an empty slice
}

// PollRecord is what one [FakeCore.Poll] consumed, per player; absent
// players are zero.
type PollRecord struct {
	Keys    [m64p.MaxPlayers]uint32
	Plugins [m64p.MaxPlayers]m64p.Plugin
}

// Stats counts what the core did. Call [FakeCore.Stats] from the
// goroutine that polls, or after it.
type Stats struct {
	Polls, KeyInfos, Requests, SyncSent uint64
	// Replies counts key-info datagrams processed.
	Replies uint64
	// Waits counts, per player, the polls at which the player's event was
	// missing when the core asked for it, so that the core waited.
	Waits [m64p.MaxPlayers]uint64
	// Unknown counts datagrams of a type the core does not handle
	// (including type 3 when !Gratuitous), as "received unknown message".
	Unknown uint64
	// Malformed counts datagrams the codec rejected.
	Malformed uint64
	// Stale counts events in the past; Duplicate events already held;
	// Overflow events dropped because maxHeldEvents were held.
	Stale, Duplicate, Overflow uint64
	// LimiterOn and LimiterOff count the core's speed-limiter decisions,
	// one per input request: off while the server reports lag and more
	// than BufferTarget events are held.
	LimiterOn, LimiterOff uint64
	// LimiterOffNow is the latest decision.
	LimiterOffNow bool
	// QueueDrops counts datagrams lost because the fake's queue was full.
	QueueDrops uint64
	Status     m64p.Status
	Lag        [m64p.MaxPlayers]uint8
}

// FakeCore is one emulator's netplay client. Create it with [NewFakeCore],
// run [FakeCore.Handshake] (or its steps in order), then [FakeCore.Poll]
// once per controller poll and [FakeCore.NewVI] once per VI, and finally
// [FakeCore.Close]. Its methods are not safe for concurrent use, except
// Close, which may be called from any goroutine and makes a blocked call
// return.
type FakeCore struct {
	// Immutable after NewFakeCore.
	cfg   FakeCoreConfig
	regID uint32
	local [m64p.MaxPlayers]bool
	p1    bool // controls player 1: source of settings and saves

	// Guarded by mu: the sockets, set once by Dial.
	mu     sync.Mutex
	tcp    *net.TCPConn
	udp    *net.UDPConn
	closed bool

	// Owned by udpLoop until it closes in.
	in         chan []byte
	udpDone    chan struct{}
	udpErr     error
	queueDrops atomic.Uint64

	// Owned by the caller of the handshake steps and Poll.
	hostUDP      *net.UDPAddr
	stage        stage
	bufferTarget uint8
	reg          m64p.Registration
	count        [m64p.MaxPlayers]uint32
	held         [m64p.MaxPlayers]map[uint32]m64p.Event
	vi           uint32
	lost         bool
	stats        Stats
	history      []PollRecord
	g64          Gopher64Data
}

// stage is how far the handshake got; each step requires the one before.
type stage int

const (
	stageNew stage = iota
	stageDialed
	stageRegistered
	stageSettings
	stageSaves
	stagePlaying
)

// NewFakeCore checks cfg and returns a core that has not connected yet.
func NewFakeCore(cfg FakeCoreConfig) (*FakeCore, error) {
	if !cfg.Host.IsValid() {
		return nil, errors.New("fake core: no host address")
	}
	if err := cfg.Saves.Validate(); err != nil {
		return nil, fmt.Errorf("fake core: %w", err)
	}
	c := &FakeCore{cfg: cfg, regID: cfg.RegID}
	for _, p := range cfg.Players {
		if p >= m64p.MaxPlayers || c.local[p] {
			return nil, fmt.Errorf("fake core: player %d out of range or listed twice", p)
		}
		c.local[p] = true
	}
	c.p1 = c.local[0]
	if cfg.Gopher64 {
		if len(cfg.Players) != 1 {
			return nil, errors.New("fake core: gopher64 controls exactly one player")
		}
		c.regID = uint32(cfg.Players[0]) + 1
	}
	for f, d := range cfg.SizedSaves {
		if len(d) > m64p.SaveFile(f).MaxSize() {
			return nil, fmt.Errorf("fake core: sized save %s of %d bytes: %w", m64p.SaveFile(f), len(d), m64p.ErrSaveSize)
		}
	}
	if c.regID == 0 && len(cfg.Players) > 0 {
		c.regID = rand.Uint32()&^7 | uint32(cfg.Players[0]+1)
	}
	for i := range c.held {
		c.held[i] = make(map[uint32]m64p.Event)
	}
	c.setDefaults()
	return c, nil
}

func (c *FakeCore) setDefaults() {
	d := &c.cfg
	if d.Plugin == 0 && !d.Gopher64 {
		d.Plugin = m64p.PluginNone
	}
	if d.SyncEvery == 0 {
		d.SyncEvery = DefaultSyncEvery
	}
	if d.InputTimeout <= 0 {
		d.InputTimeout = DefaultInputTimeout
	}
	if d.RequestEvery <= 0 {
		d.RequestEvery = DefaultRequestEvery
	}
	if d.HandshakeTimeout <= 0 {
		d.HandshakeTimeout = DefaultHandshakeTimeout
	}
}

func (c *FakeCore) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

// RegID returns the registration id this core sends (0 for a spectator).
func (c *FakeCore) RegID() uint32 { return c.regID }

// UDPAddr returns the core's local UDP address, valid after Dial.
func (c *FakeCore) UDPAddr() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.udp == nil {
		return netip.AddrPort{}
	}
	return c.udp.LocalAddr().(*net.UDPAddr).AddrPort()
}

// History returns a copy of every poll's consumed inputs, in order.
func (c *FakeCore) History() []PollRecord {
	return append([]PollRecord(nil), c.history...)
}

// Stats returns the counters so far.
func (c *FakeCore) Stats() Stats {
	s := c.stats
	s.QueueDrops = c.queueDrops.Load()
	return s
}

// Close sends DISCONNECT_NOTICE if connected, closes both sockets and
// waits for the UDP reader to end. A second call returns an error
// wrapping net.ErrClosed.
func (c *FakeCore) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("fake core: close: %w", net.ErrClosed)
	}
	c.closed = true
	tcp, udp := c.tcp, c.udp
	c.mu.Unlock()
	var err error
	if tcp != nil {
		err = c.sendDisconnect(tcp)
		tcp.Close()
	}
	if udp != nil {
		udp.Close()
		<-c.udpDone
	}
	return err
}

func (c *FakeCore) sendDisconnect(tcp *net.TCPConn) error {
	b, _ := m64p.DisconnectNotice{RegID: c.regID}.AppendTo(nil)
	tcp.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := tcp.Write(b); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("fake core: send disconnect notice: %w", err)
	}
	return nil
}
