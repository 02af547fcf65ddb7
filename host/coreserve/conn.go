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

// ExtBackend is what a [Backend] adds to serve gopher64's netplay (up to
// 1.1.22): player 1's save files of their own sizes (img and rom
// included) and its custom slots, which it uploads after its
// GET_REGISTRATION was answered, and which players 2-4 then ask for with
// RECEIVE_SAVE_WITH_SIZE and RECEIVE_CUSTOM. Every method that waits
// returns when ctx ends. A Backend without it refuses these requests: the
// core's connection ends.
type ExtBackend interface {
	// PutSizedSave keeps player 1's save file f (any of the six) of any
	// size up to f.MaxSize().
	PutSizedSave(f m64p.SaveFile, data []byte) error
	// SizedSave waits for player 1's save file f and returns it.
	SizedSave(ctx context.Context, f m64p.SaveFile) ([]byte, error)
	// PutCustom keeps player 1's custom slot k.
	PutCustom(k uint8, data []byte) error
	// Custom waits for player 1's custom slot k and returns it.
	Custom(ctx context.Context, k uint8) ([]byte, error)
	// Busy is told when a core that plays begins (true) and ends (false)
	// a TCP exchange: an upload being read, or a request and its reply.
	// Meanwhile the core sends no input, and is not to be taken for one
	// that stopped.
	Busy(busy bool)
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
	// Established, if set, is called when the core holds a controller port
	// and again when it plays (it may be called more than once): the host
	// stops counting it as a connection still joining.
	Established func()

	// Owned by Serve's goroutine.
	r       *bufio.Reader
	playing bool // GET_REGISTRATION answered
	p1      bool // player 1 was granted: the core may upload
	busy    bool // Busy(true) was told
}

// minUploadRate is the slowest transfer a large save (beyond
// m64p.MaxSaveSize, which MsgTimeout and replyTimeout cover) is given time
// for, either way: 16 MiB in about 9 minutes.
const minUploadRate = 32 << 10

// largeTime is the time beyond its timeout a message of n bytes is given:
// a second per minUploadRate bytes beyond m64p.MaxSaveSize.
func largeTime(n int) time.Duration {
	return time.Duration(max(n-m64p.MaxSaveSize, 0)) * time.Second / minUploadRate
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
		err = cc.handle(ctx, msg)
		cc.setBusy(false)
		if err != nil {
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
// to MsgTimeout for the rest, and for an upload larger than
// m64p.MaxSaveSize one more second per minUploadRate bytes beyond it. An
// upload from a core that is not player 1 is refused before its data is
// read.
func (cc *Conn) readMessage() (m64p.TCPMessage, error) {
	if cc.r.Buffered() == 0 {
		cc.Conn.SetReadDeadline(deadline(cc.IdleTimeout, !cc.playing))
		if _, err := cc.r.Peek(1); err != nil {
			return nil, err
		}
	}
	if cc.playing {
		cc.setBusy(true)
	}
	first, _ := cc.r.Peek(1)
	if m64p.IsUpload(first[0]) && !cc.p1 {
		return nil, fmt.Errorf("message type %d: %w", first[0], errNotPlayer1)
	}
	cc.Conn.SetReadDeadline(deadline(cc.MsgTimeout, true))
	n, err := m64p.UploadSize(cc.r)
	if err != nil {
		return nil, noEOF(err)
	}
	if extra := largeTime(n); extra > 0 && cc.MsgTimeout > 0 {
		cc.Conn.SetReadDeadline(time.Now().Add(cc.MsgTimeout + extra))
	}
	return m64p.ReadTCPMessage(cc.r)
}

// errNotPlayer1 refuses an upload from a core that does not hold player 1.
var errNotPlayer1 = errors.New("an upload from a core that is not player 1")

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ext returns the backend's ExtBackend, or an error for a core's gopher64
// request the backend cannot serve.
func (cc *Conn) ext(msg m64p.TCPMessage) (ExtBackend, error) {
	if x, ok := cc.Backend.(ExtBackend); ok {
		return x, nil
	}
	return nil, fmt.Errorf("unsupported %T", msg)
}

func (cc *Conn) setBusy(b bool) {
	if cc.busy == b {
		return
	}
	if x, ok := cc.Backend.(ExtBackend); ok {
		cc.busy = b
		x.Busy(b)
	}
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
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, context.Canceled):
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
		cc.p1 = cc.p1 || (ok && m.Player == 0)
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
		if m.Fixed() {
			return cc.Backend.PutSave(m.File, m.Data)
		}
		x, err := cc.ext(msg)
		if err != nil {
			return err
		}
		return x.PutSizedSave(m.File, m.Data)
	case m64p.SendCustom:
		x, err := cc.ext(msg)
		if err != nil {
			return err
		}
		return x.PutCustom(m.Slot, m.Data)
	case m64p.ReceiveSizedSave, m64p.ReceiveCustom:
		return cc.receiveExt(ctx, msg)
	case m64p.ReceiveSave:
		var data []byte
		err := cc.watched(ctx, func(ctx context.Context) (err error) {
			data, err = cc.Backend.Save(ctx, m.File)
			return err
		})
		if err != nil {
			return fmt.Errorf("receive %s: %w", m.File.Ext(), err)
		}
		return cc.reply(fit(data, m.File.Size()))
	case m64p.GetRegistration:
		return cc.registration(ctx)
	}
	return fmt.Errorf("unexpected %T", msg)
}

// receiveExt answers gopher64's requests for player 1's data: a sized
// save, with its size first, or a custom slot, raw.
func (cc *Conn) receiveExt(ctx context.Context, msg m64p.TCPMessage) error {
	x, err := cc.ext(msg)
	if err != nil {
		return err
	}
	var data []byte
	what := ""
	err = cc.watched(ctx, func(ctx context.Context) (err error) {
		switch m := msg.(type) {
		case m64p.ReceiveSizedSave:
			what = "receive sized " + m.File.Ext()
			data, err = x.SizedSave(ctx, m.File)
			data = m64p.AppendSizedSave(nil, data)
		case m64p.ReceiveCustom:
			what = fmt.Sprintf("receive custom slot %d", m.Slot)
			data, err = x.Custom(ctx, m.Slot)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return cc.reply(data)
}

// fit returns data as exactly n bytes: nil ("no file") as zeros; from
// gopher64's player 1, a file of another size cut or padded, since a
// mupen64plus core reads exactly n.
func fit(data []byte, n int) []byte {
	if len(data) == n {
		return data
	}
	out := make([]byte, n)
	copy(out, data)
	return out
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
	cc.Conn.SetWriteDeadline(time.Now().Add(replyTimeout + largeTime(len(b))))
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
