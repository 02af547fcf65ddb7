package natmsg

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Magic starts every netpak control message. 0xFE can begin neither a
// WireGuard message (a little-endian type 1..4 then three zero bytes) nor
// a STUN message (top two bits zero).
var Magic = [4]byte{0xFE, 'N', 'P', 'K'}

// Header fields and sizes shared by every control message.
const (
	Version   = 1
	HeaderLen = 6 // magic, version, type
	NonceLen  = 16
	KeyLen    = 32 // an X25519 (WireGuard) key
	SecretLen = 16 // an invite's join secret
)

// Key is an X25519 public or private key, as WireGuard uses them.
type Key = [KeyLen]byte

// Type is the sixth byte of a control message.
type Type byte

// Control message types. Join, accept and reject are the vpn package's
// join handshake; the rest are NAT traversal (see the package doc).
const (
	TypeJoin       Type = 1  // player -> host: admit my public key
	TypeAccept     Type = 2  // host -> player: admitted, with tunnel addresses
	TypeReject     Type = 3  // host -> player: refused, with a reason
	TypeRegister   Type = 4  // host -> rendezvous: keep my room and candidates
	TypeRegistered Type = 5  // rendezvous -> host: your public address
	TypeConnect    Type = 6  // player -> rendezvous: pair me with the room's host
	TypePeer       Type = 7  // rendezvous -> both: the other side's candidates
	TypeNoRoom     Type = 8  // rendezvous -> player: no host registered that room
	TypePing       Type = 9  // peer <-> peer: punch probe
	TypePong       Type = 10 // peer <-> peer: probe answer
	TypeAllocate   Type = 11 // player -> rendezvous: give us a relay
	TypeAllocated  Type = 12 // rendezvous -> both: the relay's address
	TypeRelayBind  Type = 13 // host or player -> relay port: I am this side
	TypeRelayBound Type = 14 // relay port -> side: bound
	TypeRefused    Type = 15 // rendezvous -> sender: refused, with a reason
	TypeChallenge  Type = 16 // rendezvous -> host: prove your key and address
)

// ErrMalformed wraps every reason a parser refuses a control message.
var ErrMalformed = errors.New("malformed control message")

// AppendHeader appends the header of a control message of type t.
func AppendHeader(b []byte, t Type) []byte {
	b = append(b, Magic[:]...)
	return append(b, Version, byte(t))
}

// TypeOf returns the type of a control message after checking its magic
// and version.
func TypeOf(pkt []byte) (Type, error) {
	if len(pkt) < HeaderLen || [4]byte(pkt[:4]) != Magic {
		return 0, fmt.Errorf("%w: no control header", ErrMalformed)
	}
	if pkt[4] != Version {
		return 0, fmt.Errorf("%w: version %d, want %d", ErrMalformed, pkt[4], Version)
	}
	return Type(pkt[5]), nil
}

// IsControl reports whether pkt starts with [Magic].
func IsControl(pkt []byte) bool {
	return len(pkt) >= len(Magic) && [4]byte(pkt[:4]) == Magic
}

// IsSTUN reports whether pkt looks like an RFC 5389 STUN message.
func IsSTUN(pkt []byte) bool {
	return len(pkt) >= STUNHeaderLen && pkt[0]&0xC0 == 0 && binary.BigEndian.Uint32(pkt[4:8]) == STUNCookie
}

// MAC returns HMAC-SHA256(key, msg).
func MAC(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
