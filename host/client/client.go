package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// Client timing.
const (
	pingInterval   = 500 * time.Millisecond
	resendInterval = 10 * time.Millisecond // while waiting or holding unacked inputs
	udpHelloEvery  = 100 * time.Millisecond
	udpGiveUp      = time.Second // then inputs go over TCP until UDP answers
	joinTimeout    = 5 * time.Second
)

// DefaultChecksumEvery is the poll range a client hashes for desync checks.
const DefaultChecksumEvery = 256

// outQueueLen bounds the frames waiting to be written to the host.
const outQueueLen = 512

// writeTimeout bounds each TCP write to the host.
const writeTimeout = 5 * time.Second

// udpSilence is how long the host's datagrams may stay away before the
// client sends inputs over TCP; the host follows the same rule.
const udpSilence = time.Second

// Config configures a client. The zero value joins as a player on
// one free port with an empty name, which the host refuses: set Name.
type Config struct {
	Name      string
	Ports     session.PortMask // specific ports wanted; 0 means any
	NumPorts  int              // how many ports when Ports is 0; 0 means 1
	Spectator bool
	// Replay says an emulator plays the game here: it starts at power-on,
	// so as a spectator of a running game it replays it from poll 0.
	Replay   bool
	OwnerKey [16]byte // Host.OwnerKey, for the host's own player
	// PlayerKey is this player's own random key, kept where the player
	// keeps its netpak's files: if the player leaves a running game, the
	// host gives its ports back only to a client with its name and this
	// key. Zero: none, and the name alone takes them back.
	PlayerKey [16]byte
	// Manifest is the ROM, save and cheat hashes announced with the join;
	// the zero value says "no ROM: netpak's simulated game". The host
	// starts a game only when every player's manifest is known and equal.
	Manifest saves.Manifest

	// Dial, if set, opens the TCP and UDP connections to the host (e.g.
	// through a tunnel). It defaults to a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// OnEvent, if set, receives session events, one at a time. It must not
	// block or call the client.
	OnEvent func(session.Event)
	// Logf, if set, receives diagnostics.
	Logf func(format string, args ...any)
	// ChecksumEvery is the poll range hashed for desync detection; 0 means
	// DefaultChecksumEvery.
	ChecksumEvery uint32
	// OnSync, if set, receives each item the host's player sends with
	// /sync: a save component (data nil: no save) or the cheat set. It is
	// called from the client's reader; writing files there is fine.
	OnSync func(from string, kind session.SyncKind, data []byte)

	hooks testhook.Hooks
}

// WithTestHooks returns cfg with test-only behaviours for its bridged
// core and its pings; only tests under host/ can name them.
func WithTestHooks(cfg Config, h testhook.Hooks) Config {
	cfg.hooks = h
	return cfg
}

// Client is one participant of a netpak session. Dial creates it; Poll
// drives the lockstep and must be called from one goroutine; the other
// methods are safe for concurrent use.
type Client struct {
	// Immutable after Dial.
	cfg         Config
	tcp         net.Conn
	udp         net.Conn
	id          uint16
	token       uint64
	ports       session.PortMask
	golfMask    uint32
	dropTimeout time.Duration

	out     chan []byte   // frames for writeLoop
	closing chan struct{} // closed when the client stops
	closed  atomic.Bool   // Close was called
	// quitting: the player leaves the session (Quitting), and an
	// emulator that stops from then on releases no ports.
	quitting atomic.Bool
	toWatch  atomic.Bool        // the goodbye says the player joins again to watch (LeavesToWatch)
	autoLag  atomic.Bool        // the host follows the network with the lag, as it last said
	ctx      context.Context    // ends when the client stops
	cancel   context.CancelFunc // ends ctx
	failed   atomic.Bool        // fail ran
	wg       sync.WaitGroup
	notify   chan struct{}         // wakes the goroutine in Poll
	byeSent  chan struct{}         // closed by writeLoop after the goodbye
	joined   chan struct{}         // closed at the first schedule entry, after the roster: the join is complete
	evMu     sync.Mutex            // serializes OnEvent
	stopErr  atomic.Pointer[error] // why the client stopped; set once by fail

	mu      sync.Mutex // guards everything below
	ls      clientGame
	bridges []*Bridge // open bridges (ListenBridge), closed with the client
}

// Dial joins the session at addr ("host:port").
func Dial(ctx context.Context, addr string, cfg Config) (*Client, error) {
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	tcp, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	c := &Client{
		cfg: cfg, tcp: tcp, out: make(chan []byte, outQueueLen),
		closing: make(chan struct{}), notify: make(chan struct{}, 1), byeSent: make(chan struct{}),
		joined: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if err := c.handshake(ctx); err != nil {
		tcp.Close()
		return nil, fmt.Errorf("join %s: %w", addr, err)
	}
	if c.udp, err = dial(ctx, "udp", addr); err != nil {
		c.logf("no UDP to %s (%v); inputs go over TCP", addr, err)
	}
	c.ls.init(c)
	c.ls.manifests[c.id] = check.Manifest{M: cfg.Manifest}
	c.ls.core.turbo = cfg.hooks.Turbo
	c.wg.Go(c.writeLoop)
	c.wg.Go(c.readLoop)
	c.wg.Go(c.pingLoop)
	c.wg.Go(c.goneLoop)
	if c.udp != nil {
		c.wg.Go(c.udpLoop)
		c.wg.Go(c.udpHelloLoop)
	}
	// The host sends the schedule, the game state and the manifests before
	// the first roster; once it is here, Status tells the whole truth.
	select {
	case <-c.joined:
		return c, nil
	case <-c.closing:
		err := c.Err()
		c.Close()
		return nil, fmt.Errorf("join %s: %w", addr, err)
	case <-ctx.Done():
		c.Close()
		return nil, fmt.Errorf("join %s: %w", addr, ctx.Err())
	}
}

// handshake sends the hello and reads the welcome or the reason for a
// refusal.
func (c *Client) handshake(ctx context.Context) error {
	dl, _ := ctx.Deadline()
	c.tcp.SetDeadline(dl)
	defer c.tcp.SetDeadline(time.Time{})
	// A cancelled join (SIGTERM, /leave) ends the wait for the welcome at
	// once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { c.tcp.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	hl := wire.Hello{
		Version: session.ProtocolVersion, Spectator: c.cfg.Spectator, Replay: c.cfg.Replay, Ports: c.cfg.Ports & 0x0f,
		NumPorts: uint8(min(max(c.cfg.NumPorts, 0), session.NumPorts)), OwnerKey: c.cfg.OwnerKey, PlayerKey: c.cfg.PlayerKey, Name: c.cfg.Name,
	}
	var err error
	if hl.Manifest, err = c.cfg.Manifest.MarshalBinary(); err != nil {
		return fmt.Errorf("announce your ROM, saves and cheats: %w", err)
	}
	p := wire.AppendHello(nil, hl)
	b := append(wire.StreamMagic[:], wire.AppendFrameHeader(nil, wire.FrameHello, len(p))...)
	if _, err := c.tcp.Write(append(b, p...)); err != nil {
		return err
	}
	buf := make([]byte, wire.MaxFramePayload)
	typ, p, err := wire.ReadFrame(c.tcp, buf)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		// A host of protocol 7 or older cannot read this hello, and hangs up.
		return fmt.Errorf("the host hung up on the hello without a word: if it runs an older netpak, use the same version as the host (%w)", err)
	default:
		return fmt.Errorf("read welcome: %w", err)
	}
	switch typ {
	case wire.FrameReject:
		msg, err := wire.ParseText(p)
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: %s", session.ErrRejected, msg.Text)
	case wire.FrameWelcome:
		w, err := wire.ParseWelcome(p)
		if err != nil {
			return err
		}
		c.id, c.token, c.ports, c.golfMask = w.ID, w.Token, w.Ports, w.GolfMask
		c.ls.lateJoin = w.Playing
		c.dropTimeout = time.Duration(w.DropTimeout) * time.Millisecond
		if c.dropTimeout <= 0 {
			c.dropTimeout = session.DefaultDropTimeout
		}
		return nil
	}
	return fmt.Errorf("unexpected %v frame", typ)
}

// ID returns the client's member id in the session.
func (c *Client) ID() uint16 { return c.id }

// Ports returns the controller ports the client owns.
func (c *Client) Ports() session.PortMask { return c.ports }

func (c *Client) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

func (c *Client) emit(e session.Event) {
	if c.cfg.OnEvent == nil {
		return
	}
	c.evMu.Lock()
	defer c.evMu.Unlock()
	c.cfg.OnEvent(e)
}

func (c *Client) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// tcpAckEvery paces inputs frames that carry only acks over TCP.
const tcpAckEvery = 100 * time.Millisecond

// trySend queues a frame if there is room and reports whether it did; for
// frames that a later one makes up for.
func (c *Client) trySend(typ wire.FrameType, payload []byte) bool {
	b := wire.AppendFrameHeader(make([]byte, 0, wire.FrameHeaderLen+len(payload)), typ, len(payload))
	b = append(b, payload...)
	select {
	case c.out <- b:
		return true
	default:
		return false
	}
}

// send queues a frame for the host. A full queue means the host stopped
// reading; the client then gives up on it.
func (c *Client) send(typ wire.FrameType, payload []byte) error {
	b := wire.AppendFrameHeader(make([]byte, 0, wire.FrameHeaderLen+len(payload)), typ, len(payload))
	b = append(b, payload...)
	select {
	case <-c.closing:
		return c.Err()
	case c.out <- b:
		return nil
	default:
		c.fail(fmt.Errorf("%w: it stopped reading", session.ErrHostGone))
		return c.Err()
	}
}

func (c *Client) writeLoop() {
	for {
		select {
		case <-c.closing:
			return
		case b := <-c.out:
			c.tcp.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.tcp.Write(b); err != nil {
				c.fail(fmt.Errorf("%w: %w", session.ErrHostGone, err))
				return
			}
			if wire.FrameType(b[0]) == wire.FrameBye {
				close(c.byeSent)
				return
			}
		}
	}
}

// readLoop handles the host's frames until the connection ends. Silence
// longer than the drop timeout means the host is gone.
func (c *Client) readLoop() {
	buf := make([]byte, wire.MaxFramePayload)
	for {
		c.tcp.SetReadDeadline(time.Now().Add(c.dropTimeout))
		typ, p, err := wire.ReadFrame(c.tcp, buf)
		if err != nil && c.closed.Load() {
			c.fail(session.ErrClosed) // we said goodbye: the host hanging up is the answer
			return
		}
		if err != nil {
			c.fail(hostGoneError(err))
			return
		}
		if err := c.handleFrame(typ, p); err != nil {
			c.fail(fmt.Errorf("%w: bad %v frame: %v", session.ErrHostGone, typ, err))
			return
		}
	}
}

func hostGoneError(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%w: the host closed the connection", session.ErrHostGone)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: no word from the host", session.ErrHostGone)
	}
	return fmt.Errorf("%w: %w", session.ErrHostGone, err)
}

func (c *Client) pingLoop() {
	// The host drops a member whose connection is silent for its drop
	// timeout, which a session may set as short as half a second: pings
	// go at least three times in it, and never more than ten a second.
	t := time.NewTicker(max(min(pingInterval, c.dropTimeout/3), 100*time.Millisecond))
	defer t.Stop()
	for {
		c.mu.Lock()
		rtt := c.ls.rtt
		c.mu.Unlock()
		if c.cfg.hooks.ClaimRTT != 0 {
			rtt = c.cfg.hooks.ClaimRTT
		}
		c.send(wire.FramePing, wire.AppendPing(nil, wire.Ping{Clock: uint64(time.Now().UnixNano()), RTT: uint32(rtt.Microseconds())}))
		c.mu.Lock()
		notice := c.ls.stallLocked(time.Now())
		c.mu.Unlock()
		if notice != "" {
			c.emit(session.Event{Kind: session.EventNotice, Text: notice})
		}
		select {
		case <-c.closing:
			return
		case <-t.C:
		}
	}
}

// fail stops the client because of err, once; the first error sticks. It
// takes no lock, and a second call returns at once even while the first
// is still closing the connections (a tunnel's Close may take a moment),
// so it may be called with Client.mu held.
func (c *Client) fail(err error) {
	if !c.failed.CompareAndSwap(false, true) {
		return
	}
	c.stopErr.Store(&err)
	close(c.closing)
	c.cancel()
	c.tcp.Close()
	if c.udp != nil {
		c.udp.Close()
	}
}

// goneLoop reports a lost host once the client stops; it runs on its own
// goroutine so that fail never calls OnEvent with a lock held.
func (c *Client) goneLoop() {
	<-c.closing
	if err := c.Err(); errors.Is(err, session.ErrHostGone) {
		c.emit(session.Event{Kind: session.EventHostGone, Err: err})
	}
}

// Err returns why the client stopped, or nil while it runs. It takes no
// lock, so code holding Client.mu may call it (send does).
func (c *Client) Err() error {
	if p := c.stopErr.Load(); p != nil {
		return *p
	}
	return nil
}

// goodbye is the frame Close sends: why the player leaves.
func (c *Client) goodbye() []byte {
	why := session.LeaveQuit
	if c.toWatch.Load() {
		why = session.LeaveSpectate
	}
	p := wire.AppendBye(nil, why)
	return append(wire.AppendFrameHeader(nil, wire.FrameBye, len(p)), p...)
}

// Done returns a channel closed when the client stops.
func (c *Client) Done() <-chan struct{} { return c.closing }

// Close leaves the session: it flushes unacknowledged inputs briefly, says
// goodbye, closes the connections and waits for the client's goroutines.
// A second Close returns an error wrapping net.ErrClosed, as Host.Close does.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return fmt.Errorf("close client: %w", net.ErrClosed)
	}
	select {
	case <-c.closing:
	default:
		c.flush(time.Second)
		select {
		case c.out <- c.goodbye():
			select {
			case <-c.byeSent:
				// Wait for the host to hang up, its answer: over a tunnel a
				// write returns once the goodbye is queued, and closing the
				// tunnel at once would lose it.
				select {
				case <-c.closing:
				case <-time.After(time.Second):
				}
			case <-c.closing:
			case <-time.After(time.Second):
			}
		default:
		}
	}
	c.fail(session.ErrClosed)
	c.closeBridges()
	c.wg.Wait()
	c.mu.Lock()
	c.ls.resend.Stop()
	c.ls.copy.Stop()
	c.mu.Unlock()
	return nil
}
