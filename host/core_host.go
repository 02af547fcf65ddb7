package host

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// coreLink is the host's coreserve.Backend for one direct core's
// connection: the core is a session member.
type coreLink struct {
	h    *Host
	conn net.Conn

	// Under h.mu.
	regID    uint32
	member   *member // nil until the core registers or asks for data
	p1       bool    // it registered player 1
	uploaded bool    // it sent player 1's data: settings, a save or a custom slot
}

// serveCoreConn serves a direct core on the session port. established is
// called once the core holds a controller port or plays.
func (h *Host) serveCoreConn(c net.Conn, br *bufio.Reader, established func()) {
	if tc, ok := c.(*net.TCPConn); ok {
		// A core waiting in the lobby sends nothing for as long as the
		// lobby lasts; keepalives tell a vanished machine from a patient one.
		tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true,
			Idle: coreKeepAliveIdle, Interval: coreKeepAliveInterval, Count: coreKeepAliveCount})
	}
	cc := &coreserve.Conn{Conn: c, Backend: &coreLink{h: h, conn: c}, Logf: h.logf,
		IdleTimeout: h.limits.coreIdleTimeout, MsgTimeout: h.limits.coreMessageTimeout,
		Established: established}
	coreserve.Serve(h.ctx, cc, br)
}

// memberLocked returns the core's member, adding it (as a spectator until
// it registers a player) the first time.
func (l *coreLink) memberLocked(port int) (*member, error) {
	s := &l.h.s
	if l.member != nil {
		return l.member, nil
	}
	if len(s.members) >= wire.MaxMembers {
		return nil, fmt.Errorf("the session is full (%d members)", wire.MaxMembers)
	}
	name := "core"
	if port >= 0 {
		name = fmt.Sprintf("core-p%d", port+1)
		if n := s.cores.names[port]; session.CheckName(n) == nil && !s.nameTakenLocked(n) {
			name = n
		}
	}
	base := name
	for i := 2; s.nameTakenLocked(name); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	ip := udpsock.AddrPortOf(l.conn.RemoteAddr()).Addr()
	m := &member{name: name, spectator: port < 0, conn: l.conn, from: ip, core: &coreMember{ip: ip}}
	l.member = m
	s.cores.members++
	s.joinLocked(m)
	return m, nil
}

func (l *coreLink) bufferTarget() uint8 {
	if l.h.cfg.hooks.Turbo {
		return 0
	}
	return coreserve.BufferTarget
}

func (l *coreLink) Register(r m64p.RegisterPlayer) (bool, uint8) {
	h := l.h
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &h.s
	k := int(r.Player)
	target := l.bufferTarget()
	switch {
	case s.state != stateLobby:
		h.logf("core %v asked for player %d after the start: refused", l.conn.RemoteAddr(), k+1)
		return false, target
	case l.regID != 0 && l.regID != r.RegID, s.cores.byRegID[r.RegID] != nil && s.cores.byRegID[r.RegID] != l.member:
		h.logf("core %v: regid %#x clashes: refused", l.conn.RemoteAddr(), r.RegID)
		return false, target
	case s.owner[k] != nil:
		return false, target
	}
	m, err := l.memberLocked(k)
	if err != nil {
		h.logf("core %v: %v", l.conn.RemoteAddr(), err)
		return false, target
	}
	l.regID = r.RegID
	l.p1 = l.p1 || k == 0
	s.cores.byRegID[r.RegID] = m
	m.ports |= 1 << k
	m.spectator = false
	s.owner[k] = m
	s.cores.slots[k] = m64p.Slot{RegID: r.RegID, Plugin: r.Plugin, RawData: r.RawData}
	s.broadcastRosterLocked()
	s.eventLocked(session.Event{Kind: session.EventJoined, Who: m.name, Ports: 1 << k})
	s.autoArmed = true
	s.autoStartLocked()
	return true, target
}

// isPlayer1Locked reports whether the core holds port 1, whose settings
// and saves every other core receives.
func (l *coreLink) isPlayer1Locked() bool { return l.member != nil && l.member.ports.Has(0) }

func (l *coreLink) PutSettings(st m64p.Settings) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if !l.isPlayer1Locked() {
		return fmt.Errorf("settings from a core that is not player 1")
	}
	l.uploaded = true
	l.h.s.putSettingsLocked(st)
	return nil
}

func (s *room) putSettingsLocked(st m64p.Settings) {
	if s.cores.store.PutSettings(st) {
		s.coreDataArrivedLocked(wire.CoreKindSettings)
	}
}

func (l *coreLink) PutSave(f m64p.SaveFile, data []byte) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if !l.isPlayer1Locked() {
		return fmt.Errorf("%s save from a core that is not player 1", f.Ext())
	}
	l.uploaded = true
	l.h.s.putSaveLocked(f, data)
	return nil
}

func (s *room) putSaveLocked(f m64p.SaveFile, data []byte) {
	if !s.cores.store.Put(coreserve.SaveKind(f), data) {
		return
	}
	if p1 := s.owner[0]; p1 != nil && p1.core != nil && !p1.core.lateData {
		s.coreSavesManifestLocked(p1)
	}
	s.coreDataArrivedLocked(coreserve.SaveKind(f))
}

// awaitData waits for player 1's data of kind, which what names.
func (l *coreLink) awaitData(ctx context.Context, kind uint8, what string) ([]byte, error) {
	h := l.h
	h.mu.Lock()
	l.memberLocked(-1)
	ready := h.s.cores.store.Ready(kind)
	h.mu.Unlock()
	err := coreserve.WaitNoting(ctx, ready, h.logf, func() string { return "a core waits for player 1's " + what })
	h.mu.Lock()
	defer h.mu.Unlock()
	data, _ := h.s.cores.store.Get(kind)
	return data, err
}

func (l *coreLink) Settings(ctx context.Context) (m64p.Settings, error) {
	_, err := l.awaitData(ctx, wire.CoreKindSettings, "emulator settings")
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	return l.h.s.cores.store.Settings(), err
}

func (l *coreLink) Save(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	return l.awaitData(ctx, coreserve.SaveKind(f), f.Ext()+" save")
}

func (l *coreLink) Registration(ctx context.Context) (m64p.Registration, error) {
	h := l.h
	h.mu.Lock()
	m, err := l.memberLocked(-1)
	started := h.s.cores.started
	if err == nil && l.isPlayer1Locked() && !l.uploaded && !m.core.lateData {
		// gopher64 (up to 1.1.22): player 1 sends its data once the game
		// started, so the start cannot wait for its saves.
		m.core.lateData = true
		h.s.autoStartLocked()
	}
	h.mu.Unlock()
	if err != nil {
		return m64p.Registration{}, err
	}
	err = coreserve.WaitNoting(ctx, started, h.logf, func() string { return fmt.Sprintf("%s waits for /start", m.name) })
	h.mu.Lock()
	defer h.mu.Unlock()
	m.core.released = true
	m.udpSeen.Store(nowNanos())
	return h.s.slotsLocked(), err
}

func (l *coreLink) Leave(why session.LeaveReason) {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if l.p1 && l.h.s.state == statePlaying && l.member != nil && l.member.core.lateData {
		l.h.s.cores.p1LeftLocked()
	}
	if m := l.member; m != nil {
		delete(l.h.s.cores.byRegID, l.regID)
		l.h.s.dropLocked(m, why)
	}
}

// PutSizedSave keeps gopher64's player 1's save file f, of its own size.
func (l *coreLink) PutSizedSave(f m64p.SaveFile, data []byte) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if !l.isPlayer1Locked() {
		return fmt.Errorf("%s save from a core that is not player 1", f.Ext())
	}
	l.uploaded = true
	l.h.s.cores.store.PutSized(f, data)
	return nil
}

// PutCustom keeps gopher64's player 1's custom slot k (its clock, its
// random seed).
func (l *coreLink) PutCustom(k uint8, data []byte) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if !l.isPlayer1Locked() {
		return fmt.Errorf("custom slot %d from a core that is not player 1", k)
	}
	l.uploaded = true
	l.h.s.cores.store.PutCustom(k, data)
	return nil
}

// SizedSave waits for player 1's save file f as gopher64 sent it.
func (l *coreLink) SizedSave(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	return l.awaitExt(ctx, f.Ext()+" save", func(st *coreserve.Store) (<-chan struct{}, func() ([]byte, bool)) {
		return st.SizedReady(f), func() ([]byte, bool) { return st.Sized(f) }
	})
}

// Custom waits for player 1's custom slot k.
func (l *coreLink) Custom(ctx context.Context, k uint8) ([]byte, error) {
	what := fmt.Sprintf("custom data %d", k)
	switch k {
	case m64p.CustomRTC:
		what = "clock"
	case m64p.CustomRNG:
		what = "random seed"
	}
	return l.awaitExt(ctx, what, func(st *coreserve.Store) (<-chan struct{}, func() ([]byte, bool)) {
		return st.CustomReady(k), func() ([]byte, bool) { return st.Custom(k) }
	})
}

// errPlayer1Left ends a wait for player 1's data that can no longer come:
// its core left the running game.
var errPlayer1Left = errors.New("player 1 left before it sent that")

// awaitExt waits for player 1's data of gopher64 that pick names in the
// game's store (what says what in the log), or until player 1's core
// leaves the game without having sent it.
func (l *coreLink) awaitExt(ctx context.Context, what string, pick func(*coreserve.Store) (<-chan struct{}, func() ([]byte, bool))) ([]byte, error) {
	h := l.h
	h.mu.Lock()
	l.memberLocked(-1)
	st := &h.s.cores.store
	ready, get := pick(st)
	gone := h.s.cores.p1Left
	h.mu.Unlock()
	either := make(chan struct{})
	go func() {
		select {
		case <-ready:
		case <-gone:
		case <-ctx.Done():
			return
		}
		close(either)
	}()
	err := coreserve.WaitNoting(ctx, either, h.logf, func() string { return "a core waits for player 1's " + what })
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	data, ok := get()
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, errPlayer1Left)
	}
	return data, nil
}

// Busy keeps a playing core that is busy on TCP (gopher64 sends and
// receives player 1's data after the start) from being dropped for its
// silence on UDP, and restarts that clock when it is done.
func (l *coreLink) Busy(busy bool) {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if m := l.member; m != nil && m.core != nil {
		m.core.busy = busy
		m.udpSeen.Store(nowNanos())
	}
}

// handleCoreDatagram handles a datagram of a direct core. A datagram is
// accepted only from the address of the core's first request, which must
// have the IP address of its TCP connection (see bindCoreLocked).
func (h *Host) handleCoreDatagram(sock *udpsock.Socket, p []byte, from netip.AddrPort) {
	d, err := m64p.ParseClientDatagram(p)
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &h.s
	if err != nil {
		s.stats.DroppedDatagrams++
		return
	}
	switch d := d.(type) {
	case m64p.KeyInfoClient:
		s.coreKeysLocked(sock, d, from)
	case m64p.InputRequest:
		s.coreRequestLocked(sock, d, from)
	case m64p.SyncData:
		m := s.coreByAddrLocked(from)
		if m == nil {
			s.stats.DroppedDatagrams++
			return
		}
		s.compareCP0Locked(m, d)
	}
}

// bindCoreLocked accepts a datagram from m if it comes from m's UDP
// address. That address is bound once, by m's first request: it names m
// by its regid (or, for a spectator core, comes from the IP address of its
// TCP connection, which is all a regid-0 request tells). Until then, keys
// for m's ports are accepted from that IP without binding, since a core
// may send its first keys before its first request and dropping them
// would stall it for good. Afterwards datagrams from any other address,
// even another port of the same IP, are dropped and counted, so nobody
// else on that IP can speak for m or take its replies.
func (s *room) bindCoreLocked(m *member, sock *udpsock.Socket, from netip.AddrPort, bind bool) bool {
	switch {
	case m == nil || m.core == nil || m.left:
	case m.udpAddr.IsValid():
		if m.udpAddr == from && m.sock == sock {
			m.udpSeen.Store(nowNanos())
			return true
		}
	case from.Addr() == m.core.ip:
		if bind {
			m.udpAddr, m.sock = from, sock
		}
		m.udpSeen.Store(nowNanos())
		return true
	}
	s.stats.DroppedDatagrams++
	return false
}

func (s *room) coreByAddrLocked(from netip.AddrPort) *member {
	for _, m := range s.members {
		if m.core != nil && m.udpAddr == from {
			return m
		}
	}
	return nil
}

// coreKeysLocked authors a direct core's stream: keys reported for count c
// become the input for poll c+lag.
func (s *room) coreKeysLocked(sock *udpsock.Socket, d m64p.KeyInfoClient, from netip.AddrPort) {
	k := int(d.Player)
	m := s.owner[k]
	if !s.bindCoreLocked(m, sock, from, false) || s.state != statePlaying || !s.active.Has(k) {
		return
	}
	if f := s.h.cfg.hooks.ScriptKeys; f != nil {
		d.Keys = f(k, d.Count)
	}
	st := &s.streams[k]
	if !s.coreMayReachLocked(m, k, d.Count) {
		s.stats.DroppedDatagrams++
		return
	}
	lag := s.sched.At(d.Count).LagOf(m.id)
	before := st.Have
	n := m.core.authors[k].Publish(d.Count, lag, session.Input{Keys: d.Keys, Pak: uint8(d.Plugin)}, st)
	if n == 0 {
		return
	}
	s.arrivedLocked(k, before, m)
	s.stats.RelayedInputs += uint64(n)
	s.fillVacantLocked()
	s.grantLocked()
	s.relayLocked(m)
	if s.h.cfg.Gratuitous {
		s.gratuitousLocked(k, m.core.authors[k].Next-uint32(n))
	}
}

// coreMayReachLocked reports whether a core may send keys for count c of
// port k. It reaches c only by consuming events 0..c-1 of its own port,
// which the host published, so a count beyond the stream is one the host
// never let it reach: refused at O(1), it cannot make publish fill the
// stream up to it under the lock, and what is left costs at most lag+1
// inputs. Nor may it run its port ahead of the others, one datagram after
// another: the input it would publish is held to the lockstep window every
// author is held to (authorLimitLocked).
func (s *room) coreMayReachLocked(m *member, k int, c uint32) bool {
	return c <= s.streams[k].Have && c < s.authorLimitLocked(m)
}

// gratuitousLocked sends every direct core port k's events from first on,
// unasked (UDP type 3).
func (s *room) gratuitousLocked(k int, first uint32) {
	msg := m64p.KeyInfoServer{Gratuitous: true, Player: uint8(k), Status: s.coreStatusLocked(),
		Events: s.coreEventsLocked(k, first, s.cores.events[:0])}
	b, err := msg.AppendTo(s.cores.dgram[:0])
	if err != nil {
		return
	}
	for _, o := range s.members {
		if o.core != nil && o.core.released && o.udpAddr.IsValid() {
			o.sock.WriteTo(b, o.udpAddr)
		}
	}
}

// coreRequestLocked answers a core's request for a player's events.
func (s *room) coreRequestLocked(sock *udpsock.Socket, d m64p.InputRequest, from netip.AddrPort) {
	var m *member
	if d.RegID != 0 {
		m = s.cores.byRegID[d.RegID]
	} else {
		m = s.spectatorCoreLocked(from)
	}
	if !s.bindCoreLocked(m, sock, from, true) || s.state != statePlaying {
		return
	}
	s.answerCoreLocked(m, int(d.Player), d.Count)
}

// answerCoreLocked sends core m the events of port k from count on, and
// notes whether it now waits for that count.
func (s *room) answerCoreLocked(m *member, k int, count uint32) {
	events := s.coreEventsLocked(k, count, s.cores.events[:0])
	m.core.waits.Note(k, count, len(events))
	s.sendEventsLocked(m, k, count, events)
}

// sendEventsLocked sends core m events of port k, with the lag byte of a
// core that asked for count.
func (s *room) sendEventsLocked(m *member, k int, count uint32, events []m64p.Event) {
	reply := m64p.KeyInfoServer{
		Player: uint8(k), Status: s.coreStatusLocked(), Lag: s.coreLagLocked(k, count), Events: events,
	}
	b, err := reply.AppendTo(s.cores.dgram[:0])
	if err == nil {
		m.sock.WriteTo(b, m.udpAddr)
	}
}

// pushCoresLocked sends, unasked, every direct core the inputs it has not
// been sent (the core takes unsolicited key-info datagrams), so inputs
// reach cores the moment they reach the host, not a request's round trip
// later: a core waiting for one gets its answer, and a core that plays
// near the live edge gets every new input. A core far behind asks for
// plenty itself, and runs unthrottled while it does.
func (s *room) pushCoresLocked() {
	if s.cores.members == 0 {
		return // the relay's usual case: nothing to push to
	}
	for _, m := range s.members {
		if m.core == nil || !m.udpAddr.IsValid() {
			continue
		}
		w := &m.core.waits
		for k := range session.NumPorts {
			st := &s.streams[k]
			if c, ok := w.Due(k, st, s.emptyFrom[k]); ok {
				s.answerCoreLocked(m, k, c)
			} else if from, ok := w.Ahead(k, st, s.emptyFrom[k]); ok && s.coreLiveLocked(k, w.Asked(k)) {
				s.pushCoreLocked(m, k, from)
			}
		}
	}
}

// coreLiveLocked reports whether a core that last asked for count c of
// port k plays near the live edge of its stream (its last request is a
// round trip old).
func (s *room) coreLiveLocked(k int, c uint32) bool {
	return coreserve.SpeedLag(s.streams[k].Have, c, s.sched.At(c).Lag) <= coreserve.PushWindow
}

// pushCoreLocked sends core m the events of port k from count on, which
// it has not been sent.
func (s *room) pushCoreLocked(m *member, k int, from uint32) {
	events := s.coreEventsLocked(k, from, s.cores.events[:0])
	if len(events) == 0 {
		return
	}
	m.core.waits.Sent(k, from, len(events))
	s.sendEventsLocked(m, k, m.core.waits.Asked(k), events)
}

// spectatorCoreLocked finds the spectator core a regid-0 request comes
// from, binding an unbound one from the same IP.
func (s *room) spectatorCoreLocked(from netip.AddrPort) *member {
	if m := s.coreByAddrLocked(from); m != nil {
		return m
	}
	for _, m := range s.members {
		if m.core != nil && m.ports == 0 && !m.udpAddr.IsValid() && m.core.ip == from.Addr() {
			return m
		}
	}
	return nil
}

// coreEventsLocked appends the events of port k from count c that the
// session holds; a departed player's port reads as no input.
func (s *room) coreEventsLocked(k int, c uint32, evs []m64p.Event) []m64p.Event {
	if !s.active.Has(k) {
		return evs
	}
	return coreserve.AppendEvents(evs, &s.streams[k], c, s.emptyFrom[k], s.slotsLocked()[k].Plugin)
}

func (s *room) coreStatusLocked() m64p.Status {
	return coreserve.Status(s.cores.desync, s.active, &s.emptyFrom)
}

// coreLagLocked is the lag byte for a request of port k at count c: how
// many polls the requester is behind the port's author, which makes a
// core that fell behind run unthrottled until it caught up. With Turbo it
// is always 255, so cores never wait for the clock (tests).
func (s *room) coreLagLocked(k int, c uint32) uint8 {
	if s.h.cfg.hooks.Turbo {
		return 255
	}
	return coreserve.SpeedLag(s.streams[k].Have, c, s.sched.At(c).Lag)
}

// compareCP0Locked compares a client's CP0 registers at a VI and announces
// the first mismatch of each member.
func (s *room) compareCP0Locked(m *member, d m64p.SyncData) {
	b := d.AppendTo(nil)
	r := lockstep.Report{ID: m.id, Role: s.roleLocked(m), Digest: sha256.Sum256(b[5:])}
	differ, ref := s.cores.cp0.Judge(d.VI, r, s.activePlayersLocked(), s.hostPlayerLocked() != nil)
	for _, id := range differ {
		s.cores.desync = true
		s.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, wire.ChecksumMsg{From: d.VI, ID: id}), nil)
		s.eventLocked(session.Event{Kind: session.EventDesync, Who: s.nameOf(id), Poll: d.VI, Text: s.refName(ref)})
	}
}

// checkCoresLocked drops direct cores that stopped asking for input.
func (s *room) checkCoresLocked(now int64, timeout time.Duration) {
	if s.state != statePlaying {
		return
	}
	for _, m := range s.members {
		if m.core != nil && m.core.released && !m.core.busy && now-m.udpSeen.Load() > int64(timeout) {
			s.h.logf("%s stopped asking for input: dropped", m.name)
			s.dropLocked(m, session.LeaveTimeout)
		}
	}
}
