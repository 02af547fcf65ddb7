package hosttest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

// standIn is NOT the netpak host. It is a minimal mupen64plus netplay
// server following the "fixed-delay scheme" of
// research/mupen64plus-frontend-notes.md §2, written only so that the fake
// core can be tested before the real host serves this protocol; replace
// its uses with the real host once it does.
//
// Scheme: KEY_INFO_CLIENT for count c fills event c+delay (gaps take the
// previous input); the first delay events of each player are 0; a request
// for (p, c) returns every existing event from c onward.
type standIn struct {
	t     *testing.T
	delay uint32
	want  int // registered players that release GET_REGISTRATION; 0: only release does
	// release, when closed, answers GET_REGISTRATION (the host's /start).
	release chan struct{}
	// options
	lag          uint8
	bufferTarget uint8
	gratuitous   bool

	tcp  *net.TCPListener
	udp  *net.UDPConn
	wg   sync.WaitGroup
	done chan struct{} // closed by close: every wait ends

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change below
	conns    []net.Conn
	reg      m64p.Registration
	nreg     int
	settings *m64p.Settings
	saves    m64p.Saves
	events   [4]map[uint32]m64p.Event
	next     [4]uint32
	last     [4]m64p.Event
	ops      map[uint32][]string // TCP messages seen, by the connection's regid
	sync     map[uint32][32]uint32
	syncs    map[uint32]int // SYNC_DATA received per VI
	desync   bool
	mute     bool // drop every datagram
}

func newStandIn(t *testing.T, delay uint32, want int) *standIn {
	t.Helper()
	s := &standIn{t: t, delay: delay, want: want, release: make(chan struct{}), changed: make(chan struct{}), done: make(chan struct{}),
		ops: map[uint32][]string{}, sync: map[uint32][32]uint32{}, syncs: map[uint32]int{}}
	for i := range s.events {
		s.events[i] = map[uint32]m64p.Event{}
	}
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	var err error
	if s.tcp, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(lo)); err != nil {
		t.Fatal(err)
	}
	port := s.tcp.Addr().(*net.TCPAddr).AddrPort().Port()
	if s.udp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(lo.Addr(), port))); err != nil {
		s.tcp.Close()
		t.Skipf("udp port %d taken next to tcp: %v", port, err)
	}
	s.wg.Go(s.acceptLoop)
	s.wg.Go(s.udpLoop)
	t.Cleanup(s.close)
	return s
}

func (s *standIn) addr() netip.AddrPort { return s.tcp.Addr().(*net.TCPAddr).AddrPort() }

func (s *standIn) close() {
	close(s.done)
	s.tcp.Close()
	s.udp.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// changedLocked wakes every waiter.
func (s *standIn) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond holds (checked under mu) or 10 s pass.
func (s *standIn) waitFor(cond func() bool) bool {
	timeout := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-timeout:
			return false
		case <-s.done:
			return false
		}
	}
}

func (s *standIn) opsOf(regID uint32) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ops[regID]...)
}

func (s *standIn) acceptLoop() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Go(func() { s.serveTCP(c) })
	}
}

func (s *standIn) serveTCP(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	var regID uint32
	for {
		m, err := m64p.ReadTCPMessage(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.t.Logf("stand-in: tcp: %v", err)
			}
			return
		}
		if reg, ok := m.(m64p.RegisterPlayer); ok && regID == 0 {
			regID = reg.RegID
		}
		s.mu.Lock()
		s.ops[regID] = append(s.ops[regID], opName(m))
		s.changedLocked()
		s.mu.Unlock()
		reply, ok := s.handle(m)
		if !ok {
			return
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

func opName(m m64p.TCPMessage) string {
	switch m := m.(type) {
	case m64p.SendSave:
		return "send " + m.File.Ext()
	case m64p.ReceiveSave:
		return "receive " + m.File.Ext()
	case m64p.SendSettings:
		return "send settings"
	case m64p.ReceiveSettings:
		return "receive settings"
	case m64p.RegisterPlayer:
		return "register"
	case m64p.GetRegistration:
		return "get registration"
	case m64p.DisconnectNotice:
		return "disconnect"
	}
	return "?"
}

// handle returns the reply to m (possibly empty), or false when a wait
// timed out.
func (s *standIn) handle(m m64p.TCPMessage) ([]byte, bool) {
	switch m := m.(type) {
	case m64p.RegisterPlayer:
		return s.register(m).AppendTo(nil), true
	case m64p.SendSettings:
		s.mu.Lock()
		s.settings = &m.Settings
		s.changedLocked()
		s.mu.Unlock()
	case m64p.ReceiveSettings:
		if !s.waitFor(func() bool { return s.settings != nil }) {
			return nil, false
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.settings.AppendTo(nil), true
	case m64p.SendSave:
		s.mu.Lock()
		s.saves[m.File] = m.Data
		s.changedLocked()
		s.mu.Unlock()
	case m64p.ReceiveSave:
		if !s.waitFor(func() bool { return s.saves[m.File] != nil }) {
			return nil, false
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return bytes.Clone(s.saves[m.File]), true
	case m64p.GetRegistration:
		return s.registration()
	}
	return nil, true
}

func (s *standIn) register(m m64p.RegisterPlayer) m64p.RegisterReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := &s.reg[m.Player]
	if slot.Present() && slot.RegID != m.RegID {
		return m64p.RegisterReply{BufferTarget: s.bufferTarget}
	}
	if !slot.Present() {
		s.nreg++
		for c := range s.delay {
			s.events[m.Player][c] = m64p.Event{Count: c, Plugin: m.Plugin}
		}
		s.next[m.Player] = s.delay
		s.last[m.Player] = m64p.Event{Plugin: m.Plugin}
	}
	*slot = m64p.Slot{RegID: m.RegID, Plugin: m.Plugin, RawData: m.RawData}
	if s.want > 0 && s.nreg == s.want {
		close(s.release)
		s.want = 0
	}
	s.changedLocked()
	return m64p.RegisterReply{Accepted: true, BufferTarget: s.bufferTarget}
}

func (s *standIn) registration() ([]byte, bool) {
	select {
	case <-s.release:
	case <-time.After(10 * time.Second):
		return nil, false
	case <-s.done:
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reg.AppendTo(nil), true
}

func (s *standIn) udpLoop() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		d, err := m64p.ParseClientDatagram(buf[:n])
		if err != nil {
			s.t.Logf("stand-in: dropped datagram: %v", err)
			continue
		}
		for _, reply := range s.handleUDP(d) {
			s.udp.WriteToUDPAddrPort(reply, from)
		}
	}
}

func (s *standIn) handleUDP(d m64p.ClientDatagram) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mute {
		return nil
	}
	switch d := d.(type) {
	case m64p.KeyInfoClient:
		s.keyInfoLocked(d)
	case m64p.InputRequest:
		return s.replyLocked(d)
	case m64p.SyncData:
		s.syncLocked(d)
	}
	return nil
}

func (s *standIn) keyInfoLocked(k m64p.KeyInfoClient) {
	p, target := k.Player, k.Count+s.delay
	for ; s.next[p] <= target; s.next[p]++ {
		e := s.last[p]
		if s.next[p] == target {
			e = m64p.Event{Keys: k.Keys, Plugin: k.Plugin}
		}
		e.Count = s.next[p]
		s.events[p][e.Count] = e
		s.last[p] = e
	}
}

func (s *standIn) replyLocked(r m64p.InputRequest) [][]byte {
	m := m64p.KeyInfoServer{Player: r.Player, Lag: s.lag}
	for c := r.Count; len(m.Events) < m64p.MaxEvents; c++ {
		e, ok := s.events[r.Player][c]
		if !ok {
			break
		}
		m.Events = append(m.Events, e)
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		s.t.Errorf("stand-in: encode reply: %v", err)
		return nil
	}
	out := [][]byte{b}
	if s.gratuitous {
		m.Gratuitous = true
		g, _ := m.AppendTo(nil)
		out = append(out, g)
	}
	return out
}

func (s *standIn) syncLocked(d m64p.SyncData) {
	s.syncs[d.VI]++
	if old, ok := s.sync[d.VI]; ok && old != d.CP0 {
		s.desync = true
	}
	s.sync[d.VI] = d.CP0
	s.changedLocked()
}

// set changes options under the lock, so the server's loops see it.
func (s *standIn) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// core starts a fake core against s and closes it at cleanup.
func (s *standIn) core(t *testing.T, cfg FakeCoreConfig) *FakeCore {
	t.Helper()
	cfg.Host = s.addr()
	cfg.Logf = t.Logf
	c, err := NewFakeCore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
