package coreserve_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// limit bounds every wait of these tests; none should come near it.
const limit = 10 * time.Second

// shared is what the backends of one session's cores share: player 1's
// data and the start.
type shared struct {
	mu      sync.Mutex
	st      coreserve.Store
	reg     m64p.Registration
	started chan struct{} // closed by the test: GET_REGISTRATION is answered
}

func newShared() *shared {
	sh := &shared{started: make(chan struct{})}
	sh.st.Init()
	return sh
}

// backend is a test Backend on a shared store. Its waits report when they
// begin (entered) and how they end (ended).
type backend struct {
	sh      *shared
	reject  bool
	entered chan string
	ended   chan error
	left    chan wire.LeaveReason

	mu    sync.Mutex
	calls []string
}

func newBackend(sh *shared) *backend {
	return &backend{sh: sh, entered: make(chan string, 16), ended: make(chan error, 16), left: make(chan wire.LeaveReason, 4)}
}

func (b *backend) call(s string) {
	b.mu.Lock()
	b.calls = append(b.calls, s)
	b.mu.Unlock()
}

func (b *backend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// wait waits for ready like a real backend: until it is closed or ctx ends.
func (b *backend) wait(ctx context.Context, what string, ready <-chan struct{}) error {
	b.call(what)
	b.entered <- what
	select {
	case <-ready:
		b.ended <- nil
		return nil
	case <-ctx.Done():
		b.ended <- ctx.Err()
		return ctx.Err()
	}
}

func (b *backend) Register(r m64p.RegisterPlayer) (bool, uint8) {
	b.call("register")
	return !b.reject, coreserve.BufferTarget
}

func (b *backend) PutSettings(s m64p.Settings) error {
	b.call("put settings")
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	b.sh.st.PutSettings(s)
	return nil
}

func (b *backend) Settings(ctx context.Context) (m64p.Settings, error) {
	if err := b.wait(ctx, "settings", b.sh.st.Ready(wire.CoreKindSettings)); err != nil {
		return m64p.Settings{}, err
	}
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	return b.sh.st.Settings(), nil
}

func (b *backend) PutSave(f m64p.SaveFile, data []byte) error {
	b.call("put " + f.Ext())
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	b.sh.st.Put(coreserve.SaveKind(f), data)
	return nil
}

func (b *backend) Save(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	if err := b.wait(ctx, f.Ext(), b.sh.st.Ready(coreserve.SaveKind(f))); err != nil {
		return nil, err
	}
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	d, _ := b.sh.st.Get(coreserve.SaveKind(f))
	return d, nil
}

func (b *backend) Registration(ctx context.Context) (m64p.Registration, error) {
	if err := b.wait(ctx, "registration", b.sh.started); err != nil {
		return m64p.Registration{}, err
	}
	return b.sh.reg, nil
}

func (b *backend) Leave(why wire.LeaveReason) { b.left <- why }

// core is the test's end of a core's TCP connection, served by Serve on
// 127.0.0.1.
type core struct {
	t      *testing.T
	c      net.Conn
	b      *backend
	ctx    context.Context // Serve's
	cancel context.CancelFunc
	done   chan struct{} // closed when Serve returns
	estab  chan struct{} // one value per Established call
}

// serveCore connects a core to Serve with backend b; cfg may set the
// Conn's timeouts and wrap its net.Conn.
func serveCore(t *testing.T, b *backend, cfg func(*coreserve.Conn)) *core {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.FailNow()
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &core{t: t, c: c, b: b, ctx: ctx, cancel: cancel, done: make(chan struct{}), estab: make(chan struct{}, 4)}
	cc := &coreserve.Conn{Conn: sc, Backend: b, Logf: t.Logf, Established: func() { k.estab <- struct{}{} }}
	if cfg != nil {
		cfg(cc)
	}
	go func() {
		defer close(k.done)
		coreserve.Serve(ctx, cc, coreserve.NewReader(cc.Conn))
	}()
	t.Cleanup(func() {
		cancel()
		c.Close()
		<-k.done
	})
	return k
}

func (k *core) send(m m64p.TCPMessage) {
	k.t.Helper()
	b, err := m.AppendTo(nil)
	if err != nil {
		k.t.Fatal(err)
	}
	k.write(b)
}

func (k *core) write(b []byte) {
	k.t.Helper()
	k.c.SetWriteDeadline(time.Now().Add(limit))
	if _, err := k.c.Write(b); err != nil {
		k.t.Fatalf("core write: %v", err)
	}
}

// recv reads a reply of exactly n bytes.
func (k *core) recv(n int) []byte {
	k.t.Helper()
	k.c.SetReadDeadline(time.Now().Add(limit))
	b := make([]byte, n)
	if _, err := io.ReadFull(k.c, b); err != nil {
		k.t.Fatalf("core read of a %d-byte reply: %v", n, err)
	}
	return b
}

// register registers the core as player p and checks the reply.
func (k *core) register(p uint8) {
	k.t.Helper()
	k.send(m64p.RegisterPlayer{Player: p, Plugin: m64p.PluginMempak, RegID: 0x1000 + uint32(p)})
	got, err := m64p.ParseRegisterReply(k.recv(m64p.RegisterReplySize))
	if want := (m64p.RegisterReply{Accepted: true, BufferTarget: coreserve.BufferTarget}); err != nil || got != want {
		k.t.Fatalf("register reply %+v, %v; want %+v", got, err, want)
	}
}

// entered waits until the backend begins the wait what.
func (k *core) entered(what string) {
	k.t.Helper()
	select {
	case got := <-k.b.entered:
		if got != what {
			k.t.Fatalf("backend waits for %s, want %s", got, what)
		}
	case <-time.After(limit):
		k.t.Fatalf("backend never waited for %s", what)
	}
}

// left waits for Serve to return and checks that Leave was called once,
// with want, and that the connection was closed.
func (k *core) left(want wire.LeaveReason) {
	k.t.Helper()
	select {
	case <-k.done:
	case <-time.After(limit):
		k.t.Fatalf("Serve still runs; want it to leave with %v", want)
	}
	select {
	case got := <-k.b.left:
		if got != want {
			k.t.Errorf("Leave(%v), want Leave(%v)", got, want)
		}
	default:
		k.t.Fatalf("Serve returned without calling Leave")
	}
	if len(k.b.left) != 0 {
		k.t.Errorf("Leave called again, with %v", <-k.b.left)
	}
	if k.ctx.Err() != nil {
		k.t.Error("Serve's context ended: the test, not the core, ended it")
	}
	k.c.SetReadDeadline(time.Now().Add(limit))
	if n, err := io.Copy(io.Discard, k.c); err != nil && !errors.Is(err, net.ErrClosed) { // closed: the core hung up
		k.t.Errorf("after Serve returned the core read %d bytes, then %v; want the connection closed", n, err)
	}
}

func saveData(f m64p.SaveFile, seed byte) []byte {
	d := make([]byte, f.Size())
	for i := range d {
		d[i] = seed + byte(i*7)
	}
	return d
}

// TestServeHandshake plays the real mupen64plus handshake of player 1 and
// player 2 on one store: player 2 asks for the settings before player 1
// sent them, and waits; every request is answered in order with the
// bytes player 1 sent; the game starts only when the host says so.
func TestServeHandshake(t *testing.T) {
	sh := newShared()
	sh.reg = m64p.Registration{
		{RegID: 0x1000, Plugin: m64p.PluginMempak},
		{RegID: 0x1001, Plugin: m64p.PluginRumblePak, RawData: true},
	}
	settings := m64p.Settings{CountPerOp: 2, CountPerOpDenomPot: 1, SiDmaDuration: -1, EmuMode: 2, NoCompiledJump: 1}
	p1b, p2b := newBackend(sh), newBackend(sh)
	p1, p2 := serveCore(t, p1b, nil), serveCore(t, p2b, nil)

	p2.register(1)
	<-p2.estab
	p2.send(m64p.ReceiveSettings{})
	p2.entered("settings")

	p1.register(0)
	<-p1.estab
	p1.send(m64p.SendSettings{Settings: settings})
	var sent m64p.Saves
	for i, f := range m64p.SaveFiles {
		if f == m64p.SaveFlashRAM {
			continue // player 1 has none: the store never gets it
		}
		sent[f] = saveData(f, byte(i+1))
		p1.send(m64p.SendSave{File: f, Data: sent[f]})
	}

	if got, err := m64p.ParseSettings(p2.recv(m64p.SettingsSize)); err != nil || got != settings {
		t.Fatalf("player 2 got settings %+v, %v; want %+v", got, err, settings)
	}
	for _, f := range []m64p.SaveFile{m64p.SaveMempak, m64p.SaveEEPROM, m64p.SaveSRAM} {
		p2.send(m64p.ReceiveSave{File: f})
		p2.entered(f.Ext())
		if got := p2.recv(f.Size()); !bytes.Equal(got, sent[f]) {
			t.Fatalf("player 2 got another %s than player 1 sent", f)
		}
	}

	p1.send(m64p.GetRegistration{})
	p2.send(m64p.GetRegistration{})
	p1.entered("registration")
	p2.entered("registration")
	close(sh.started)
	for _, k := range []*core{p1, p2} {
		got, err := m64p.ParseRegistration(k.recv(m64p.RegistrationSize))
		if err != nil || got != sh.reg {
			t.Fatalf("registration %+v, %v; want %+v", got, err, sh.reg)
		}
		<-k.estab // it plays
	}

	p1.send(m64p.DisconnectNotice{RegID: 0x1000})
	p1.left(wire.LeaveQuit)
	p2.send(m64p.DisconnectNotice{RegID: 0x1001})
	p2.left(wire.LeaveQuit)

	// A playing core is busy on TCP from its DISCONNECT_NOTICE's first byte.
	want1 := []string{"register", "put settings", "put mpk", "put eep", "put sra", "registration", "busy"}
	want2 := []string{"register", "settings", "mpk", "eep", "sra", "registration", "busy"}
	if got := p1b.Calls(); !slices.Equal(got, want1) {
		t.Errorf("player 1's backend calls %q, want %q", got, want1)
	}
	if got := p2b.Calls(); !slices.Equal(got, want2) {
		t.Errorf("player 2's backend calls %q, want %q", got, want2)
	}
}

// TestServeNilSaveIsZeros: a save the backend has no file for is sent as
// the save's size of zero bytes.
func TestServeNilSaveIsZeros(t *testing.T) {
	sh := newShared()
	sh.st.Put(coreserve.SaveKind(m64p.SaveFlashRAM), nil)
	k := serveCore(t, newBackend(sh), nil)
	k.register(1)
	k.send(m64p.ReceiveSave{File: m64p.SaveFlashRAM})
	if got := k.recv(m64p.SaveFlashRAM.Size()); !bytes.Equal(got, make([]byte, m64p.SaveFlashRAM.Size())) {
		t.Error("a nil save was not sent as zeros")
	}
	k.send(m64p.DisconnectNotice{RegID: 1})
	k.left(wire.LeaveQuit)
}

func TestServeRegisterRejected(t *testing.T) {
	b := newBackend(newShared())
	b.reject = true
	k := serveCore(t, b, nil)
	k.send(m64p.RegisterPlayer{Player: 2, Plugin: m64p.PluginNone, RegID: 9})
	got, err := m64p.ParseRegisterReply(k.recv(m64p.RegisterReplySize))
	if want := (m64p.RegisterReply{Accepted: false, BufferTarget: coreserve.BufferTarget}); err != nil || got != want {
		t.Fatalf("register reply %+v, %v; want %+v", got, err, want)
	}
	k.send(m64p.DisconnectNotice{RegID: 9})
	k.left(wire.LeaveQuit)
	if len(k.estab) != 0 {
		t.Error("Established called for a rejected core")
	}
}

// TestServeWhileWaiting: whatever the core does while it waits for a
// reply ends the wait at once, and the connection, with the right reason.
func TestServeWhileWaiting(t *testing.T) {
	requests := []struct {
		name string
		msg  m64p.TCPMessage
		wait string
	}{
		{"settings", m64p.ReceiveSettings{}, "settings"},
		{"save", m64p.ReceiveSave{File: m64p.SaveEEPROM}, "eep"},
		{"registration", m64p.GetRegistration{}, "registration"},
	}
	actions := []struct {
		name string
		do   func(k *core)
		want wire.LeaveReason
	}{
		{"hang up", func(k *core) { k.c.Close() }, wire.LeaveLost},
		{"half close", func(k *core) { k.c.(*net.TCPConn).CloseWrite() }, wire.LeaveLost},
		{"disconnect notice", func(k *core) { k.send(m64p.DisconnectNotice{RegID: 0x1001}) }, wire.LeaveQuit},
		{"another request", func(k *core) { k.send(m64p.ReceiveSettings{}) }, wire.LeaveError},
		{"half a disconnect notice", func(k *core) { k.write([]byte{7, 0}) }, wire.LeaveTimeout},
		{"unknown opcode", func(k *core) { k.write([]byte{0xee}) }, wire.LeaveError},
	}
	for _, rq := range requests {
		for _, a := range actions {
			t.Run(rq.name+"/"+a.name, func(t *testing.T) {
				t.Parallel()
				b := newBackend(newShared())
				k := serveCore(t, b, func(cc *coreserve.Conn) {
					cc.IdleTimeout = limit // must not end these waits
					cc.MsgTimeout = 50 * time.Millisecond
				})
				k.register(1)
				k.send(rq.msg)
				k.entered(rq.wait)
				a.do(k)
				select {
				case err := <-b.ended:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("the wait ended with %v, want context.Canceled", err)
					}
				case <-time.After(limit):
					t.Fatal("the wait did not end")
				}
				k.left(a.want)
			})
		}
	}
}

func TestServeMsgTimeout(t *testing.T) {
	tests := []struct {
		name    string
		p1      bool // player 1 registers first: only it uploads
		partial []byte
	}{
		{"register player", false, []byte{5, 1}},
		{"send save header", true, []byte{1, 'e', 'e', 'p', 0, 0, 0, 8}},
		{"send save data", true, append([]byte{1, 'e', 'e', 'p', 0, 0, 0, 8, 0}, make([]byte, 100)...)},
		{"send settings", true, []byte{3, 0, 0, 0}},
		{"save extension", false, []byte{2, 'm', 'p'}},
		{"sized save name", false, []byte{8, 'i', 'm'}},
		{"custom size", true, []byte{65, 0, 0}},
		{"custom data", true, []byte{65, 0, 0, 0, 8, 1, 2, 3}},
		// 100 ms is 3 KiB at the slowest rate a large upload is given.
		{"rom data", true, append([]byte{1, 'r', 'o', 'm', 0, 0, 2, 0, 0}, make([]byte, 100)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(newShared())
			k := serveCore(t, b, func(cc *coreserve.Conn) {
				cc.IdleTimeout = limit
				cc.MsgTimeout = 50 * time.Millisecond
			})
			var want []string
			if tt.p1 {
				k.register(0)
				want = []string{"register"}
			}
			k.write(tt.partial)
			k.left(wire.LeaveTimeout)
			if calls := b.Calls(); !slices.Equal(calls, want) {
				t.Errorf("backend called for an incomplete message: %q", calls)
			}
		})
	}
}

func TestServeIdleTimeoutInHandshake(t *testing.T) {
	tests := []struct {
		name  string
		steps func(k *core)
	}{
		{"before the first message", func(k *core) {}},
		{"after registering", func(k *core) { k.register(1) }},
		{"after the settings", func(k *core) {
			k.register(0)
			k.send(m64p.SendSettings{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := serveCore(t, newBackend(newShared()), func(cc *coreserve.Conn) {
				cc.IdleTimeout = 50 * time.Millisecond
			})
			tt.steps(k)
			k.left(wire.LeaveTimeout)
		})
	}
}

// deadlineConn records the read deadlines Serve sets, and marks when it
// calls Established.
type deadlineConn struct {
	net.Conn
	mu     sync.Mutex
	log    []time.Time // read deadlines, in order; marks are the zero Time with mark set
	est    []int       // len(log) at each Established
	writes []time.Time // write deadlines, in order
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writes = append(c.writes, t)
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

// lastWrite returns the last write deadline set.
func (c *deadlineConn) lastWrite() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.writes) == 0 {
		return time.Time{}
	}
	return c.writes[len(c.writes)-1]
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.log = append(c.log, t)
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *deadlineConn) established() {
	c.mu.Lock()
	c.est = append(c.est, len(c.log))
	c.mu.Unlock()
}

// after returns the read deadlines set after the i-th Established.
func (c *deadlineConn) after(i int) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= len(c.est) {
		return nil
	}
	return slices.Clone(c.log[c.est[i]:])
}

// TestServeNoIdleTimeoutWhilePlaying: once GET_REGISTRATION is answered
// the core plays and is silent on TCP; IdleTimeout, which bounds every
// silence of the handshake, no longer applies.
func TestServeNoIdleTimeoutWhilePlaying(t *testing.T) {
	const idle = 30 * time.Second // only its presence is checked
	sh := newShared()
	close(sh.started)
	var dc *deadlineConn
	k := serveCore(t, newBackend(sh), func(cc *coreserve.Conn) {
		dc = &deadlineConn{Conn: cc.Conn}
		cc.Conn = dc
		cc.IdleTimeout = idle
		cc.Established = dc.established
	})
	k.register(1)
	hosttest.WaitFor(t, "the read of the next handshake message", func() bool { return len(dc.after(0)) > 0 })
	if d := dc.after(0)[0]; d.IsZero() || time.Until(d) > idle {
		t.Errorf("handshake read deadline %v from now, want within %v", time.Until(d), idle)
	}
	k.send(m64p.GetRegistration{})
	k.recv(m64p.RegistrationSize)
	hosttest.WaitFor(t, "the read of a playing core", func() bool { return len(dc.after(1)) > 0 })
	if d := dc.after(1)[0]; !d.IsZero() {
		t.Errorf("a playing core's read has a deadline %v from now, want none", time.Until(d))
	}
	k.send(m64p.DisconnectNotice{RegID: 0x1001})
	k.left(wire.LeaveQuit)
}

// TestServeEndsWithContext: when the host stops, a core waiting for a
// reply is let go, Leave is called once and the connection is closed.
func TestServeEndsWithContext(t *testing.T) {
	b := newBackend(newShared())
	k := serveCore(t, b, nil)
	k.send(m64p.ReceiveSettings{})
	k.entered("settings")
	k.cancel()
	select {
	case <-k.done:
	case <-time.After(limit):
		t.Fatal("Serve did not return when its context ended")
	}
	if n := len(b.left); n != 1 {
		t.Fatalf("Leave called %d times, want once", n)
	}
	k.c.SetReadDeadline(time.Now().Add(limit))
	if _, err := io.Copy(io.Discard, k.c); err != nil {
		t.Errorf("the core's connection was not closed: %v", err)
	}
}
