package host

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/limit"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/room"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
)

// helloTimeout bounds the wait for a new connection's first message.
const helloTimeout = 5 * time.Second

// Config configures a Host. The zero value is a valid session with lag 0;
// netpak's console fills in [session.DefaultLag].
type Config struct {
	Lag         uint8         // session lag in polls
	Golf        bool          // golf mode on from the start
	GolfMask    uint32        // buttons that take the golf seat; 0 means session.DefaultGolfMask
	DropTimeout time.Duration // silence before a member is dropped; 0 means session.DefaultDropTimeout
	AutoStart   int           // start when this many players joined; 0 waits for /start
	// AutoLag makes the host follow the network with the lag: the
	// smallest lag that holds full speed for every pair of players, from
	// their measured round trips and jitter (see lockstep.WorstPair). A
	// player's /lag N turns it off; /autolag turns it on again.
	AutoLag bool

	// Gratuitous sends direct cores each new input unasked (UDP type 3),
	// as mupen64plus-core master understands. Off by default: Debian's
	// core (2.5.9) drops type 3 as unknown.
	Gratuitous bool
	// Now, if set, is the host's clock; it defaults to time.Now.
	Now func() time.Time

	// Logf, if set, receives diagnostics. Session events go to OnEvent.
	Logf func(format string, args ...any)
	// OnEvent, if set, receives session events as the host sees them. It is
	// called with the session lock held and must not block or call back.
	OnEvent func(session.Event)

	// limits are the admission limits; zero fields mean the defaults.
	limits limits
	hooks  testhook.Hooks
}

// WithTestHooks returns cfg with test-only behaviours; only tests under
// host/ can name them.
func WithTestHooks(cfg Config, h testhook.Hooks) Config {
	cfg.hooks = h
	return cfg
}

func (c *Config) golfMask() uint32 {
	if c.GolfMask == 0 {
		return session.DefaultGolfMask
	}
	return c.GolfMask
}

func (c *Config) dropTimeout() time.Duration {
	if c.DropTimeout <= 0 {
		return session.DefaultDropTimeout
	}
	return c.DropTimeout
}

// Host serves one netpak session. Create it with New, give it sockets with
// Serve (more than once for several networks, e.g. loopback and a tunnel),
// and stop it with Close. Its methods are safe for concurrent use.
type Host struct {
	cfg      Config
	ownerKey [16]byte
	limits   limits           // cfg.limits with defaults
	joining  *limit.PerSource // connections that have not joined, per source

	closing   chan struct{}      // closed by Close
	ctx       context.Context    // ends at Close: every wait of the host's goroutines derives from it
	cancel    context.CancelFunc // ends ctx
	closeOnce sync.Once
	wg        sync.WaitGroup // every goroutine the host started

	lnMu      sync.Mutex
	listeners []net.Listener
	sockets   []*udpsock.Socket

	room *room.Room // the session; safe for concurrent use

	// relayObserver, if set by a benchmark, sees the time each inputs
	// datagram spent in the host.
	relayObserver func(time.Duration)
}

// New returns a Host for one session.
func New(cfg Config) *Host {
	h := &Host{cfg: cfg, closing: make(chan struct{}), limits: cfg.limits.withDefaults()}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.joining = limit.NewPerSource(h.limits.joiningPerIP)
	if _, err := rand.Read(h.ownerKey[:]); err != nil {
		panic(fmt.Sprintf("netpak: no randomness: %v", err))
	}
	h.room = room.New(room.Config{Lag: cfg.Lag, Golf: cfg.Golf, GolfMask: cfg.golfMask(), DropTimeout: cfg.dropTimeout(),
		AutoStart: cfg.AutoStart, AutoLag: cfg.AutoLag, Gratuitous: cfg.Gratuitous, OwnerKey: h.ownerKey,
		Now: h.now, Logf: h.logf, OnEvent: cfg.OnEvent,
		CoreIdleTimeout: h.limits.coreIdleTimeout, CoreMessageTimeout: h.limits.coreMessageTimeout, Hooks: cfg.hooks})
	h.wg.Go(h.tickLoop)
	return h
}

// OwnerKey returns the key that makes a client the host's own player, the
// only one allowed to start the game. Give it to the local client only.
func (h *Host) OwnerKey() [16]byte { return h.ownerKey }

// Serve serves the session on ln (TCP) and pc (UDP), which should share a
// port number. It blocks until Close or until ln fails, and returns ErrClosed
// after Close. Either may be nil.
func (h *Host) Serve(ln net.Listener, pc net.PacketConn) error {
	h.lnMu.Lock()
	select {
	case <-h.closing:
		h.lnMu.Unlock()
		return session.ErrClosed
	default:
	}
	var sock *udpsock.Socket
	if pc != nil {
		sock = udpsock.New(pc)
		h.sockets = append(h.sockets, sock)
	}
	if ln != nil {
		h.listeners = append(h.listeners, ln)
	}
	if sock != nil {
		// Under lnMu, so that Close, which closes the sockets under it
		// before it waits, never waits while a goroutine is being added.
		h.wg.Go(func() { h.udpLoop(sock) })
	}
	h.lnMu.Unlock()

	if ln == nil {
		<-h.closing
		return session.ErrClosed
	}
	return h.acceptLoop(ln)
}

func (h *Host) acceptLoop(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-h.closing:
				return session.ErrClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		// Refused here, before a goroutine or a buffer exists for it.
		t, refused := h.joining.Acquire(sourceKey(c.RemoteAddr()))
		if t == nil {
			c.Close()
			if refused&(refused-1) == 0 { // 1, 2, 4, …: the log stays short
				h.logf("refused a connection from %v: %d of its connections are still joining (%d refused so far)",
					c.RemoteAddr(), h.limits.joiningPerIP, refused)
			}
			continue
		}
		h.lnMu.Lock()
		select {
		case <-h.closing: // Close is waiting for the goroutines it knows
			h.lnMu.Unlock()
			t.Release()
			c.Close()
			return session.ErrClosed
		default:
		}
		h.wg.Go(func() {
			defer t.Release()
			h.serveConn(c, t)
		})
		h.lnMu.Unlock()
	}
}

// serveConn tells netpak's protocol from others by the first byte. t
// counts the connection against its source's limit until it has joined.
func (h *Host) serveConn(c net.Conn, t *limit.Slot) {
	c.SetReadDeadline(time.Now().Add(helloTimeout))
	br := bufio.NewReaderSize(c, 4096)
	first, err := br.Peek(1)
	switch {
	case err != nil:
		c.Close()
	case session.IsNetpakStream(first[0]):
		h.serveNetpak(c, br, t.Release)
	case m64p.IsM64PTCP(first[0]):
		h.room.Cores().Serve(h.ctx, c, br, t.Release)
	default:
		c.Close()
	}
}

// Close stops the session: it closes every socket, tells nobody (clients
// see the connection close), and waits for every goroutine. A second Close
// returns an error wrapping net.ErrClosed.
func (h *Host) Close() error {
	err := fmt.Errorf("close host: %w", net.ErrClosed)
	h.closeOnce.Do(func() {
		err = nil
		h.lnMu.Lock()
		close(h.closing)
		h.cancel()
		for _, ln := range h.listeners {
			ln.Close()
		}
		for _, s := range h.sockets {
			s.Close()
		}
		h.lnMu.Unlock()
		h.room.Close()
		h.wg.Wait()
	})
	return err
}

func (h *Host) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

func (h *Host) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}

// Members returns the session's members.
func (h *Host) Members() []session.Member { return h.room.Members() }

// ErrNoMember is returned by Kick for a name nobody in the session has.
var ErrNoMember = room.ErrNoMember

// Kick removes the member called name (case-insensitively) from the
// session and returns the address its connection came from, so that a
// tunnel can forget that peer too.
func (h *Host) Kick(name string) (netip.Addr, error) { return h.room.Kick(name) }

// Start starts the game as the host itself (a headless host or autostart).
func (h *Host) Start() error { return h.room.Start() }

// Stop ends the running game for everyone, as the host itself.
func (h *Host) Stop() error { return h.room.Stop() }

// SetLag sets the session's lag for the player called by, as a /lag N
// does, turning autolag off (see room.Room.SetLag).
func (h *Host) SetLag(lag uint8, by string) error { return h.room.SetLag(lag, by) }

// Stats counts what the host dropped; the console's /status shows them.
type Stats = room.Stats

// Stats returns the host's counters.
func (h *Host) Stats() Stats { return h.room.Stats() }

// SetAutoStart makes the session start once n players hold controller
// ports, as Config.AutoStart does; 0 turns autostart off. The lobby server
// calls it when a room's creator begins the game: its players' cores
// connect only then, and the game must start the moment the last of them
// has registered and player 1's data is in.
func (h *Host) SetAutoStart(n int) { h.room.SetAutoStart(n) }

// NameCores names the direct cores that will register the ports: names[k]
// for port k+1, as the players are known elsewhere (a lobby's seats). A
// core whose name is empty, not a valid name or taken keeps "core-pN".
func (h *Host) NameCores(names [session.NumPorts]string) { h.room.NameCores(names) }
