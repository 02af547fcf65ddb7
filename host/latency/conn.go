package latency

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// drainGrace is how long Close waits, past the last release time, for
// queued data to go out before it gives up on it.
const drainGrace = 500 * time.Millisecond

// maxRead is the largest datagram or stream chunk read from the network
// at once.
const maxRead = 64 << 10

// pipes is what Conn and PacketConn share: a queue per direction and the
// two goroutines between them and the network. sendLoop takes from out
// and writes to the network; recvLoop reads the network and puts into in.
type pipes struct {
	// Immutable after start.
	link    *Link
	out, in *queue
	recv    func(b []byte) (int, net.Addr, error) // reads the network
	send    func(it item) error                   // writes to the network
	close   func() error                          // closes the network side

	sent chan struct{} // closed when sendLoop returns
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

func (p *pipes) start(l *Link, stream bool) {
	p.link = l
	limit := l.queueLimit
	if stream {
		limit = l.bufferLimit
	}
	p.out, p.in = newQueue(stream, limit), newQueue(stream, limit)
	p.sent = make(chan struct{})
	p.wg.Go(p.sendLoop)
	p.wg.Go(p.recvLoop)
}

func (p *pipes) sendLoop() {
	defer close(p.sent)
	for {
		it, err := p.out.next()
		if err != nil {
			return
		}
		if err := p.send(it); err != nil {
			// A stream is broken by a failed write; a datagram socket
			// only loses that datagram, as a network would.
			if p.out.stream || errors.Is(err, net.ErrClosed) {
				p.out.finish(err, 0) // later writes return err
				return
			}
		}
	}
}

func (p *pipes) recvLoop() {
	buf := make([]byte, maxRead)
	stream := p.in.stream
	for {
		room := len(buf)
		if stream {
			r, err := p.in.waitRoom()
			if err != nil {
				return
			}
			room = min(room, r)
		}
		n, addr, err := p.recv(buf[:room])
		switch {
		case stream && n > 0:
			p.in.put(buf[:n], p.link.wait(In))
		case !stream && err == nil:
			if ok, _ := p.in.putDatagram(buf[:n], addr, p.link.wait(In)); !ok {
				p.link.dropped.Add(1)
			}
		}
		if err != nil {
			// A datagram socket's error (an ICMP unreachable) is passed
			// over, as for the first datagram lost; a stream ends.
			if stream || errors.Is(err, net.ErrClosed) {
				p.in.finish(err, p.link.wait(In))
				return
			}
		}
	}
}

// shutdown stops both goroutines: reads fail at once, written data goes
// out at its release time (if the network takes it within drainGrace of
// that), then the network side closes.
func (p *pipes) shutdown() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("latency: close: %w", net.ErrClosed)
	}
	p.closed = true
	p.mu.Unlock()
	p.in.abort()
	last := p.out.finish(net.ErrClosed, 0)
	t := time.NewTimer(time.Until(last) + drainGrace)
	select {
	case <-p.sent:
	case <-t.C:
		p.out.abort()
	}
	t.Stop()
	err := p.close()
	p.wg.Wait()
	return err
}

func (p *pipes) setDeadline(t time.Time) error {
	p.in.setDeadline(t)
	p.out.setDeadline(t)
	return nil
}

// Conn is a [net.Conn] behind a [Link]: a TCP stream or a connected UDP
// socket whose writes leave after the link's Out delay and whose reads see
// data after its In delay. Deadlines apply to the wrapper's waits, not to
// the network. It is safe for concurrent use, as a net.Conn is.
type Conn struct {
	p        pipes
	c        net.Conn
	datagram bool
}

// WrapConn returns c behind l. c carries datagrams if it is a
// [net.PacketConn] (a connected UDP socket), else a stream. The returned
// Conn owns c: its Close closes c.
func (l *Link) WrapConn(c net.Conn) *Conn {
	_, dgram := c.(net.PacketConn)
	return l.wrap(c, dgram)
}

func (l *Link) wrap(c net.Conn, datagram bool) *Conn {
	w := &Conn{c: c, datagram: datagram}
	w.p.recv = func(b []byte) (int, net.Addr, error) {
		n, err := c.Read(b)
		return n, nil, err
	}
	w.p.send = func(it item) error {
		_, err := c.Write(it.b)
		return err
	}
	w.p.close = c.Close
	w.p.start(l, !datagram)
	return w
}

// Read reads what arrived at least the In delay ago.
func (w *Conn) Read(b []byte) (int, error) {
	n, _, err := w.p.in.read(b)
	return n, err
}

// Write queues b to go out after the Out delay. A datagram that finds the
// queue full is dropped (and counted), as a network would; a stream write
// waits for room in the buffer until the write deadline.
func (w *Conn) Write(b []byte) (int, error) {
	if w.datagram {
		ok, err := w.p.out.putDatagram(b, nil, w.p.link.wait(Out))
		if err != nil {
			return 0, err
		}
		if !ok {
			w.p.link.dropped.Add(1)
		}
		return len(b), nil
	}
	return w.p.out.write(b, func() time.Duration { return w.p.link.wait(Out) })
}

// Close stops the wrapper's goroutines and closes the connection, after
// what was written went out (at most drainGrace after its release time).
// A second Close returns an error wrapping [net.ErrClosed].
func (w *Conn) Close() error { return w.p.shutdown() }

// LocalAddr returns the wrapped connection's local address.
func (w *Conn) LocalAddr() net.Addr { return w.c.LocalAddr() }

// RemoteAddr returns the wrapped connection's remote address.
func (w *Conn) RemoteAddr() net.Addr { return w.c.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (w *Conn) SetDeadline(t time.Time) error { return w.p.setDeadline(t) }

// SetReadDeadline bounds Read's wait for delayed data.
func (w *Conn) SetReadDeadline(t time.Time) error {
	w.p.in.setDeadline(t)
	return nil
}

// SetWriteDeadline bounds a stream Write's wait for buffer room.
func (w *Conn) SetWriteDeadline(t time.Time) error {
	w.p.out.setDeadline(t)
	return nil
}

// PacketConn is a [net.PacketConn] behind a [Link], such as the host's
// UDP socket: datagrams written leave after the Out delay, datagrams
// received are read after the In delay, each with its own jitter, so they
// may be reordered. A full queue drops. It is safe for concurrent use.
type PacketConn struct {
	p  pipes
	pc net.PacketConn
}

// WrapPacketConn returns pc behind l. The returned PacketConn owns pc: its
// Close closes pc.
func (l *Link) WrapPacketConn(pc net.PacketConn) *PacketConn {
	w := &PacketConn{pc: pc}
	w.p.recv = pc.ReadFrom
	w.p.send = func(it item) error {
		_, err := pc.WriteTo(it.b, it.addr)
		return err
	}
	w.p.close = pc.Close
	w.p.start(l, false)
	return w
}

// ReadFrom reads a datagram that arrived at least the In delay ago.
func (w *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) { return w.p.in.read(b) }

// WriteTo queues b for addr, to go out after the Out delay; it is dropped
// (and counted) if the queue is full.
func (w *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ok, err := w.p.out.putDatagram(b, addr, w.p.link.wait(Out))
	if err != nil {
		return 0, err
	}
	if !ok {
		w.p.link.dropped.Add(1)
	}
	return len(b), nil
}

// Close stops the wrapper's goroutines and closes the socket, after the
// datagrams written went out. A second Close returns an error wrapping
// [net.ErrClosed].
func (w *PacketConn) Close() error { return w.p.shutdown() }

// LocalAddr returns the socket's address.
func (w *PacketConn) LocalAddr() net.Addr { return w.pc.LocalAddr() }

// SetDeadline sets the read and write deadlines.
func (w *PacketConn) SetDeadline(t time.Time) error { return w.p.setDeadline(t) }

// SetReadDeadline bounds ReadFrom's wait for delayed datagrams.
func (w *PacketConn) SetReadDeadline(t time.Time) error {
	w.p.in.setDeadline(t)
	return nil
}

// SetWriteDeadline is accepted and has no effect: writing a datagram never
// waits.
func (w *PacketConn) SetWriteDeadline(t time.Time) error { return nil }
