package lobby

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/limit"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
)

// socket is one lobby connection. Its handler goroutine reads and serves
// requests (run); writeLoop is the only code that writes to the
// connection, and it pings it.
type socket struct {
	// Immutable after newSocket.
	srv  *Server
	c    *websocket.Conn
	from netip.Addr
	src  netip.Prefix
	path string // the request path: ws://HOST:PORT/PATH
	ctx  context.Context
	stop context.CancelFunc
	out  chan outMsg // to writeLoop; never closed

	// Owned by run.
	rate limit.Bucket

	// Guarded by srv.mu.
	authed bool  // created a room or listed the rooms
	room   *room // the room it is in, or nil
	seat   int   // its index in room.seats
}

// outMsg is a message to send; or, with ping set, a request_ping to
// answer after measuring the round trip; or, with bye set, the close
// frame that ends the socket.
type outMsg struct {
	b    []byte
	ping bool
	bye  *closeErr
}

func newSocket(s *Server, c *websocket.Conn, from netip.Addr, path string) *socket {
	sk := &socket{srv: s, c: c, from: from, src: limit.Source(from), path: path, out: make(chan outMsg, sendQueue)}
	sk.ctx, sk.stop = context.WithCancel(s.ctx)
	return sk
}

// run serves the connection until it closes, the server closes, or the
// socket breaks a rule; it closes the connection before it returns.
func (sk *socket) run() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sk.writeLoop()
	}()
	err := sk.readLoop()
	sk.stop()
	<-done
	var ce closeErr
	switch {
	case errors.As(err, &ce):
		sk.c.Close(ce.code, ce.reason)
	case sk.srv.ctx.Err() != nil:
		sk.c.Close(websocket.StatusGoingAway, "the server is shutting down")
	default:
		sk.c.CloseNow()
	}
}

// closeErr ends a socket with a close frame that says why.
type closeErr struct {
	code   websocket.StatusCode
	reason string
}

func (e closeErr) Error() string { return e.reason }

func (sk *socket) readLoop() error {
	for {
		// Text or binary: RMG sends text frames, gopher64 binary ones,
		// both holding the same JSON.
		_, b, err := sk.read()
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				sk.srv.count(func(st *Stats) { st.Malformed++ })
			}
			return err
		}
		if !sk.rate.Allow(sk.srv.cfg.Now(), requestRate, requestBurst) {
			sk.srv.count(func(st *Stats) { st.RateLimited++ })
			return closeErr{websocket.StatusPolicyViolation, "too many requests"}
		}
		req, err := lobbymsg.DecodeRequest(b)
		if err != nil {
			sk.srv.count(func(st *Stats) { st.Malformed++ })
			return closeErr{websocket.StatusPolicyViolation, lobbymsg.Truncate(fmt.Sprintf("bad request: %v", err), 120)}
		}
		sk.srv.serve(sk, &req)
		if sk.ctx.Err() != nil {
			return sk.ctx.Err() // closed while serving: the queue filled
		}
	}
}

// read reads the next message. A socket in no room may stay silent for
// IdleTimeout only: it holds a place of the socket limits and plays no
// game. In a room, a player may say nothing for a whole game.
func (sk *socket) read() (websocket.MessageType, []byte, error) {
	sk.srv.mu.Lock()
	inRoom := sk.room != nil
	sk.srv.mu.Unlock()
	if inRoom {
		return sk.c.Read(sk.ctx)
	}
	ctx, cancel := context.WithTimeout(sk.ctx, sk.srv.cfg.IdleTimeout)
	defer cancel()
	typ, b, err := sk.c.Read(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = closeErr{websocket.StatusPolicyViolation, "idle for too long"}
	}
	return typ, b, err
}

// writeLoop sends queued messages and pings the peer every PingEvery; a
// write or ping that does not finish within WriteTimeout ends the socket.
func (sk *socket) writeLoop() {
	cfg := &sk.srv.cfg
	t := time.NewTicker(cfg.PingEvery)
	defer t.Stop()
	for {
		var err error
		select {
		case <-sk.ctx.Done():
			return
		case m := <-sk.out:
			if m.bye != nil {
				sk.c.Close(m.bye.code, m.bye.reason) // ends the reader too
				sk.stop()
				return
			}
			if m.ping {
				m.b, err = sk.pingReply()
			}
			if err == nil {
				err = sk.write(m.b)
			}
		case <-t.C:
			ctx, cancel := context.WithTimeout(sk.ctx, cfg.WriteTimeout)
			err = sk.c.Ping(ctx)
			cancel()
		}
		if err != nil {
			sk.stop()
			return
		}
	}
}

func (sk *socket) write(b []byte) error {
	ctx, cancel := context.WithTimeout(sk.ctx, sk.srv.cfg.WriteTimeout)
	defer cancel()
	return sk.c.Write(ctx, websocket.MessageText, b)
}

// pingReply measures a WebSocket ping and returns gopher64's reply_ping.
func (sk *socket) pingReply() ([]byte, error) {
	ctx, cancel := context.WithTimeout(sk.ctx, sk.srv.cfg.WriteTimeout)
	defer cancel()
	t0 := time.Now()
	if err := sk.c.Ping(ctx); err != nil {
		return nil, err
	}
	ms := time.Since(t0).Milliseconds()
	return lobbymsg.Encode(lobbymsg.Reply{Type: lobbymsg.ReplyType(lobbymsg.TypePing), Message: fmt.Sprint(ms)}), nil
}

// send queues m for the socket. A socket whose queue is full is too slow
// to keep: it is closed, and the others never wait for it.
func (sk *socket) send(m outMsg) {
	select {
	case sk.out <- m:
	default:
		sk.srv.stats.SlowSockets++ // callers hold srv.mu
		sk.stop()
	}
}

// close ends the socket with a close frame that says why, sent after the
// replies already queued; a socket whose queue is full is cut at once.
func (sk *socket) close(code websocket.StatusCode, reason string) {
	select {
	case sk.out <- outMsg{bye: &closeErr{code, reason}}:
	default:
		sk.stop()
	}
}

// reply queues a reply; callers hold srv.mu.
func (sk *socket) reply(r lobbymsg.Reply) { sk.send(outMsg{b: lobbymsg.Encode(r)}) }
