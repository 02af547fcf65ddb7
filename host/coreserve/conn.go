package coreserve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// Backend is the session behind one core's TCP connection: a new one for
// every connection, so it may keep what it learns of the core. Every
// method that waits returns when ctx ends.
type Backend interface {
	// Register claims player r.Player for the connection; it reports
	// whether the claim is accepted and the buffer target to give the core.
	Register(r m64p.RegisterPlayer) (ok bool, bufferTarget uint8)
	PutSettings(s m64p.Settings) error
	Settings(ctx context.Context) (m64p.Settings, error)
	PutSave(f m64p.SaveFile, data []byte) error
	Save(ctx context.Context, f m64p.SaveFile) ([]byte, error)
	// Registration waits until the game starts and returns who plays.
	Registration(ctx context.Context) (m64p.Registration, error)
	// Leave is called once when the connection ends, with why.
	Leave(why wire.LeaveReason)
}

// Conn is one core's TCP connection and how it is served.
type Conn struct {
	Conn    net.Conn
	Backend Backend
	Logf    func(format string, args ...any)

	// Read deadlines; zero means none (the bridge, where the core is local).
	// IdleTimeout bounds the silence before each handshake message,
	// MsgTimeout the read of one message once its first byte arrived.
	// Neither applies to a wait for the host's reply, nor, for IdleTimeout,
	// to the game: a playing core says nothing on TCP until it leaves.
	IdleTimeout time.Duration
	MsgTimeout  time.Duration
	// Established, if set, is called once the core holds a controller port
	// or plays: the host stops counting it as a connection still joining.
	Established func()

	// Owned by Serve's goroutine.
	r       *bufio.Reader
	playing bool // GET_REGISTRATION answered
}

// replyTimeout bounds the write of one reply: a core that stops reading
// ends its own connection and nobody else's.
const replyTimeout = 5 * time.Second

// NewReader is the buffered reader Serve expects for a core's connection.
func NewReader(c net.Conn) *bufio.Reader { return bufio.NewReaderSize(c, 4096) }

// Serve runs a core's TCP connection until it disconnects or ctx ends; br
// reads the connection (the host has peeked at it to tell a core from a
// netpak client). It never closes the connection in the middle of a
// handshake step of its own accord: the core would spin forever
// (research/m64p-netplay.md §1.1). What a core does wrong (a message that
// never completes, silence before its next handshake message, hanging up
// or talking while it waits for a reply) ends the connection, and the
// backend's Leave says why.
func Serve(ctx context.Context, cc *Conn, br *bufio.Reader) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		cc.Conn.Close()
	}()
	cc.r = br
	why := wire.LeaveQuit
	for {
		msg, err := cc.readMessage()
		if err != nil {
			why = leaveReason(err)
			if why == wire.LeaveError {
				cc.Logf("core %s: %v", cc.Conn.RemoteAddr(), err)
			}
			break
		}
		if isDisconnect(msg) {
			break
		}
		if err := cc.handle(ctx, msg); err != nil {
			why = leaveReason(err)
			switch {
			case errors.Is(err, errCoreQuit):
				why = wire.LeaveQuit
			case ctx.Err() == nil && why == wire.LeaveError:
				cc.Logf("core %s: %v", cc.Conn.RemoteAddr(), err)
			}
			break
		}
	}
	cc.Backend.Leave(why)
}

// readMessage reads the next message: it waits up to IdleTimeout for its
// first byte (in the handshake; a playing core is silent on TCP), then up
// to MsgTimeout for the rest.
func (cc *Conn) readMessage() (m64p.TCPMessage, error) {
	if cc.r.Buffered() == 0 {
		cc.Conn.SetReadDeadline(deadline(cc.IdleTimeout, !cc.playing))
		if _, err := cc.r.Peek(1); err != nil {
			return nil, err
		}
	}
	cc.Conn.SetReadDeadline(deadline(cc.MsgTimeout, true))
	return m64p.ReadTCPMessage(cc.r)
}

// deadline is now+d, or no deadline if d is zero or !apply.
func deadline(d time.Duration, apply bool) time.Time {
	if d <= 0 || !apply {
		return time.Time{}
	}
	return time.Now().Add(d)
}

func leaveReason(err error) wire.LeaveReason {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return wire.LeaveLost
	case errors.Is(err, io.ErrUnexpectedEOF):
		return wire.LeaveLost
	case errors.Is(err, os.ErrDeadlineExceeded):
		return wire.LeaveTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return wire.LeaveLost
	}
	return wire.LeaveError
}

// handle answers one message. Replies are written directly: a core's TCP
// conversation is strictly request then reply.
func (cc *Conn) handle(ctx context.Context, msg m64p.TCPMessage) error {
	switch m := msg.(type) {
	case m64p.RegisterPlayer:
		ok, target := cc.Backend.Register(m)
		if ok && cc.Established != nil {
			cc.Established()
		}
		return cc.reply(m64p.RegisterReply{Accepted: ok, BufferTarget: target}.AppendTo(nil))
	case m64p.SendSettings:
		return cc.Backend.PutSettings(m.Settings)
	case m64p.ReceiveSettings:
		var s m64p.Settings
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			s, err = cc.Backend.Settings(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("receive settings: %w", err)
		}
		return cc.reply(s.AppendTo(nil))
	case m64p.SendSave:
		return cc.Backend.PutSave(m.File, m.Data)
	case m64p.ReceiveSave:
		var data []byte
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			data, err = cc.Backend.Save(ctx, m.File)
			return err
		})
		if err != nil {
			return fmt.Errorf("receive %s: %w", m.File.Ext(), err)
		}
		if data == nil {
			data = make([]byte, m.File.Size())
		}
		return cc.reply(data)
	case m64p.GetRegistration:
		return cc.registration(ctx)
	}
	return fmt.Errorf("unexpected %T", msg)
}

func (cc *Conn) registration(ctx context.Context) error {
	var reg m64p.Registration
	err := cc.watched(ctx, func(ctx context.Context) (err error) {
		reg, err = cc.Backend.Registration(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("get registration: %w", err)
	}
	if err := cc.reply(reg.AppendTo(nil)); err != nil {
		return err
	}
	cc.playing = true
	if cc.Established != nil {
		cc.Established()
	}
	return nil
}

// errCoreQuit ends a wait whose core sent DISCONNECT_NOTICE meanwhile.
var errCoreQuit = errors.New("the core quit while it waited")

// errCoreSpoke is what watched's reader reports when bytes arrive.
var errCoreSpoke = errors.New("the core spoke while it waited for a reply")

// watched runs wait, which blocks until the host can answer, while reading
// the connection. A core sends nothing while it waits for a reply
// (research/m64p-netplay.md §1.1), so a read that returns means the core
// hung up, or broke request and reply: either ends the wait at once, so
// that what the backend made of the core never outlives its connection.
// Bytes that arrive are read as one message: DISCONNECT_NOTICE returns
// errCoreQuit.
func (cc *Conn) watched(ctx context.Context, wait func(context.Context) error) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc.Conn.SetReadDeadline(time.Time{})
	seen := make(chan error, 1)
	go func() {
		_, err := cc.r.Peek(1)
		if err == nil {
			err = errCoreSpoke
		}
		seen <- err
		cancel()
	}()
	err := wait(wctx)
	// Stop the reader: an expired deadline makes its Peek return, and
	// bufio keeps no error for the next read.
	cc.Conn.SetReadDeadline(time.Unix(1, 0))
	peer := <-seen
	if err == nil || ctx.Err() != nil || !errors.Is(err, context.Canceled) {
		return err // answered, the host stops, or the backend refused
	}
	if !errors.Is(peer, errCoreSpoke) {
		return peer // hung up
	}
	msg, rerr := cc.readMessage()
	switch {
	case rerr != nil:
		return rerr
	case isDisconnect(msg):
		return errCoreQuit
	}
	return fmt.Errorf("%w: %T", errCoreSpoke, msg)
}

func isDisconnect(msg m64p.TCPMessage) bool {
	_, ok := msg.(m64p.DisconnectNotice)
	return ok
}

func (cc *Conn) reply(b []byte) error {
	cc.Conn.SetWriteDeadline(time.Now().Add(replyTimeout))
	_, err := cc.Conn.Write(b)
	return err
}

// waitNote is how often a core's blocked request is explained in the log
// while it waits (for player 1's data, or for /start).
const waitNote = 10 * time.Second

// WaitNoting waits for ready or ctx, explaining in the log every ten
// seconds what is awaited.
func WaitNoting(ctx context.Context, ready <-chan struct{}, logf func(string, ...any), what func() string) error {
	t := time.NewTicker(waitNote)
	defer t.Stop()
	for {
		select {
		case <-ready:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			logf("%s", what())
		}
	}
}
