package host

import (
	"fmt"
	"github.com/netpak/netpak/host/lockstep"

	"github.com/netpak/netpak/host/m64p"
)

// hello is the first frame of a client.
type hello struct {
	Version   uint8
	Spectator bool
	Ports     PortMask // specific ports wanted; 0 means any free ones
	NumPorts  uint8    // how many ports to assign when Ports is 0
	OwnerKey  [16]byte // proves the host's own player; zero otherwise
	Name      string
	Manifest  []byte // the client's encoded saves.Manifest; empty: not announced
}

func appendHello(b []byte, h hello) []byte {
	var flags uint8
	if h.Spectator {
		flags |= 1
	}
	b = append(b, h.Version, flags, byte(h.Ports), h.NumPorts)
	b = append(b, h.OwnerKey[:]...)
	b = appendStr(b, h.Name)
	b = appendU16(b, uint16(len(h.Manifest)))
	return append(b, h.Manifest...)
}

func parseHello(p []byte) (hello, error) {
	r := reader{b: p}
	var h hello
	h.Version = r.u8()
	flags := r.u8()
	h.Ports = PortMask(r.u8())
	h.NumPorts = r.u8()
	copy(h.OwnerKey[:], r.take(16))
	h.Name = r.str(maxNameLen)
	n := int(r.u16())
	if r.err == nil && n > maxManifestLen {
		r.err = errLong
	}
	h.Manifest = r.take(n)
	if err := r.done(); err != nil {
		return hello{}, fmt.Errorf("parse hello: %w", err)
	}
	if flags&^1 != 0 || h.Ports&^0x0f != 0 || h.NumPorts > NumPorts {
		return hello{}, fmt.Errorf("parse hello: %w", errBadValue)
	}
	h.Spectator = flags&1 != 0
	return h, nil
}

// welcome accepts a client.
type welcome struct {
	ID          uint16
	Token       uint64
	Ports       PortMask
	Playing     bool
	GolfMask    uint32
	DropTimeout uint32 // milliseconds
	Turbo       bool   // bridges tell cores to run unthrottled (tests)
}

func appendWelcome(b []byte, w welcome) []byte {
	b = appendU16(b, w.ID)
	b = appendU64(b, w.Token)
	b = append(b, byte(w.Ports), boolByte(w.Playing))
	b = appendU32(b, w.GolfMask)
	b = appendU32(b, w.DropTimeout)
	return append(b, boolByte(w.Turbo))
}

func parseWelcome(p []byte) (welcome, error) {
	r := reader{b: p}
	var w welcome
	w.ID = r.u16()
	w.Token = r.u64()
	w.Ports = PortMask(r.u8())
	playing := r.u8()
	w.GolfMask = r.u32()
	w.DropTimeout = r.u32()
	turbo := r.u8()
	if err := r.done(); err != nil {
		return welcome{}, fmt.Errorf("parse welcome: %w", err)
	}
	if w.Ports&^0x0f != 0 || playing > 1 || turbo > 1 || w.ID == 0 {
		return welcome{}, fmt.Errorf("parse welcome: %w", errBadValue)
	}
	w.Playing, w.Turbo = playing == 1, turbo == 1
	return w, nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// textMsg is a frame carrying a member id and a text: chat, reject, notice.
type textMsg struct {
	ID   uint16 // sender (chat), reason code (reject), 0 otherwise
	Text string
}

func appendText(b []byte, m textMsg) []byte {
	return appendStr(appendU16(b, m.ID), m.Text)
}

func parseText(p []byte) (textMsg, error) {
	r := reader{b: p}
	m := textMsg{ID: r.u16(), Text: r.str(maxChatLen)}
	if err := r.done(); err != nil {
		return textMsg{}, fmt.Errorf("parse text: %w", err)
	}
	return m, nil
}

// Member describes one participant of a session.
type Member struct {
	ID        uint16
	Name      string
	Ports     PortMask
	Spectator bool
	Host      bool   // the host's own player
	Core      bool   // a mupen64plus core connected straight to the host
	RTTMillis uint16 // last round trip to the host
}

const (
	memberSpectator = 1 << iota
	memberHost
	memberCore
)

func appendMember(b []byte, m Member) []byte {
	var flags uint8
	if m.Spectator {
		flags |= memberSpectator
	}
	if m.Host {
		flags |= memberHost
	}
	if m.Core {
		flags |= memberCore
	}
	b = appendU16(b, m.ID)
	b = append(b, byte(m.Ports), flags)
	b = appendU16(b, m.RTTMillis)
	return appendStr(b, m.Name)
}

func (r *reader) member() Member {
	var m Member
	m.ID = r.u16()
	m.Ports = PortMask(r.u8())
	flags := r.u8()
	m.RTTMillis = r.u16()
	m.Name = r.str(maxNameLen)
	if r.err == nil && (flags&^(memberSpectator|memberHost|memberCore) != 0 || m.Ports&^0x0f != 0) {
		r.err = errBadValue
	}
	m.Spectator = flags&memberSpectator != 0
	m.Host = flags&memberHost != 0
	m.Core = flags&memberCore != 0
	return m
}

func appendRoster(b []byte, ms []Member) []byte {
	b = append(b, byte(len(ms)))
	for _, m := range ms {
		b = appendMember(b, m)
	}
	return b
}

func parseRoster(p []byte) ([]Member, error) {
	r := reader{b: p}
	n := int(r.u8())
	if n > maxMembers {
		return nil, fmt.Errorf("parse roster: %d members: %w", n, errLong)
	}
	ms := make([]Member, 0, n)
	for range n {
		ms = append(ms, r.member())
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("parse roster: %w", err)
	}
	return ms, nil
}

func parseJoined(p []byte) (Member, error) {
	r := reader{b: p}
	m := r.member()
	if err := r.done(); err != nil {
		return Member{}, fmt.Errorf("parse joined: %w", err)
	}
	return m, nil
}

// started tells a client the game runs: it consumes from poll First and may
// start polls below Grant.
type started struct {
	First  uint32
	Grant  uint32
	Active PortMask
	Slots  m64p.Registration // what mupen64plus cores are told of each port
}

func appendStarted(b []byte, s started) []byte {
	b = appendU32(b, s.First)
	b = appendU32(b, s.Grant)
	b = append(b, byte(s.Active))
	return s.Slots.AppendTo(b)
}

func parseStarted(p []byte) (started, error) {
	r := reader{b: p}
	s := started{First: r.u32(), Grant: r.u32(), Active: PortMask(r.u8())}
	reg := r.take(24)
	if r.err == nil {
		var err error
		if s.Slots, err = m64p.ParseRegistration(reg); err != nil {
			return started{}, fmt.Errorf("parse started: %w", err)
		}
	}
	if err := r.done(); err != nil {
		return started{}, fmt.Errorf("parse started: %w", err)
	}
	if s.Active&^0x0f != 0 || s.Grant < s.First {
		return started{}, fmt.Errorf("parse started: %w", errBadValue)
	}
	return s, nil
}

// schedMsg carries one schedule entry and the epoch it creates.
type schedMsg struct {
	Epoch uint16
	Entry lockstep.SchedEntry
}

func appendSched(b []byte, m schedMsg) []byte {
	e := m.Entry
	b = appendU16(b, m.Epoch)
	b = appendU32(b, e.From)
	b = append(b, e.Lag, boolByte(e.Golf))
	b = appendU16(b, e.Seat)
	b = append(b, byte(e.Cause))
	return appendU16(b, e.Actor)
}

func parseSched(p []byte) (schedMsg, error) {
	r := reader{b: p}
	var m schedMsg
	m.Epoch = r.u16()
	m.Entry.From = r.u32()
	m.Entry.Lag = r.u8()
	golf := r.u8()
	m.Entry.Seat = r.u16()
	m.Entry.Cause = lockstep.SchedCause(r.u8())
	m.Entry.Actor = r.u16()
	if err := r.done(); err != nil {
		return schedMsg{}, fmt.Errorf("parse sched: %w", err)
	}
	if golf > 1 || m.Entry.Cause > lockstep.CauseGolfSeat {
		return schedMsg{}, fmt.Errorf("parse sched: %w", errBadValue)
	}
	m.Entry.Golf = golf == 1
	return m, nil
}

// leftMsg says member ID left; its ports read as no input from poll From.
type leftMsg struct {
	ID     uint16
	Reason LeaveReason
	Ports  PortMask
	From   uint32
}

func appendLeft(b []byte, m leftMsg) []byte {
	b = appendU16(b, m.ID)
	b = append(b, byte(m.Reason), byte(m.Ports))
	return appendU32(b, m.From)
}

func parseLeft(p []byte) (leftMsg, error) {
	r := reader{b: p}
	m := leftMsg{ID: r.u16(), Reason: LeaveReason(r.u8()), Ports: PortMask(r.u8()), From: r.u32()}
	if err := r.done(); err != nil {
		return leftMsg{}, fmt.Errorf("parse left: %w", err)
	}
	if m.Reason > leaveMax || m.Ports&^0x0f != 0 {
		return leftMsg{}, fmt.Errorf("parse left: %w", errBadValue)
	}
	return m, nil
}

// checksumMsg is a client's hash of the inputs it consumed in polls
// [From, From+Count); desync messages reuse it with the differing member.
type checksumMsg struct {
	From  uint32
	Count uint32
	Hash  uint64
	ID    uint16 // desync only: the member that differs
}

func appendChecksum(b []byte, m checksumMsg) []byte {
	b = appendU32(b, m.From)
	b = appendU32(b, m.Count)
	b = appendU64(b, m.Hash)
	return appendU16(b, m.ID)
}

func parseChecksum(p []byte) (checksumMsg, error) {
	r := reader{b: p}
	m := checksumMsg{From: r.u32(), Count: r.u32(), Hash: r.u64(), ID: r.u16()}
	if err := r.done(); err != nil {
		return checksumMsg{}, fmt.Errorf("parse checksum: %w", err)
	}
	return m, nil
}

// parseU8, parseU32 and parseU64x2 decode the one-field frames: set-lag,
// grant and golf-press, ping and pong.
func parseU8(p []byte) (uint8, error) {
	r := reader{b: p}
	v := r.u8()
	return v, r.done()
}

func parseU32(p []byte) (uint32, error) {
	r := reader{b: p}
	v := r.u32()
	return v, r.done()
}

// ping carries the client's clock and its last measured round trip.
type ping struct {
	Clock uint64 // nanoseconds, the client's own clock, echoed in pong
	RTT   uint32 // microseconds
}

func appendPing(b []byte, p ping) []byte { return appendU32(appendU64(b, p.Clock), p.RTT) }

func parsePing(p []byte) (ping, error) {
	r := reader{b: p}
	v := ping{Clock: r.u64(), RTT: r.u32()}
	return v, r.done()
}
