package wire

import (
	"fmt"
	"github.com/netpak/netpak/host/lockstep"

	"github.com/netpak/netpak/host/m64p"
)

// MaxManifestLen bounds an encoded manifest (saves.Manifest) in a frame.
const MaxManifestLen = 512

// Hello is the first frame of a client.
type Hello struct {
	Version   uint8
	Spectator bool
	// Replay says an emulator plays the game at the client. It starts at
	// power-on, so a spectator joining a running game needs it from poll 0.
	Replay   bool
	Ports    lockstep.PortMask // specific ports wanted; 0 means any free ones
	NumPorts uint8             // how many ports to assign when Ports is 0
	OwnerKey [16]byte          // proves the host's own player; zero otherwise
	// PlayerKey is the player's own random key, which its netpak keeps: a
	// player who leaves a running game may take its ports back only with
	// it (and its name). Zero: none, and a rejoin goes by name alone.
	PlayerKey [16]byte
	Name      string
	Manifest  []byte // the client's encoded saves.Manifest; empty: not announced
}

func AppendHello(b []byte, h Hello) []byte {
	var flags uint8
	if h.Spectator {
		flags |= 1
	}
	if h.Replay {
		flags |= 2
	}
	b = append(b, h.Version, flags, byte(h.Ports), h.NumPorts)
	b = append(b, h.OwnerKey[:]...)
	b = append(b, h.PlayerKey[:]...)
	b = AppendStr(b, h.Name)
	b = AppendU16(b, uint16(len(h.Manifest)))
	return append(b, h.Manifest...)
}

// ParseHello parses a hello. A hello of another protocol version gives
// only its version, without an error, since its layout may differ: the
// host then tells that client which version it speaks.
func ParseHello(p []byte) (Hello, error) {
	r := Reader{B: p}
	var h Hello
	h.Version = r.U8()
	if r.Err == nil && h.Version != ProtocolVersion {
		return Hello{Version: h.Version}, nil
	}
	flags := r.U8()
	h.Ports = lockstep.PortMask(r.U8())
	h.NumPorts = r.U8()
	copy(h.OwnerKey[:], r.Take(16))
	copy(h.PlayerKey[:], r.Take(16))
	h.Name = r.Str(MaxNameLen)
	n := int(r.U16())
	if r.Err == nil && n > MaxManifestLen {
		r.Err = ErrLong
	}
	h.Manifest = r.Take(n)
	if err := r.Done(); err != nil {
		return Hello{}, fmt.Errorf("parse hello: %w", err)
	}
	if flags&^3 != 0 || h.Ports&^0x0f != 0 || h.NumPorts > lockstep.NumPorts {
		return Hello{}, fmt.Errorf("parse hello: %w", ErrBadValue)
	}
	h.Spectator, h.Replay = flags&1 != 0, flags&2 != 0
	return h, nil
}

// Welcome accepts a client.
type Welcome struct {
	ID          uint16
	Token       uint64
	Ports       lockstep.PortMask
	Playing     bool
	GolfMask    uint32
	DropTimeout uint32 // milliseconds
}

func AppendWelcome(b []byte, w Welcome) []byte {
	b = AppendU16(b, w.ID)
	b = AppendU64(b, w.Token)
	b = append(b, byte(w.Ports), BoolByte(w.Playing))
	b = AppendU32(b, w.GolfMask)
	return AppendU32(b, w.DropTimeout)
}

func ParseWelcome(p []byte) (Welcome, error) {
	r := Reader{B: p}
	var w Welcome
	w.ID = r.U16()
	w.Token = r.U64()
	w.Ports = lockstep.PortMask(r.U8())
	playing := r.U8()
	w.GolfMask = r.U32()
	w.DropTimeout = r.U32()
	if err := r.Done(); err != nil {
		return Welcome{}, fmt.Errorf("parse welcome: %w", err)
	}
	if w.Ports&^0x0f != 0 || playing > 1 || w.ID == 0 {
		return Welcome{}, fmt.Errorf("parse welcome: %w", ErrBadValue)
	}
	w.Playing = playing == 1
	return w, nil
}

func BoolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// TextMsg is a frame carrying a member id and a text: chat, reject, notice.
type TextMsg struct {
	ID   uint16 // sender (chat), reason code (reject), 0 otherwise
	Text string
}

func AppendText(b []byte, m TextMsg) []byte {
	return AppendStr(AppendU16(b, m.ID), m.Text)
}

func ParseText(p []byte) (TextMsg, error) {
	r := Reader{B: p}
	m := TextMsg{ID: r.U16(), Text: r.Str(MaxChatLen)}
	if err := r.Done(); err != nil {
		return TextMsg{}, fmt.Errorf("parse text: %w", err)
	}
	return m, nil
}

// Emulator is whether a player's emulator can start the game (it tried
// at /check, without a game): Text names the ROM and, if it cannot, why.
// ID is the member it describes (0 from the member itself).
type Emulator struct {
	ID   uint16
	OK   bool
	Text string
}

// MaxEmulatorText bounds an emulator status's text.
const MaxEmulatorText = 200

func AppendEmulator(b []byte, e Emulator) []byte {
	return AppendStr(append(AppendU16(b, e.ID), BoolByte(e.OK)), e.Text)
}

func ParseEmulator(p []byte) (Emulator, error) {
	r := Reader{B: p}
	e := Emulator{ID: r.U16()}
	ok := r.U8()
	e.Text = r.Str(MaxEmulatorText)
	if err := r.Done(); err != nil || ok > 1 {
		return Emulator{}, fmt.Errorf("parse emulator: %w", ErrBadValue)
	}
	e.OK = ok == 1
	return e, nil
}

// CheatNames are the names of a player's enabled cheats, for /check to
// say which differ (the manifest holds only their hash). ID is the member
// (0 from the member itself).
type CheatNames struct {
	ID    uint16
	Names []string
}

// Bounds of a cheat-names message.
const (
	MaxCheatNames   = 32
	MaxCheatNameLen = 64
)

func AppendCheatNames(b []byte, c CheatNames) []byte {
	b = append(AppendU16(b, c.ID), byte(len(c.Names)))
	for _, n := range c.Names {
		b = AppendStr(b, n)
	}
	return b
}

func ParseCheatNames(p []byte) (CheatNames, error) {
	r := Reader{B: p}
	c := CheatNames{ID: r.U16()}
	n := int(r.U8())
	if n > MaxCheatNames {
		return CheatNames{}, fmt.Errorf("parse cheats: %d names: %w", n, ErrLong)
	}
	for range n {
		c.Names = append(c.Names, r.Str(MaxCheatNameLen))
	}
	if err := r.Done(); err != nil {
		return CheatNames{}, fmt.Errorf("parse cheats: %w", err)
	}
	return c, nil
}

// Member describes one participant of a session.
type Member struct {
	ID        uint16
	Name      string
	Ports     lockstep.PortMask
	Spectator bool
	Host      bool   // the host's own player
	Core      bool   // a mupen64plus core connected straight to the host
	RTTMillis uint16 // round trip to the host, smoothed
	// JitterMillis is the mean deviation of that round trip.
	JitterMillis uint16
	// WaitedMillis is how long, in this game so far, the others waited for
	// this player's inputs: the polls its input came last, and by how much.
	WaitedMillis uint32
	// PaceTenths is how fast this player's inputs advanced over the last
	// four seconds of the game, in tenths of a poll per second, when
	// PaceKnown.
	PaceTenths uint16
	PaceKnown  bool
	// NeedLag is, for a direct core (which sends no pings), the lag its
	// reports of how early its inputs reach it asked for over the last
	// sixteen seconds of the game, when NeedKnown.
	NeedLag   uint8
	NeedKnown bool
}

const (
	memberSpectator = 1 << iota
	memberHost
	memberCore
	memberPace
	memberNeed
	memberFlags = memberSpectator | memberHost | memberCore | memberPace | memberNeed
)

func AppendMember(b []byte, m Member) []byte {
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
	if m.PaceKnown {
		flags |= memberPace
	}
	if m.NeedKnown {
		flags |= memberNeed
	}
	b = AppendU16(b, m.ID)
	b = append(b, byte(m.Ports), flags)
	b = AppendU16(b, m.RTTMillis)
	b = AppendU16(b, m.JitterMillis)
	b = AppendU32(b, m.WaitedMillis)
	b = AppendU16(b, m.PaceTenths)
	b = append(b, m.NeedLag)
	return AppendStr(b, m.Name)
}

func (r *Reader) Member() Member {
	var m Member
	m.ID = r.U16()
	m.Ports = lockstep.PortMask(r.U8())
	flags := r.U8()
	m.RTTMillis = r.U16()
	m.JitterMillis = r.U16()
	m.WaitedMillis = r.U32()
	m.PaceTenths = r.U16()
	m.NeedLag = r.U8()
	m.Name = r.Str(MaxNameLen)
	if r.Err == nil && (flags&^memberFlags != 0 || m.Ports&^0x0f != 0) {
		r.Err = ErrBadValue
	}
	m.Spectator = flags&memberSpectator != 0
	m.Host = flags&memberHost != 0
	m.Core = flags&memberCore != 0
	m.PaceKnown = flags&memberPace != 0
	m.NeedKnown = flags&memberNeed != 0
	return m
}

func AppendRoster(b []byte, ms []Member) []byte {
	b = append(b, byte(len(ms)))
	for _, m := range ms {
		b = AppendMember(b, m)
	}
	return b
}

func ParseRoster(p []byte) ([]Member, error) {
	r := Reader{B: p}
	n := int(r.U8())
	if n > MaxMembers {
		return nil, fmt.Errorf("parse roster: %d members: %w", n, ErrLong)
	}
	ms := make([]Member, 0, n)
	for range n {
		ms = append(ms, r.Member())
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("parse roster: %w", err)
	}
	return ms, nil
}

func ParseJoined(p []byte) (Member, error) {
	r := Reader{B: p}
	m := r.Member()
	if err := r.Done(); err != nil {
		return Member{}, fmt.Errorf("parse joined: %w", err)
	}
	return m, nil
}

// Started tells a client the game runs: it consumes from poll First and may
// start polls below Grant.
type Started struct {
	First  uint32
	Grant  uint32
	Active lockstep.PortMask
	// CatchUp: the receiver rejoins a running game. It replays from First
	// while the host authors its ports, until a handover.
	CatchUp bool
	Slots   m64p.Registration // what mupen64plus cores are told of each port
}

func AppendStarted(b []byte, s Started) []byte {
	b = AppendU32(b, s.First)
	b = AppendU32(b, s.Grant)
	b = append(b, byte(s.Active), BoolByte(s.CatchUp))
	return s.Slots.AppendTo(b)
}

func ParseStarted(p []byte) (Started, error) {
	r := Reader{B: p}
	s := Started{First: r.U32(), Grant: r.U32(), Active: lockstep.PortMask(r.U8())}
	catchUp := r.U8()
	s.CatchUp = catchUp == 1
	reg := r.Take(24)
	if r.Err == nil {
		var err error
		if s.Slots, err = m64p.ParseRegistration(reg); err != nil {
			return Started{}, fmt.Errorf("parse started: %w", err)
		}
	}
	if err := r.Done(); err != nil {
		return Started{}, fmt.Errorf("parse started: %w", err)
	}
	if s.Active&^0x0f != 0 || s.Grant < s.First || catchUp > 1 {
		return Started{}, fmt.Errorf("parse started: %w", ErrBadValue)
	}
	return s, nil
}

// CatchUp is a rejoined player's progress: its replay consumed the polls
// below Poll; Done, it is close enough to the live game to play.
type CatchUp struct {
	Poll uint32
	Done bool
}

func AppendCatchUp(b []byte, c CatchUp) []byte {
	return append(AppendU32(b, c.Poll), BoolByte(c.Done))
}

func ParseCatchUp(p []byte) (CatchUp, error) {
	r := Reader{B: p}
	c := CatchUp{Poll: r.U32()}
	done := r.U8()
	if err := r.Done(); err != nil || done > 1 {
		return CatchUp{}, fmt.Errorf("parse catch-up: %w", ErrBadValue)
	}
	c.Done = done == 1
	return c, nil
}

// Handover gives a rejoined player its ports back: it authors them from
// poll From on; the host authored every poll below.
type Handover struct {
	Ports lockstep.PortMask
	From  uint32
}

// Revive tells everyone that ports whose player rejoined hold input again
// from poll From (the host filled in the polls they read empty). It opens
// epoch Epoch: a client takes no grant of that epoch before it has the
// revive, so it never reads such a port as empty beyond From.
type Revive struct {
	Ports lockstep.PortMask
	From  uint32
	Epoch uint16
}

func AppendRevive(b []byte, r Revive) []byte {
	return AppendU16(AppendHandover(b, Handover{Ports: r.Ports, From: r.From}), r.Epoch)
}

func ParseRevive(p []byte) (Revive, error) {
	if len(p) < 2 {
		return Revive{}, fmt.Errorf("parse revive: %w", ErrBadValue)
	}
	h, err := ParseHandover(p[:len(p)-2])
	if err != nil {
		return Revive{}, fmt.Errorf("parse revive: %w", ErrBadValue)
	}
	r := Reader{B: p[len(p)-2:]}
	return Revive{Ports: h.Ports, From: h.From, Epoch: r.U16()}, nil
}

func AppendHandover(b []byte, h Handover) []byte {
	return AppendU32(append(b, byte(h.Ports)), h.From)
}

func ParseHandover(p []byte) (Handover, error) {
	r := Reader{B: p}
	h := Handover{Ports: lockstep.PortMask(r.U8()), From: r.U32()}
	if err := r.Done(); err != nil || h.Ports&^0x0f != 0 || h.Ports == 0 {
		return Handover{}, fmt.Errorf("parse handover: %w", ErrBadValue)
	}
	return h, nil
}

// SchedMsg carries one schedule entry and the epoch it creates.
type SchedMsg struct {
	Epoch uint16
	Entry lockstep.SchedEntry
}

func AppendSched(b []byte, m SchedMsg) []byte {
	e := m.Entry
	b = AppendU16(b, m.Epoch)
	b = AppendU32(b, e.From)
	b = append(b, e.Lag, BoolByte(e.Golf))
	b = AppendU16(b, e.Seat)
	b = append(b, byte(e.Cause))
	b = AppendU16(b, e.Actor)
	return append(b, e.SeatLag)
}

func ParseSched(p []byte) (SchedMsg, error) {
	r := Reader{B: p}
	var m SchedMsg
	m.Epoch = r.U16()
	m.Entry.From = r.U32()
	m.Entry.Lag = r.U8()
	golf := r.U8()
	m.Entry.Seat = r.U16()
	m.Entry.Cause = lockstep.SchedCause(r.U8())
	m.Entry.Actor = r.U16()
	m.Entry.SeatLag = r.U8()
	if err := r.Done(); err != nil {
		return SchedMsg{}, fmt.Errorf("parse sched: %w", err)
	}
	if golf > 1 || m.Entry.Cause > lockstep.MaxCause || m.Entry.SeatLag > m.Entry.Lag {
		return SchedMsg{}, fmt.Errorf("parse sched: %w", ErrBadValue)
	}
	m.Entry.Golf = golf == 1
	return m, nil
}

// GameOver ends a game: the session is back in the lobby.
type GameOver struct {
	Why   GameOverReason
	Actor uint16 // who stopped it, for GameStopped
}

// GameOverReason says why a game ended.
type GameOverReason uint8

const (
	GameAllLeft GameOverReason = iota // every player left or stopped their emulator
	GameStopped                       // the host's player typed /stop
)

// AppendGameOver appends a game-over frame's payload.
func AppendGameOver(b []byte, g GameOver) []byte {
	return AppendU16(append(b, byte(g.Why)), g.Actor)
}

// ParseGameOver decodes a game-over frame's payload.
func ParseGameOver(p []byte) (GameOver, error) {
	r := Reader{B: p}
	g := GameOver{Why: GameOverReason(r.U8()), Actor: r.U16()}
	if err := r.Done(); err != nil {
		return GameOver{}, fmt.Errorf("parse game-over: %w", err)
	}
	if g.Why > GameStopped {
		return GameOver{}, fmt.Errorf("parse game-over: %w", ErrBadValue)
	}
	return g, nil
}

// LeftMsg says member ID left; its ports read as no input from poll From.
type LeftMsg struct {
	ID     uint16
	Reason LeaveReason
	Ports  lockstep.PortMask
	From   uint32
}

func AppendLeft(b []byte, m LeftMsg) []byte {
	b = AppendU16(b, m.ID)
	b = append(b, byte(m.Reason), byte(m.Ports))
	return AppendU32(b, m.From)
}

func ParseLeft(p []byte) (LeftMsg, error) {
	r := Reader{B: p}
	m := LeftMsg{ID: r.U16(), Reason: LeaveReason(r.U8()), Ports: lockstep.PortMask(r.U8()), From: r.U32()}
	if err := r.Done(); err != nil {
		return LeftMsg{}, fmt.Errorf("parse left: %w", err)
	}
	if m.Reason > leaveMax || m.Ports&^0x0f != 0 {
		return LeftMsg{}, fmt.Errorf("parse left: %w", ErrBadValue)
	}
	return m, nil
}

// ChecksumMsg is a client's hash of the inputs it consumed in polls
// [From, From+Count); desync messages reuse it with the differing member.
type ChecksumMsg struct {
	From  uint32
	Count uint32
	Hash  uint64
	ID    uint16 // desync only: the member that differs
}

func AppendChecksum(b []byte, m ChecksumMsg) []byte {
	b = AppendU32(b, m.From)
	b = AppendU32(b, m.Count)
	b = AppendU64(b, m.Hash)
	return AppendU16(b, m.ID)
}

func ParseChecksum(p []byte) (ChecksumMsg, error) {
	r := Reader{B: p}
	m := ChecksumMsg{From: r.U32(), Count: r.U32(), Hash: r.U64(), ID: r.U16()}
	if err := r.Done(); err != nil {
		return ChecksumMsg{}, fmt.Errorf("parse checksum: %w", err)
	}
	return m, nil
}

// ParseU8, parseU32 and parseU64x2 decode the one-field frames: set-lag,
// grant and golf-press, ping and pong.
func ParseU8(p []byte) (uint8, error) {
	r := Reader{B: p}
	v := r.U8()
	return v, r.Done()
}

// ParseBool decodes a one-byte flag frame (autolag, autolag-on): 0 or 1.
func ParseBool(p []byte) (bool, error) {
	v, err := ParseU8(p)
	if err != nil || v > 1 {
		return false, ErrBadValue
	}
	return v == 1, nil
}

func ParseU32(p []byte) (uint32, error) {
	r := Reader{B: p}
	v := r.U32()
	return v, r.Done()
}

// Ping carries the client's clock and its last measured round trip.
type Ping struct {
	Clock uint64 // nanoseconds, the client's own clock, echoed in pong
	RTT   uint32 // microseconds
}

func AppendPing(b []byte, p Ping) []byte { return AppendU32(AppendU64(b, p.Clock), p.RTT) }

func ParsePing(p []byte) (Ping, error) {
	r := Reader{B: p}
	v := Ping{Clock: r.U64(), RTT: r.U32()}
	return v, r.Done()
}
