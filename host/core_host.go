package host

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"

	"github.com/netpak/netpak/host/m64p"
)

// coreBufferTarget is the fast-forward threshold given to direct cores.
const coreBufferTarget = 2

// hostCores is the host's coreBackend: direct cores are session members.
type hostCores struct{ h *Host }

// serveCoreConn serves a direct core on the session port. established is
// called once the core holds a controller port or plays.
func (h *Host) serveCoreConn(c net.Conn, br *bufio.Reader, established func()) {
	ctx := h.ctx
	if tc, ok := c.(*net.TCPConn); ok {
		// A core waiting in the lobby sends nothing for as long as the
		// lobby lasts; keepalives tell a vanished machine from a patient one.
		tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true,
			Idle: coreKeepAliveIdle, Interval: coreKeepAliveInterval, Count: coreKeepAliveCount})
	}
	cc := &coreConn{conn: c, backend: hostCores{h}, logf: h.logf,
		idleTimeout: h.limits.coreIdleTimeout, msgTimeout: h.limits.coreMessageTimeout,
		established: established}
	serveCore(ctx, cc, br)
}

// memberLocked returns the member for cc, adding it (as a spectator until
// it registers a player) the first time.
func (b hostCores) memberLocked(cc *coreConn, port int) (*member, error) {
	s := &b.h.s
	if cc.member != nil {
		return cc.member, nil
	}
	if len(s.members) >= wire.MaxMembers {
		return nil, fmt.Errorf("the session is full (%d members)", wire.MaxMembers)
	}
	name := "core"
	if port >= 0 {
		name = fmt.Sprintf("core-p%d", port+1)
	}
	base := name
	for i := 2; s.nameTakenLocked(name); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	ip := udpsock.AddrPortOf(cc.conn.RemoteAddr()).Addr()
	m := &member{name: name, spectator: port < 0, conn: cc.conn, from: ip, core: &coreMember{conn: cc, ip: ip}}
	cc.member = m
	s.cores.members++
	s.joinLocked(m)
	return m, nil
}

func (b hostCores) register(cc *coreConn, r m64p.RegisterPlayer) (bool, uint8) {
	h := b.h
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &h.s
	k := int(r.Player)
	target := uint8(coreBufferTarget)
	if h.cfg.Turbo {
		target = 0
	}
	switch {
	case s.state != stateLobby:
		h.logf("core %v asked for player %d after the start: refused", cc.conn.RemoteAddr(), k+1)
		return false, target
	case cc.regID != 0 && cc.regID != r.RegID, s.cores.byRegID[r.RegID] != nil && s.cores.byRegID[r.RegID] != cc.member:
		h.logf("core %v: regid %#x clashes: refused", cc.conn.RemoteAddr(), r.RegID)
		return false, target
	case s.owner[k] != nil:
		return false, target
	}
	m, err := b.memberLocked(cc, k)
	if err != nil {
		h.logf("core %v: %v", cc.conn.RemoteAddr(), err)
		return false, target
	}
	cc.regID = r.RegID
	s.cores.byRegID[r.RegID] = m
	m.ports |= 1 << k
	m.spectator = false
	s.owner[k] = m
	s.cores.slots[k] = m64p.Slot{RegID: r.RegID, Plugin: r.Plugin, RawData: r.RawData}
	s.broadcastRosterLocked()
	s.eventLocked(Event{Kind: EventJoined, Who: m.name, Ports: 1 << k})
	s.autoArmed = true
	s.autoStartLocked()
	return true, target
}

func (b hostCores) putSettings(cc *coreConn, st m64p.Settings) error {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	s := &b.h.s
	if cc.member == nil || !cc.member.ports.Has(0) {
		return fmt.Errorf("settings from a core that is not player 1")
	}
	s.putSettingsLocked(st)
	return nil
}

func (s *session) putSettingsLocked(st m64p.Settings) {
	if s.cores.hasSettings {
		return
	}
	s.cores.settings, s.cores.hasSettings = st, true
	close(s.cores.settingsReady)
	s.coreDataArrivedLocked(wire.CoreKindSettings)
}

func (b hostCores) settings(ctx context.Context, cc *coreConn) (m64p.Settings, error) {
	h := b.h
	h.mu.Lock()
	b.memberLocked(cc, -1)
	ready := h.s.cores.settingsReady
	h.mu.Unlock()
	err := waitNoting(ctx, ready, h.logf, func() string { return "a core waits for player 1's emulator settings" })
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.s.cores.settings, err
}

func (b hostCores) putSave(cc *coreConn, f m64p.SaveFile, data []byte) error {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	if cc.member == nil || !cc.member.ports.Has(0) {
		return fmt.Errorf("%s save from a core that is not player 1", f.Ext())
	}
	b.h.s.putSaveLocked(f, data)
	return nil
}

func (s *session) putSaveLocked(f m64p.SaveFile, data []byte) {
	if s.cores.hasSave[f] {
		return
	}
	s.cores.saves[f], s.cores.hasSave[f] = data, true
	close(s.cores.saveReady[f])
	if p1 := s.owner[0]; p1 != nil && p1.core != nil {
		s.coreSavesManifestLocked(p1)
	}
	s.coreDataArrivedLocked(uint8(f) + 1)
}

func (b hostCores) save(ctx context.Context, cc *coreConn, f m64p.SaveFile) ([]byte, error) {
	h := b.h
	h.mu.Lock()
	b.memberLocked(cc, -1)
	ready := h.s.cores.saveReady[f]
	h.mu.Unlock()
	err := waitNoting(ctx, ready, h.logf, func() string { return fmt.Sprintf("a core waits for player 1's %s save", f.Ext()) })
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.s.cores.saves[f], err
}

func (b hostCores) registration(ctx context.Context, cc *coreConn) (m64p.Registration, error) {
	h := b.h
	h.mu.Lock()
	m, err := b.memberLocked(cc, -1)
	started := h.s.cores.started
	h.mu.Unlock()
	if err != nil {
		return m64p.Registration{}, err
	}
	err = waitNoting(ctx, started, h.logf, func() string { return fmt.Sprintf("%s waits for /start", m.name) })
	h.mu.Lock()
	defer h.mu.Unlock()
	m.core.released = true
	m.udpSeen.Store(nowNanos())
	return h.s.slotsLocked(), err
}

func (b hostCores) leave(cc *coreConn, why LeaveReason) {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	if m := cc.member; m != nil {
		delete(b.h.s.cores.byRegID, cc.regID)
		b.h.s.dropLocked(m, why)
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
func (s *session) bindCoreLocked(m *member, sock *udpsock.Socket, from netip.AddrPort, bind bool) bool {
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

func (s *session) coreByAddrLocked(from netip.AddrPort) *member {
	for _, m := range s.members {
		if m.core != nil && m.udpAddr == from {
			return m
		}
	}
	return nil
}

// coreKeysLocked authors a direct core's stream: keys reported for count c
// become the input for poll c+lag.
func (s *session) coreKeysLocked(sock *udpsock.Socket, d m64p.KeyInfoClient, from netip.AddrPort) {
	k := int(d.Player)
	m := s.owner[k]
	if !s.bindCoreLocked(m, sock, from, false) || s.state != statePlaying || !s.active.Has(k) {
		return
	}
	if f := s.h.cfg.ScriptKeys; f != nil {
		d.Keys = f(k, d.Count)
	}
	st := &s.streams[k]
	if !s.coreMayReachLocked(m, k, d.Count) {
		s.stats.DroppedDatagrams++
		return
	}
	lag := s.sched.At(d.Count).LagOf(m.id)
	n := m.core.authors[k].Publish(d.Count, lag, Input{Keys: d.Keys, Pak: uint8(d.Plugin)}, st)
	if n == 0 {
		return
	}
	s.stats.RelayedInputs += uint64(n)
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
func (s *session) coreMayReachLocked(m *member, k int, c uint32) bool {
	return c <= s.streams[k].Have && c < s.authorLimitLocked(m)
}

// gratuitousLocked sends every direct core port k's events from first on,
// unasked (UDP type 3).
func (s *session) gratuitousLocked(k int, first uint32) {
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
func (s *session) coreRequestLocked(sock *udpsock.Socket, d m64p.InputRequest, from netip.AddrPort) {
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
func (s *session) answerCoreLocked(m *member, k int, count uint32) {
	events := s.coreEventsLocked(k, count, s.cores.events[:0])
	m.core.waits.note(k, count, len(events))
	reply := m64p.KeyInfoServer{
		Player: uint8(k), Status: s.coreStatusLocked(), Lag: s.coreLagLocked(k, count), Events: events,
	}
	b, err := reply.AppendTo(s.cores.dgram[:0])
	if err == nil {
		m.sock.WriteTo(b, m.udpAddr)
	}
}

// pushCoresLocked answers, unasked, every direct core waiting for an input
// that now exists (the core takes unsolicited key-info datagrams), so
// inputs reach cores the moment they reach the host.
func (s *session) pushCoresLocked() {
	if s.cores.members == 0 {
		return // the relay's usual case: nothing to push to
	}
	for _, m := range s.members {
		if m.core == nil || !m.udpAddr.IsValid() {
			continue
		}
		for k := range NumPorts {
			if c, ok := m.core.waits.due(k, &s.streams[k], s.emptyFrom[k]); ok {
				s.answerCoreLocked(m, k, c)
			}
		}
	}
}

// spectatorCoreLocked finds the spectator core a regid-0 request comes
// from, binding an unbound one from the same IP.
func (s *session) spectatorCoreLocked(from netip.AddrPort) *member {
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

// coreIdleWindow is how many empty-port events a request may get beyond
// the count asked for.
const coreIdleWindow = 8

// coreEventsLocked appends the events of port k from count c that the
// session holds; a departed player's port reads as no input.
func (s *session) coreEventsLocked(k int, c uint32, evs []m64p.Event) []m64p.Event {
	if !s.active.Has(k) {
		return evs
	}
	return appendCoreEvents(evs, &s.streams[k], c, s.emptyFrom[k], s.slotsLocked()[k].Plugin)
}

// appendCoreEvents appends the events of a stream from count c: what it
// holds, then nothing; from emptyFrom on, no input. An input without a pak
// byte (from a netpak client) gets the port's registered plugin.
func appendCoreEvents(evs []m64p.Event, st *lockstep.Stream, c, emptyFrom uint32, plugin m64p.Plugin) []m64p.Event {
	for i := c; len(evs) < m64p.MaxEvents; i++ {
		switch {
		case i >= emptyFrom:
			if i >= c+coreIdleWindow {
				return evs
			}
			evs = append(evs, m64p.Event{Count: i, Plugin: plugin})
		case st.Holds(i):
			in := st.At(i)
			p := m64p.Plugin(in.Pak)
			if p == 0 {
				p = plugin
			}
			evs = append(evs, m64p.Event{Count: i, Keys: in.Keys, Plugin: p})
		default:
			return evs
		}
	}
	return evs
}

func (s *session) coreStatusLocked() m64p.Status {
	return coreStatus(s.cores.desync, s.active, &s.emptyFrom)
}

// coreStatus is the status byte cores are sent, direct or bridged: a
// desync was seen, and which active ports lost their player.
func coreStatus(desync bool, active PortMask, emptyFrom *[NumPorts]uint32) m64p.Status {
	var st m64p.Status
	if desync {
		st |= m64p.StatusDesync
	}
	for k := range NumPorts {
		if active.Has(k) && emptyFrom[k] != notEmpty {
			st |= m64p.PlayerGone(uint8(k))
		}
	}
	return st
}

// coreLagLocked is the lag byte for a request of port k at count c: how
// many polls the requester is behind the port's author, which makes a
// core that fell behind run unthrottled until it caught up. With Turbo it
// is always 255, so cores never wait for the clock (tests).
func (s *session) coreLagLocked(k int, c uint32) uint8 {
	if s.h.cfg.Turbo {
		return 255
	}
	return speedLag(s.streams[k].Have, c, s.sched.At(c).Lag)
}

// speedLag estimates how far a consumer at count c is behind the author of
// a stream holding have inputs under lag.
func speedLag(have, c uint32, lag uint8) uint8 {
	lead := int64(have) - int64(lag) - 1
	behind := lead - int64(c)
	return uint8(min(max(behind, 0), 255))
}

// compareCP0Locked compares a client's CP0 registers at a VI and announces
// the first mismatch of each member.
func (s *session) compareCP0Locked(m *member, d m64p.SyncData) {
	b := d.AppendTo(nil)
	r := lockstep.Report{ID: m.id, Role: s.roleLocked(m), Digest: sha256.Sum256(b[5:])}
	differ, ref := s.cores.cp0.Judge(d.VI, r, s.activePlayersLocked(), s.hostPlayerLocked() != nil)
	for _, id := range differ {
		s.cores.desync = true
		s.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, wire.ChecksumMsg{From: d.VI, ID: id}), nil)
		s.eventLocked(Event{Kind: EventDesync, Who: s.nameOf(id), Poll: d.VI, Text: s.refName(ref)})
	}
}

// checkCoresLocked drops direct cores that stopped asking for input.
func (s *session) checkCoresLocked(now int64, timeout time.Duration) {
	if s.state != statePlaying {
		return
	}
	for _, m := range s.members {
		if m.core != nil && m.core.released && now-m.udpSeen.Load() > int64(timeout) {
			s.h.logf("%s stopped asking for input: dropped", m.name)
			s.dropLocked(m, LeaveTimeout)
		}
	}
}
