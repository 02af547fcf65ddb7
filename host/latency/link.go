package latency

import (
	"context"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Shape is the delay of one direction: each datagram or stream chunk
// waits Delay plus a uniformly random amount from -Jitter to +Jitter
// (never less than nothing).
type Shape struct {
	Delay  time.Duration
	Jitter time.Duration
}

// Config is a link's initial delays and its bounds. The zero value is a
// link without delay.
type Config struct {
	// Out delays what is written through a wrapped connection, In what is
	// read through it.
	Out, In Shape
	// Seed makes the jitter reproducible: the same seed draws the same
	// sequence of delays.
	Seed uint64
	// QueueLimit bounds the datagrams waiting in each direction of each
	// wrapped connection; more are dropped and counted. 0 means
	// DefaultQueueLimit.
	QueueLimit int
	// BufferLimit bounds the stream bytes waiting in each direction of
	// each wrapped connection; a Write beyond it blocks, and the link
	// stops reading from the network. 0 means DefaultBufferLimit.
	BufferLimit int
}

// Default bounds.
const (
	DefaultQueueLimit  = 1024
	DefaultBufferLimit = 256 << 10
)

// Direction names one direction of a link.
type Direction int

// The two directions, as seen from the wrapped connection.
const (
	Out Direction = iota // written through the wrapper, toward the network
	In                   // read through the wrapper, from the network
)

// A Link is a network path with a delay in each direction. The
// connections it wraps share its delays, its random source and its drop
// counter; [Link.SetDelay] changes the delay of what they send from then
// on (what already waits keeps its release time). A Link is safe for
// concurrent use and has no goroutines of its own: each wrapped connection
// owns two, which its Close stops. Make one with [New].
type Link struct {
	// Immutable after New.
	queueLimit  int
	bufferLimit int

	dropped atomic.Uint64

	mu    sync.Mutex // guards the fields below
	shape [2]Shape   // indexed by Direction
	rng   *rand.Rand
}

// New returns a link with cfg's delays.
func New(cfg Config) *Link {
	l := &Link{
		queueLimit:  cfg.QueueLimit,
		bufferLimit: cfg.BufferLimit,
		shape:       [2]Shape{Out: cfg.Out, In: cfg.In},
		rng:         rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x6c6174656e6379)), // "latency"
	}
	if l.queueLimit <= 0 {
		l.queueLimit = DefaultQueueLimit
	}
	if l.bufferLimit <= 0 {
		l.bufferLimit = DefaultBufferLimit
	}
	return l
}

// SetDelay sets both directions to delay ± jitter: a symmetric path whose
// one-way delay is delay.
func (l *Link) SetDelay(delay, jitter time.Duration) {
	l.SetShape(Out, Shape{delay, jitter})
	l.SetShape(In, Shape{delay, jitter})
}

// SetShape sets one direction's delay.
func (l *Link) SetShape(d Direction, s Shape) {
	l.mu.Lock()
	l.shape[d] = s
	l.mu.Unlock()
}

// Shape returns one direction's delay.
func (l *Link) Shape(d Direction) Shape {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shape[d]
}

// Dropped returns how many datagrams the link dropped because a queue was
// full.
func (l *Link) Dropped() uint64 { return l.dropped.Load() }

// wait draws the delay of one datagram or chunk sent in direction d.
func (l *Link) wait(d Direction) time.Duration {
	l.mu.Lock()
	s := l.shape[d]
	var j time.Duration
	if s.Jitter > 0 {
		j = time.Duration(l.rng.Int64N(int64(2*s.Jitter)+1)) - s.Jitter
	}
	l.mu.Unlock()
	return max(0, s.Delay+j)
}

// DialFunc opens a connection, as [net.Dialer.DialContext] does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dial returns a dial function that dials with dial (a [net.Dialer] if
// nil) and wraps what it opens with [Link.WrapConn]. It fits
// client.Config.Dial, so a client's TCP and UDP both cross the link.
func (l *Link) Dial(dial DialFunc) DialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(network, "udp") || strings.HasPrefix(network, "unixgram") {
			return l.wrap(c, true), nil
		}
		return l.wrap(c, false), nil
	}
}
