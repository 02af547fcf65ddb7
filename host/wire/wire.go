package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Wire constants. The layouts are documented in doc.go.
const (
	// Magic0 starts every netpak TCP stream and datagram. The
	// mupen64plus-core protocol never starts with it: its TCP opcodes are
	// 1-8 and 64-191, its datagram kinds 0-4.
	Magic0 = 0xE4

	// ProtocolVersion is the version of netpak's wire protocol. A host
	// refuses clients of another version with a message saying so.
	ProtocolVersion = 8

	FrameHeaderLen  = 3     // type u8, length u16
	MaxFramePayload = 16384 // bounds every TCP message
	MaxDatagram     = 1200  // stays under any tunnel's MTU
	DgramHeaderLen  = 12    // magic, version, kind, flags, token u64
	MaxRunLen       = 64    // inputs of one port in one message
	InputLen        = 5     // keys u32, pak u8
	MaxNameLen      = 24
	MaxChatLen      = 400
	MaxMembers      = 64 // players and spectators of one session
)

// StreamMagic is what a client writes first on its TCP connection.
var StreamMagic = [4]byte{Magic0, 'N', 'P', 'K'}

// FrameType identifies a TCP message.
type FrameType uint8

const (
	FrameHello          FrameType = 1  // C→H: version, flags, wanted ports, owner key, name
	FrameWelcome        FrameType = 2  // H→C: id, token, ports, state, settings
	FrameReject         FrameType = 3  // H→C: reason code, text
	FrameRoster         FrameType = 4  // H→C: every member
	FrameChat           FrameType = 5  // C→H: text; H→C: from id, text
	FrameSetLag         FrameType = 6  // C→H: lag
	FrameGolf           FrameType = 7  // C→H: toggle golf mode
	FrameStart          FrameType = 8  // C→H: start the game (host's player only)
	FrameStarted        FrameType = 9  // H→C: the game started: first poll, grant, active ports
	FrameSched          FrameType = 10 // H→C: schedule entry with its epoch
	FrameGolfPress      FrameType = 12 // C→H: golf button pressed at a poll
	FrameInputs         FrameType = 13 // both: acks and input runs (the TCP fallback)
	FramePing           FrameType = 14 // C→H: client clock, last RTT
	FramePong           FrameType = 15 // H→C: echoed client clock
	FrameLeft           FrameType = 16 // H→C: a member left; its ports read empty from a poll
	FrameChecksum       FrameType = 17 // C→H: hash of consumed inputs over a poll range
	FrameDesync         FrameType = 18 // H→C: a member's checksum differed
	FrameBye            FrameType = 19 // C→H: leaving, and why
	FrameNotice         FrameType = 20 // H→C: a message for this client only
	FrameJoined         FrameType = 21 // H→C: a member joined
	FrameCoreWant       FrameType = 22 // C→H: send me player 1's settings or a save when there
	FrameCoreData       FrameType = 23 // both: a chunk of player 1's settings or a save
	FrameCoreSync       FrameType = 24 // C→H: a bridged core's CP0 registers at a VI
	FrameManifest       FrameType = 25 // C→H: my ROM, save and cheat hashes
	FrameMemberManifest FrameType = 26 // H→C: a member's manifest
	FrameSyncData       FrameType = 27 // both: a chunk of the host's save or cheats for a player
	FrameRelease        FrameType = 28 // C→H: my emulator stopped; my ports read empty from now on
	FrameStop           FrameType = 29 // C→H: end the game for everyone (host's player only)
	FrameGameOver       FrameType = 30 // H→C: the game is over; the session is back in the lobby
	FrameAutoLag        FrameType = 31 // C→H: on u8: autolag on (1) or off (0)
	FrameCatchUp        FrameType = 32 // C→H: a rejoined player's replay reached a poll; done: near the live game
	FrameHandover       FrameType = 33 // H→C: author your ports again from a poll
	FrameRevive         FrameType = 34 // H→C: ports read input again from a poll: their player rejoined
	FrameEmulator       FrameType = 35 // C→H: whether my emulator can start the game, and why not
	FrameMemberEmulator FrameType = 36 // H→C: a member's emulator status
	FrameCheats         FrameType = 37 // C→H: the names of my enabled cheats
	FrameMemberCheats   FrameType = 38 // H→C: a member's cheat names
	FrameAutoLagOn      FrameType = 39 // H→C: whether the host follows the network with the lag
	FrameRename         FrameType = 40 // C→H: call me this from now on
	FrameRenamed        FrameType = 41 // H→C: a member's new name
)

var frameNames = [...]string{
	FrameHello: "hello", FrameWelcome: "welcome", FrameReject: "reject", FrameRoster: "roster",
	FrameChat: "chat", FrameSetLag: "set-lag", FrameGolf: "golf", FrameStart: "start",
	FrameStarted: "started", FrameSched: "sched", FrameGolfPress: "golf-press",
	FrameInputs: "inputs", FramePing: "ping", FramePong: "pong", FrameLeft: "left",
	FrameChecksum: "checksum", FrameDesync: "desync", FrameBye: "bye", FrameNotice: "notice",
	FrameJoined: "joined", FrameCoreWant: "core-want", FrameCoreData: "core-data", FrameCoreSync: "core-sync",
	FrameManifest: "manifest", FrameMemberManifest: "member-manifest", FrameSyncData: "sync-data", FrameRelease: "release",
	FrameStop: "stop", FrameGameOver: "game-over", FrameAutoLag: "autolag",
	FrameCatchUp: "catch-up", FrameHandover: "handover", FrameRevive: "revive",
	FrameEmulator: "emulator", FrameMemberEmulator: "member-emulator",
	FrameCheats: "cheats", FrameMemberCheats: "member-cheats", FrameAutoLagOn: "autolag-on",
	FrameRename: "rename", FrameRenamed: "renamed",
}

func (t FrameType) String() string {
	if int(t) < len(frameNames) && frameNames[t] != "" {
		return frameNames[t]
	}
	return fmt.Sprintf("frame(%d)", uint8(t))
}

// DgramKind identifies a datagram.
type DgramKind uint8

const (
	DgramHello    DgramKind = 1 // C→H: token; registers the sender's address
	DgramHelloAck DgramKind = 2 // H→C: token; UDP gets through
	DgramInputs   DgramKind = 3 // both: acks and input runs
)

func (k DgramKind) String() string {
	switch k {
	case DgramHello:
		return "hello"
	case DgramHelloAck:
		return "hello-ack"
	case DgramInputs:
		return "inputs"
	}
	return fmt.Sprintf("dgram(%d)", uint8(k))
}

// Errors of the codec. Callers drop what fails to parse and count it.
var (
	ErrShort    = errors.New("message truncated")
	ErrLong     = errors.New("message too long")
	ErrBadMagic = errors.New("not netpak traffic")
	ErrVersion  = errors.New("unsupported protocol version")
	ErrBadValue = errors.New("field out of range")
)

// appendFrame appends a frame header for typ with a payload of n bytes.
func AppendFrameHeader(b []byte, typ FrameType, n int) []byte {
	return append(b, byte(typ), byte(n>>8), byte(n))
}

// ReadFrame reads one frame into buf (which must hold maxFramePayload) and
// returns its type and payload, a slice of buf.
func ReadFrame(r io.Reader, buf []byte) (FrameType, []byte, error) {
	var h [FrameHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint16(h[1:]))
	if n > MaxFramePayload || n > len(buf) {
		return 0, nil, fmt.Errorf("read %v frame of %d bytes: %w", FrameType(h[0]), n, ErrLong)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return 0, nil, fmt.Errorf("read %v frame: %w", FrameType(h[0]), noEOF(err))
	}
	return FrameType(h[0]), buf[:n], nil
}

// noEOF turns an EOF inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Reader decodes fields from a message; the first failure sticks and later
// reads return zero values, so a decoder checks r.err once at the end.
type Reader struct {
	B   []byte
	Err error
}

func (r *Reader) Take(n int) []byte {
	if r.Err != nil {
		return nil
	}
	if len(r.B) < n {
		r.Err = ErrShort
		return nil
	}
	v := r.B[:n]
	r.B = r.B[n:]
	return v
}

func (r *Reader) U8() uint8 {
	if v := r.Take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *Reader) U16() uint16 {
	if v := r.Take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *Reader) U32() uint32 {
	if v := r.Take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *Reader) U64() uint64 {
	if v := r.Take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Str reads a length-prefixed (u16) UTF-8 string of at most max bytes.
func (r *Reader) Str(max int) string {
	n := int(r.U16())
	if r.Err == nil && n > max {
		r.Err = ErrLong
		return ""
	}
	v := r.Take(n)
	if r.Err == nil && !utf8.Valid(v) {
		r.Err = fmt.Errorf("string is not UTF-8: %w", ErrBadValue)
		return ""
	}
	return string(v)
}

// Done returns the sticky error, or an error if bytes are left over.
func (r *Reader) Done() error {
	if r.Err == nil && len(r.B) != 0 {
		r.Err = fmt.Errorf("%d trailing bytes: %w", len(r.B), ErrLong)
	}
	return r.Err
}

func AppendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func AppendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func AppendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func AppendStr(b []byte, s string) []byte {
	b = AppendU16(b, uint16(len(s)))
	return append(b, s...)
}
