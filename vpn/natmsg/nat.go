package natmsg

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Field sizes.
const (
	RoomLen          = 16
	TxLen            = 12
	CandLen          = 19 // kind, 16-byte address (IPv4-mapped for IPv4), port
	AddrLen          = 18 // 16-byte address, port
	MaxCands         = 8
	ShortMAC         = 16
	SeqLen           = 8
	RendezvousKeyLen = sha256.Size
	CookieLen        = 16
)

// CandidateKind says how an address of a netpak instance was learned, and
// so what a path through it is called.
type CandidateKind byte

// Candidate kinds.
const (
	CandLocal     CandidateKind = 1 // an interface address (LAN, global IPv6)
	CandPublic    CandidateKind = 2 // as a rendezvous or STUN server saw it
	CandUPnP      CandidateKind = 3 // a port mapping made with UPnP-IGD
	CandNATPMP    CandidateKind = 4 // a port mapping made with NAT-PMP
	CandPCP       CandidateKind = 5 // a port mapping made with PCP
	CandForwarded CandidateKind = 6 // configured by the user (a forwarded port)
)

// String returns the kind's name, as paths are described with it.
func (k CandidateKind) String() string {
	switch k {
	case CandLocal:
		return "local"
	case CandPublic:
		return "public"
	case CandUPnP:
		return "UPnP"
	case CandNATPMP:
		return "NAT-PMP"
	case CandPCP:
		return "PCP"
	case CandForwarded:
		return "forwarded"
	}
	return fmt.Sprintf("kind %d", byte(k))
}

// Mapped reports whether k is a port mapping on the router.
func (k CandidateKind) Mapped() bool { return k == CandUPnP || k == CandNATPMP || k == CandPCP }

// Candidate is one address at which a netpak instance may be reached.
type Candidate struct {
	Addr netip.AddrPort
	Kind CandidateKind
}

// String returns the kind and the address.
func (c Candidate) String() string { return c.Kind.String() + " " + c.Addr.String() }

// Keys derived from the join secret. The rendezvous key goes to the
// rendezvous server, which authenticates the room's players with it; it
// cannot be turned back into the join secret, the preshared keys or the
// punch key, so a server learns nothing it could join with.
func RendezvousKey(secret [SecretLen]byte) [RendezvousKeyLen]byte {
	return [RendezvousKeyLen]byte(MAC(secret[:], []byte("netpak rendezvous v1")))
}

// RoomOf names a host's room: a hash of the host's public key and the
// rendezvous key. Every invite holder can compute it, but registering it
// takes the host's private key (see RegisterKey), so a player cannot
// take over the room, and a rotated secret gives a new room.
func RoomOf(hostPub Key, rdvKey [RendezvousKeyLen]byte) [RoomLen]byte {
	h := sha256.New()
	h.Write([]byte("netpak room v2"))
	h.Write(hostPub[:])
	h.Write(rdvKey[:])
	return [RoomLen]byte(h.Sum(nil))
}

// RegisterKey derives the key that seals a host's registers at one
// server from their Diffie-Hellman secret: the host computes it from its
// private key and the server's public key, the server from its private
// key and the host's public key. Holding the host's public key, as every
// invite holder does, is not enough.
func RegisterKey(priv, peerPub Key) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return nil, err
	}
	p, err := ecdh.X25519().NewPublicKey(peerPub[:])
	if err != nil {
		return nil, err
	}
	shared, err := k.ECDH(p)
	if err != nil {
		return nil, err // a low-order public key
	}
	return MAC(shared, []byte("netpak register v1")), nil
}

// PunchKey derives the key that seals pings and pongs, and answer codes,
// from the join secret. Only invite holders have it.
func PunchKey(secret [SecretLen]byte) []byte {
	return MAC(secret[:], []byte("netpak punch v1"))
}

// AppendAddr appends a as a 16-byte address (IPv4-mapped) and a port.
func AppendAddr(b []byte, a netip.AddrPort) []byte {
	ip := a.Addr().As16()
	b = append(b, ip[:]...)
	return binary.BigEndian.AppendUint16(b, a.Port())
}

// ParseAddr decodes what [AppendAddr] made; b must hold [AddrLen] bytes.
func ParseAddr(b []byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])).Unmap(), binary.BigEndian.Uint16(b[16:18]))
}

// AppendCands appends a candidate list. A padded list always has
// MaxCands entries, the unused ones zero (port 0, which ParseCands drops),
// so the message has one size whatever it carries.
func AppendCands(b []byte, cs []Candidate, padded bool) []byte {
	cs = cs[:min(len(cs), MaxCands)]
	n := len(cs)
	if padded {
		n = MaxCands
	}
	b = append(b, byte(n))
	for _, c := range cs {
		b = append(b, byte(c.Kind))
		b = AppendAddr(b, c.Addr)
	}
	return append(b, make([]byte, (n-len(cs))*CandLen)...)
}

// ParseCands decodes a candidate list and returns the bytes after it.
// Candidates that no one could send to are dropped.
func ParseCands(b []byte) ([]Candidate, []byte, error) {
	if len(b) < 1 || int(b[0]) > MaxCands || len(b) < 1+CandLen*int(b[0]) {
		return nil, nil, fmt.Errorf("%w: candidate list", ErrMalformed)
	}
	n := int(b[0])
	b = b[1:]
	var cs []Candidate
	for i := range n {
		c := Candidate{Kind: CandidateKind(b[i*CandLen]), Addr: ParseAddr(b[i*CandLen+1:])}
		if CheckUnicast(c.Addr) == nil {
			cs = append(cs, c)
		}
	}
	return cs, b[n*CandLen:], nil
}

// sealed appends HMAC-SHA256(key, b[start:]) to b, cut to n bytes.
func sealed(b []byte, start int, key []byte, n int) []byte {
	return append(b, MAC(key, b[start:])[:n]...)
}

// opened checks the last n bytes of pkt are sealed(key) of the rest and
// returns the rest.
func opened(pkt, key []byte, n int) ([]byte, bool) {
	if len(pkt) < HeaderLen+n {
		return nil, false
	}
	body := pkt[:len(pkt)-n]
	return body, hmac.Equal(pkt[len(body):], MAC(key, body)[:n])
}

// Register keeps a host's room at a rendezvous server. It is sealed
// with the RegisterKey of the host and the server, and carries the cookie
// the server gave the host's address, so only the host registers its
// room, and only from an address where it receives the server's answers.
type Register struct {
	Room   [RoomLen]byte
	Key    [RendezvousKeyLen]byte
	Host   Key // the host's WireGuard public key
	Cookie [CookieLen]byte
	Seq    uint64 // increases with every register, so a replay is refused
	Cands  []Candidate
}

// RegisterLen is the size of every register.
const RegisterLen = HeaderLen + RoomLen + RendezvousKeyLen + KeyLen + CookieLen + SeqLen + 1 + MaxCands*CandLen + ShortMAC

// AppendRegister appends m sealed with regKey (see [RegisterKey]).
func AppendRegister(b []byte, m Register, regKey []byte) []byte {
	start := len(b)
	b = AppendHeader(b, TypeRegister)
	b = append(b, m.Room[:]...)
	b = append(b, m.Key[:]...)
	b = append(b, m.Host[:]...)
	b = append(b, m.Cookie[:]...)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = AppendCands(b, m.Cands, true)
	return sealed(b, start, regKey, ShortMAC)
}

// ParseRegister decodes a register and checks its room is its host's and
// key's, but not its seal: that needs the server's key (RegisterOpened).
func ParseRegister(pkt []byte) (Register, error) {
	var m Register
	if len(pkt) != RegisterLen {
		return m, fmt.Errorf("%w: register of %d bytes, want %d", ErrMalformed, len(pkt), RegisterLen)
	}
	p, err := body(pkt, TypeRegister, RegisterLen-HeaderLen)
	if err != nil {
		return m, err
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Key[:], p):]
	p = p[copy(m.Host[:], p):]
	p = p[copy(m.Cookie[:], p):]
	m.Seq = binary.BigEndian.Uint64(p)
	if RoomOf(m.Host, m.Key) != m.Room {
		return m, fmt.Errorf("%w: room is not its host's", ErrMalformed)
	}
	m.Cands, p, err = ParseCands(p[SeqLen:])
	if err == nil && len(p) != ShortMAC {
		err = fmt.Errorf("%w: %d bytes after register", ErrMalformed, len(p))
	}
	return m, err
}

// RegisterOpened reports whether a register was sealed with regKey.
func RegisterOpened(pkt, regKey []byte) bool {
	_, ok := opened(pkt, regKey, ShortMAC)
	return ok
}

// Challenge answers a register that did not prove its key or address:
// the cookie for the sender's address and the server's public key, with
// which the host seals its next register.
type Challenge struct {
	Room   [RoomLen]byte
	Cookie [CookieLen]byte
	Server Key
}

// ChallengeLen is the size of every challenge.
const ChallengeLen = HeaderLen + RoomLen + CookieLen + KeyLen

// AppendChallenge appends m. It is smaller than the register it answers.
func AppendChallenge(b []byte, m Challenge) []byte {
	b = AppendHeader(b, TypeChallenge)
	b = append(b, m.Room[:]...)
	b = append(b, m.Cookie[:]...)
	return append(b, m.Server[:]...)
}

// ParseChallenge decodes a challenge.
func ParseChallenge(pkt []byte) (Challenge, error) {
	var m Challenge
	p, err := body(pkt, TypeChallenge, ChallengeLen-HeaderLen)
	if err != nil || len(pkt) != ChallengeLen {
		return m, fmt.Errorf("%w: challenge", ErrMalformed)
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Cookie[:], p):]
	copy(m.Server[:], p)
	return m, nil
}

// AppendRegistered answers a register, telling the host its public address.
// It is sealed with the rendezvous key so no one else can feed the host a
// false address.
func AppendRegistered(b []byte, seq uint64, public netip.AddrPort, key []byte) []byte {
	start := len(b)
	b = AppendHeader(b, TypeRegistered)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = AppendAddr(b, public)
	return sealed(b, start, key, ShortMAC)
}

// ParseRegistered decodes a registered sealed with the rendezvous key.
func ParseRegistered(pkt, key []byte) (seq uint64, public netip.AddrPort, err error) {
	p, err := sealedBody(pkt, TypeRegistered, SeqLen+AddrLen, key)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return binary.BigEndian.Uint64(p), ParseAddr(p[SeqLen:]), nil
}

// body checks a message's header, type and minimum length and returns
// what follows the header.
func body(pkt []byte, want Type, minLen int) ([]byte, error) {
	t, err := TypeOf(pkt)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("%w: type %d, want %d", ErrMalformed, t, want)
	}
	if len(pkt) < HeaderLen+minLen {
		return nil, fmt.Errorf("%w: %d bytes for type %d", ErrMalformed, len(pkt), t)
	}
	return pkt[HeaderLen:], nil
}

// sealedBody is body for a fixed-size message sealed with key (ShortMAC).
func sealedBody(pkt []byte, want Type, n int, key []byte) ([]byte, error) {
	p, err := body(pkt, want, n+ShortMAC)
	if err != nil {
		return nil, err
	}
	if len(p) != n+ShortMAC {
		return nil, fmt.Errorf("%w: %d bytes for type %d", ErrMalformed, len(pkt), want)
	}
	if _, ok := opened(pkt, key, ShortMAC); !ok {
		return nil, fmt.Errorf("%w: bad mac on type %d", ErrMalformed, want)
	}
	return p[:n], nil
}

// Pairing asks the rendezvous to pair a player with the room's host;
// peerMsg is the answer to both sides, carrying the other's candidates.
// Both are sealed with the rendezvous key.
type Pairing struct {
	Room  [RoomLen]byte
	Nonce [NonceLen]byte
	Cands []Candidate
}

// AppendPairing appends a connect or peer message (t) sealed with the
// rendezvous key.
func AppendPairing(b []byte, t Type, m Pairing, key []byte) []byte {
	start := len(b)
	b = AppendHeader(b, t)
	b = append(b, m.Room[:]...)
	b = append(b, m.Nonce[:]...)
	b = AppendCands(b, m.Cands, true)
	return sealed(b, start, key, ShortMAC)
}

// ParseRoom returns the room of a message whose body starts with one,
// before its MAC can be checked (the room says which key checks it).
func ParseRoom(pkt []byte) ([RoomLen]byte, bool) {
	if len(pkt) < HeaderLen+RoomLen {
		return [RoomLen]byte{}, false
	}
	return [RoomLen]byte(pkt[HeaderLen:]), true
}

// ParsePairing decodes a connect or peer message (t) and checks its seal.
func ParsePairing(pkt []byte, t Type, key []byte) (Pairing, error) {
	var m Pairing
	if _, err := body(pkt, t, RoomLen+NonceLen+1+ShortMAC); err != nil {
		return m, err
	}
	p, ok := opened(pkt, key, ShortMAC)
	if !ok {
		return m, fmt.Errorf("%w: bad mac on type %d", ErrMalformed, t)
	}
	p = p[HeaderLen:]
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Nonce[:], p):]
	cands, rest, err := ParseCands(p)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("%w: %d bytes after candidates", ErrMalformed, len(rest))
	}
	m.Cands = cands
	return m, err
}

// RefuseReason says why a rendezvous server refused a request.
type RefuseReason byte

const (
	RefuseNoRoom    RefuseReason = 1 // no host registered the room
	RefuseNoRelay   RefuseReason = 2 // the server relays nothing
	RefuseRelayBusy RefuseReason = 3 // every relay slot is taken
)

// String says why, in words for the player.
func (r RefuseReason) String() string {
	switch r {
	case RefuseNoRoom:
		return "the host is not registered there (is it running with this rendezvous server?)"
	case RefuseNoRelay:
		return "it does not relay"
	case RefuseRelayBusy:
		return "its relay is full"
	}
	return fmt.Sprintf("reason %d", byte(r))
}

// AppendRefused appends a refusal. It carries no MAC, since the server may
// not have the key; it is smaller than any request it answers, and the
// echoed nonce keeps off-path senders from forging it.
func AppendRefused(b []byte, room [RoomLen]byte, nonce [NonceLen]byte, r RefuseReason) []byte {
	b = AppendHeader(b, TypeRefused)
	b = append(b, room[:]...)
	b = append(b, nonce[:]...)
	return append(b, byte(r))
}

// ParseRefused decodes a refusal.
func ParseRefused(pkt []byte) (room [RoomLen]byte, nonce [NonceLen]byte, r RefuseReason, err error) {
	p, err := body(pkt, TypeRefused, RoomLen+NonceLen+1)
	if err != nil || len(p) != RoomLen+NonceLen+1 {
		return room, nonce, 0, fmt.Errorf("%w: refused", ErrMalformed)
	}
	copy(room[:], p)
	copy(nonce[:], p[RoomLen:])
	return room, nonce, RefuseReason(p[RoomLen+NonceLen]), nil
}

// Roles in pings and relay bindings.
const (
	RoleHost   byte = 1
	RolePlayer byte = 2
)

// Ping is a punch probe between host and player, sealed with the punch
// key so that only invite holders get an answer. Kind is the kind of the
// candidate it was sent to, so the receiver learns how it was reached.
type Ping struct {
	Tx   [TxLen]byte
	Kind CandidateKind
	Role byte
}

// A ping carries padding so that the pong it asks for is no larger.
const (
	PingPad = AddrLen - 2
	PingLen = HeaderLen + TxLen + 2 + PingPad + ShortMAC
	PongLen = HeaderLen + TxLen + AddrLen + ShortMAC
)

// AppendPing appends m sealed with the punch key.
func AppendPing(b []byte, m Ping, key []byte) []byte {
	start := len(b)
	b = AppendHeader(b, TypePing)
	b = append(b, m.Tx[:]...)
	b = append(b, byte(m.Kind), m.Role)
	b = append(b, make([]byte, PingPad)...)
	return sealed(b, start, key, ShortMAC)
}

// ParsePing decodes a ping and checks its seal.
func ParsePing(pkt, key []byte) (Ping, error) {
	var m Ping
	p, err := sealedBody(pkt, TypePing, TxLen+2+PingPad, key)
	if err != nil {
		return m, err
	}
	copy(m.Tx[:], p)
	m.Kind, m.Role = CandidateKind(p[TxLen]), p[TxLen+1]
	return m, nil
}

// AppendPong answers a ping, telling its sender the address it came from.
func AppendPong(b []byte, tx [TxLen]byte, seen netip.AddrPort, key []byte) []byte {
	start := len(b)
	b = AppendHeader(b, TypePong)
	b = append(b, tx[:]...)
	b = AppendAddr(b, seen)
	return sealed(b, start, key, ShortMAC)
}

// ParsePong decodes a pong and checks its seal.
func ParsePong(pkt, key []byte) (tx [TxLen]byte, seen netip.AddrPort, err error) {
	p, err := sealedBody(pkt, TypePong, TxLen+AddrLen, key)
	if err != nil {
		return tx, seen, err
	}
	copy(tx[:], p)
	return tx, ParseAddr(p[TxLen:]), nil
}

// Alloc names one relay allocation: the room and the player's nonce.
// Allocate (player -> rendezvous), allocated (rendezvous -> both, with the
// relay's address) and the relay bindings all carry it, sealed with the
// rendezvous key.
type Alloc struct {
	Room  [RoomLen]byte
	Nonce [NonceLen]byte
	Relay netip.AddrPort // allocated only
	Role  byte           // relay bind and bound only
}

// allocFieldsLen is the size of a message's fields. An allocate carries a
// zero relay address so that the allocated it asks for is no larger.
func allocFieldsLen(t Type) int {
	switch t {
	case TypeAllocate, TypeAllocated:
		return RoomLen + NonceLen + AddrLen
	case TypeRelayBind, TypeRelayBound:
		return RoomLen + NonceLen + 1
	}
	return RoomLen + NonceLen
}

// AppendAlloc appends an allocate, allocated, relay bind or relay bound
// message (t) sealed with the rendezvous key.
func AppendAlloc(b []byte, t Type, m Alloc, key []byte) []byte {
	start := len(b)
	b = AppendHeader(b, t)
	b = append(b, m.Room[:]...)
	b = append(b, m.Nonce[:]...)
	switch t {
	case TypeAllocate, TypeAllocated:
		b = AppendAddr(b, m.Relay)
	case TypeRelayBind, TypeRelayBound:
		b = append(b, m.Role)
	}
	return sealed(b, start, key, ShortMAC)
}

// ParseAlloc decodes a message of type t made by [AppendAlloc] and checks
// its seal.
func ParseAlloc(pkt []byte, t Type, key []byte) (Alloc, error) {
	var m Alloc
	p, err := sealedBody(pkt, t, allocFieldsLen(t), key)
	if err != nil {
		return m, err
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Nonce[:], p):]
	switch t {
	case TypeAllocated:
		m.Relay = ParseAddr(p)
	case TypeRelayBind, TypeRelayBound:
		m.Role = p[0]
		if m.Role != RoleHost && m.Role != RolePlayer {
			return m, fmt.Errorf("%w: role %d", ErrMalformed, m.Role)
		}
	}
	return m, nil
}

// EqualMAC reports whether two MACs are equal, in constant time.
func EqualMAC(a, b []byte) bool { return hmac.Equal(a, b) }
