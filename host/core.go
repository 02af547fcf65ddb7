package host

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
)

// A core is an unmodified mupen64plus-core netplay client. It speaks to
// the host directly, or to its own player's netpak through the bridge
// (127.0.0.1). Both serve the same TCP handshake through coreBackend.

// coreBackend is the session behind a core's TCP connection. Every method
// that waits returns when ctx ends.
type coreBackend interface {
	// register claims player p for the connection; it reports whether the
	// claim is accepted and the buffer target to give the core.
	register(cc *coreConn, r m64p.RegisterPlayer) (ok bool, bufferTarget uint8)
	putSettings(cc *coreConn, s m64p.Settings) error
	settings(ctx context.Context, cc *coreConn) (m64p.Settings, error)
	putSave(cc *coreConn, f m64p.SaveFile, data []byte) error
	save(ctx context.Context, cc *coreConn, f m64p.SaveFile) ([]byte, error)
	// registration waits until the game starts and returns who plays.
	registration(ctx context.Context, cc *coreConn) (m64p.Registration, error)
	// leave is called once when the connection ends, with why.
	leave(cc *coreConn, why LeaveReason)
}

// coreConn is one core's TCP connection.
type coreConn struct {
	conn    net.Conn
	backend coreBackend
	logf    func(format string, args ...any)

	// Read deadlines; zero means none (the bridge, where the core is local).
	// idleTimeout bounds the silence before each handshake message,
	// msgTimeout the read of one message once its first byte arrived.
	// Neither applies to a wait for the host's reply, nor, for idleTimeout,
	// to the game: a playing core says nothing on TCP until it leaves.
	idleTimeout time.Duration
	msgTimeout  time.Duration
	// established, if set, is called once the core holds a controller port
	// or plays: the host stops counting it as a connection still joining.
	established func()

	// Owned by serveCore's goroutine.
	r       *bufio.Reader
	playing bool // GET_REGISTRATION answered

	// Owned by the backend, under its lock.
	regID   uint32
	players PortMask
	member  *member // host side: the session member it is
}

// coreWaitNote is how often a core's blocked request is explained in the
// log while it waits (for player 1's data, or for /start).
const coreWaitNote = 10 * time.Second

// serveCore runs a core's TCP connection until it disconnects or ctx ends.
// It never closes the connection in the middle of a handshake step of its
// own accord: the core would spin forever (research/m64p-netplay.md §1.1).
// What a core does wrong (a message that never completes, silence before
// its next handshake message, hanging up or talking while it waits for a
// reply) ends the connection, and the backend's leave drops its member.
func serveCore(ctx context.Context, cc *coreConn, br *bufio.Reader) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		cc.conn.Close()
	}()
	cc.r = br
	why := LeaveQuit
	for {
		msg, err := cc.readMessage()
		if err != nil {
			why = coreLeaveReason(err)
			if why == LeaveError {
				cc.logf("core %s: %v", cc.conn.RemoteAddr(), err)
			}
			break
		}
		if _, bye := msg.(m64p.DisconnectNotice); bye {
			break
		}
		if err := cc.handle(ctx, msg); err != nil {
			why = coreLeaveReason(err)
			switch {
			case errors.Is(err, errCoreQuit):
				why = LeaveQuit
			case ctx.Err() == nil && why == LeaveError:
				cc.logf("core %s: %v", cc.conn.RemoteAddr(), err)
			}
			break
		}
	}
	cc.backend.leave(cc, why)
}

// readMessage reads the next message: it waits up to idleTimeout for its
// first byte (in the handshake; a playing core is silent on TCP), then up
// to msgTimeout for the rest.
func (cc *coreConn) readMessage() (m64p.TCPMessage, error) {
	if cc.r.Buffered() == 0 {
		cc.conn.SetReadDeadline(deadline(cc.idleTimeout, !cc.playing))
		if _, err := cc.r.Peek(1); err != nil {
			return nil, err
		}
	}
	cc.conn.SetReadDeadline(deadline(cc.msgTimeout, true))
	return m64p.ReadTCPMessage(cc.r)
}

// deadline is now+d, or no deadline if d is zero or !apply.
func deadline(d time.Duration, apply bool) time.Time {
	if d <= 0 || !apply {
		return time.Time{}
	}
	return time.Now().Add(d)
}

func coreLeaveReason(err error) LeaveReason {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return LeaveLost
	case errors.Is(err, io.ErrUnexpectedEOF):
		return LeaveLost
	case errors.Is(err, os.ErrDeadlineExceeded):
		return LeaveTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return LeaveLost
	}
	return LeaveError
}

// handle answers one message. Replies are written directly: a core's TCP
// conversation is strictly request then reply.
func (cc *coreConn) handle(ctx context.Context, msg m64p.TCPMessage) error {
	switch m := msg.(type) {
	case m64p.RegisterPlayer:
		ok, target := cc.backend.register(cc, m)
		if ok && cc.established != nil {
			cc.established()
		}
		return cc.reply(m64p.RegisterReply{Accepted: ok, BufferTarget: target}.AppendTo(nil))
	case m64p.SendSettings:
		return cc.backend.putSettings(cc, m.Settings)
	case m64p.ReceiveSettings:
		var s m64p.Settings
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			s, err = cc.backend.settings(ctx, cc)
			return err
		})
		if err != nil {
			return fmt.Errorf("receive settings: %w", err)
		}
		return cc.reply(s.AppendTo(nil))
	case m64p.SendSave:
		return cc.backend.putSave(cc, m.File, m.Data)
	case m64p.ReceiveSave:
		var data []byte
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			data, err = cc.backend.save(ctx, cc, m.File)
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
		var reg m64p.Registration
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			reg, err = cc.backend.registration(ctx, cc)
			return err
		})
		if err != nil {
			return fmt.Errorf("get registration: %w", err)
		}
		if err := cc.reply(reg.AppendTo(nil)); err != nil {
			return err
		}
		cc.playing = true
		if cc.established != nil {
			cc.established()
		}
		return nil
	}
	return fmt.Errorf("unexpected %T", msg)
}

// errCoreQuit ends a wait whose core sent DISCONNECT_NOTICE meanwhile.
var errCoreQuit = errors.New("the core quit while it waited")

// errCoreSpoke is what watched's reader reports when bytes arrive.
var errCoreSpoke = errors.New("the core spoke while it waited for a reply")

// watched runs wait, which blocks until the host can answer, while reading
// the connection. A core sends nothing while it waits for a reply
// (research/m64p-netplay.md §1.1), so a read that returns means the core
// hung up, or broke request and reply: either ends the wait at once, so
// that its member never outlives its connection. Bytes that arrive are
// read as one message: DISCONNECT_NOTICE returns errCoreQuit.
func (cc *coreConn) watched(ctx context.Context, wait func(context.Context) error) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc.conn.SetReadDeadline(time.Time{})
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
	cc.conn.SetReadDeadline(time.Unix(1, 0))
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

func (cc *coreConn) reply(b []byte) error {
	cc.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := cc.conn.Write(b)
	return err
}

// waitNoting waits for ready, explaining in the log every coreWaitNote
// what is awaited.
func waitNoting(ctx context.Context, ready <-chan struct{}, logf func(string, ...any), what func() string) error {
	t := time.NewTicker(coreWaitNote)
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
