package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

	// Owned by the backend, under its lock.
	regID   uint32
	players PortMask
	member  *member // host side: the session member it is
}

// contextUntil returns a context that ends when done closes, or when its
// cancel is called: a core's wait ends when the host or client stops.
func contextUntil(parent context.Context, done <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// coreWaitNote is how often a core's blocked request is explained in the
// log while it waits (for player 1's data, or for /start).
const coreWaitNote = 10 * time.Second

// serveCore runs a core's TCP connection until it disconnects or ctx ends.
// It never closes the connection in the middle of a handshake step of its
// own accord: the core would spin forever (research/m64p-netplay.md §1.1).
func serveCore(ctx context.Context, cc *coreConn, br *bufio.Reader) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		cc.conn.Close()
	}()
	cc.conn.SetReadDeadline(time.Time{})
	why := LeaveQuit
	for {
		msg, err := m64p.ReadTCPMessage(br)
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
			if ctx.Err() == nil {
				cc.logf("core %s: %v", cc.conn.RemoteAddr(), err)
			}
			why = LeaveError
			break
		}
	}
	cc.backend.leave(cc, why)
}

func coreLeaveReason(err error) LeaveReason {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return LeaveLost
	case errors.Is(err, io.ErrUnexpectedEOF):
		return LeaveLost
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
		return cc.reply(m64p.RegisterReply{Accepted: ok, BufferTarget: target}.AppendTo(nil))
	case m64p.SendSettings:
		return cc.backend.putSettings(cc, m.Settings)
	case m64p.ReceiveSettings:
		s, err := cc.backend.settings(ctx, cc)
		if err != nil {
			return fmt.Errorf("receive settings: %w", err)
		}
		return cc.reply(s.AppendTo(nil))
	case m64p.SendSave:
		return cc.backend.putSave(cc, m.File, m.Data)
	case m64p.ReceiveSave:
		data, err := cc.backend.save(ctx, cc, m.File)
		if err != nil {
			return fmt.Errorf("receive %s: %w", m.File.Ext(), err)
		}
		if data == nil {
			data = make([]byte, m.File.Size())
		}
		return cc.reply(data)
	case m64p.GetRegistration:
		reg, err := cc.backend.registration(ctx, cc)
		if err != nil {
			return fmt.Errorf("get registration: %w", err)
		}
		return cc.reply(reg.AppendTo(nil))
	}
	return fmt.Errorf("unexpected %T", msg)
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
