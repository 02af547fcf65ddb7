package lossy

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Config sets the fate of each datagram, independently per direction.
type Config struct {
	Drop    float64 // probability a datagram is lost
	Dup     float64 // probability a datagram is sent twice
	Reorder float64 // probability a datagram is held back 1-5 ms
	Seed    uint64
}

// Conn is a net.PacketConn that mistreats datagrams. It is safe for
// concurrent use.
type Conn struct {
	net.PacketConn
	cfg Config

	mu      sync.Mutex
	rng     *rand.Rand
	pending sync.WaitGroup
	closed  bool
}

// Wrap returns pc behind a lossy layer.
func Wrap(pc net.PacketConn, cfg Config) *Conn {
	return &Conn{PacketConn: pc, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

func (c *Conn) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64() < p
}

// ReadFrom drops incoming datagrams at the configured rate.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.roll(c.cfg.Drop) {
			return n, addr, err
		}
	}
}

// WriteTo drops, duplicates or delays outgoing datagrams.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.roll(c.cfg.Drop) {
		return len(b), nil
	}
	if c.roll(c.cfg.Reorder) && c.later(b, addr) {
		return len(b), nil
	}
	if c.roll(c.cfg.Dup) {
		c.PacketConn.WriteTo(b, addr)
	}
	return c.PacketConn.WriteTo(b, addr)
}

// later sends a copy of b after a short delay, so datagrams sent meanwhile
// overtake it.
func (c *Conn) later(b []byte, addr net.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	d := time.Duration(1+c.rng.IntN(5)) * time.Millisecond
	cp := append([]byte(nil), b...)
	c.pending.Add(1)
	time.AfterFunc(d, func() {
		defer c.pending.Done()
		c.PacketConn.WriteTo(cp, addr)
	})
	return true
}

// Close closes the socket after held-back datagrams went out.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.pending.Wait()
	return c.PacketConn.Close()
}
