package host

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Wire constants. The layouts are documented in doc.go.
const (
	// magic0 starts every netpak TCP stream and datagram. The
	// mupen64plus-core protocol never starts with it: its TCP opcodes are
	// 1-8 and 64-191, its datagram kinds 0-4.
	magic0 = 0xE4

	// ProtocolVersion is the version of netpak's wire protocol. A host
	// refuses clients of another version with a message saying so.
	ProtocolVersion = 2

	frameHeaderLen  = 3     // type u8, length u16
	maxFramePayload = 16384 // bounds every TCP message
	maxDatagram     = 1200  // stays under any tunnel's MTU
	dgramHeaderLen  = 12    // magic, version, kind, flags, token u64
	maxRunLen       = 64    // inputs of one port in one message
	inputLen        = 5     // keys u32, pak u8
	maxNameLen      = 24
	maxChatLen      = 400
	maxMembers      = 64 // players and spectators of one session
)

// streamMagic is what a client writes first on its TCP connection.
var streamMagic = [4]byte{magic0, 'N', 'P', 'K'}

// frameType identifies a TCP message.
type frameType uint8

const (
	frameHello          frameType = 1  // C→H: version, flags, wanted ports, owner key, name
	frameWelcome        frameType = 2  // H→C: id, token, ports, state, settings
	frameReject         frameType = 3  // H→C: reason code, text
	frameRoster         frameType = 4  // H→C: every member
	frameChat           frameType = 5  // C→H: text; H→C: from id, text
	frameSetLag         frameType = 6  // C→H: lag
	frameGolf           frameType = 7  // C→H: toggle golf mode
	frameStart          frameType = 8  // C→H: start the game (host's player only)
	frameStarted        frameType = 9  // H→C: the game started: first poll, grant, active ports
	frameSched          frameType = 10 // H→C: schedule entry with its epoch
	frameGolfPress      frameType = 12 // C→H: golf button pressed at a poll
	frameInputs         frameType = 13 // both: acks and input runs (the TCP fallback)
	framePing           frameType = 14 // C→H: client clock, last RTT
	framePong           frameType = 15 // H→C: echoed client clock
	frameLeft           frameType = 16 // H→C: a member left; its ports read empty from a poll
	frameChecksum       frameType = 17 // C→H: hash of consumed inputs over a poll range
	frameDesync         frameType = 18 // H→C: a member's checksum differed
	frameBye            frameType = 19 // C→H: leaving
	frameNotice         frameType = 20 // H→C: a message for this client only
	frameJoined         frameType = 21 // H→C: a member joined
	frameCoreWant       frameType = 22 // C→H: send me player 1's settings or a save when there
	frameCoreData       frameType = 23 // both: a chunk of player 1's settings or a save
	frameCoreSync       frameType = 24 // C→H: a bridged core's CP0 registers at a VI
	frameManifest       frameType = 25 // C→H: my ROM, save and cheat hashes
	frameMemberManifest frameType = 26 // H→C: a member's manifest
	frameSyncData       frameType = 27 // both: a chunk of the host's save or cheats for a player
	frameRelease        frameType = 28 // C→H: my emulator stopped; my ports read empty from now on
)

var frameNames = [...]string{
	frameHello: "hello", frameWelcome: "welcome", frameReject: "reject", frameRoster: "roster",
	frameChat: "chat", frameSetLag: "set-lag", frameGolf: "golf", frameStart: "start",
	frameStarted: "started", frameSched: "sched", frameGolfPress: "golf-press",
	frameInputs: "inputs", framePing: "ping", framePong: "pong", frameLeft: "left",
	frameChecksum: "checksum", frameDesync: "desync", frameBye: "bye", frameNotice: "notice",
	frameJoined: "joined", frameCoreWant: "core-want", frameCoreData: "core-data", frameCoreSync: "core-sync",
	frameManifest: "manifest", frameMemberManifest: "member-manifest", frameSyncData: "sync-data", frameRelease: "release",
}

func (t frameType) String() string {
	if int(t) < len(frameNames) && frameNames[t] != "" {
		return frameNames[t]
	}
	return fmt.Sprintf("frame(%d)", uint8(t))
}

// dgramKind identifies a datagram.
type dgramKind uint8

const (
	dgramHello    dgramKind = 1 // C→H: token; registers the sender's address
	dgramHelloAck dgramKind = 2 // H→C: token; UDP gets through
	dgramInputs   dgramKind = 3 // both: acks and input runs
)

func (k dgramKind) String() string {
	switch k {
	case dgramHello:
		return "hello"
	case dgramHelloAck:
		return "hello-ack"
	case dgramInputs:
		return "inputs"
	}
	return fmt.Sprintf("dgram(%d)", uint8(k))
}

// Errors of the codec. Callers drop what fails to parse and count it.
var (
	errShort    = errors.New("message truncated")
	errLong     = errors.New("message too long")
	errBadMagic = errors.New("not netpak traffic")
	errVersion  = errors.New("unsupported protocol version")
	errBadValue = errors.New("field out of range")
)

// appendFrame appends a frame header for typ with a payload of n bytes.
func appendFrameHeader(b []byte, typ frameType, n int) []byte {
	return append(b, byte(typ), byte(n>>8), byte(n))
}

// readFrame reads one frame into buf (which must hold maxFramePayload) and
// returns its type and payload, a slice of buf.
func readFrame(r io.Reader, buf []byte) (frameType, []byte, error) {
	var h [frameHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint16(h[1:]))
	if n > maxFramePayload || n > len(buf) {
		return 0, nil, fmt.Errorf("read %v frame of %d bytes: %w", frameType(h[0]), n, errLong)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return 0, nil, fmt.Errorf("read %v frame: %w", frameType(h[0]), noEOF(err))
	}
	return frameType(h[0]), buf[:n], nil
}

// noEOF turns an EOF inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// reader decodes fields from a message; the first failure sticks and later
// reads return zero values, so a decoder checks r.err once at the end.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// str reads a length-prefixed (u16) UTF-8 string of at most max bytes.
func (r *reader) str(max int) string {
	n := int(r.u16())
	if r.err == nil && n > max {
		r.err = errLong
		return ""
	}
	v := r.take(n)
	if r.err == nil && !utf8.Valid(v) {
		r.err = fmt.Errorf("string is not UTF-8: %w", errBadValue)
		return ""
	}
	return string(v)
}

// done returns the sticky error, or an error if bytes are left over.
func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes: %w", len(r.b), errLong)
	}
	return r.err
}

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func appendStr(b []byte, s string) []byte {
	b = appendU16(b, uint16(len(s)))
	return append(b, s...)
}
