package vpn

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// NAT-traversal control messages; the package doc draws them. They share
// the join messages' header, so the shared socket sorts them the same way.
const (
	msgRegister   msgType = 4  // host -> rendezvous: keep my room and candidates
	msgRegistered msgType = 5  // rendezvous -> host: your public address
	msgConnect    msgType = 6  // player -> rendezvous: pair me with the room's host
	msgPeer       msgType = 7  // rendezvous -> both: the other side's candidates
	msgNoRoom     msgType = 8  // rendezvous -> player: no host registered that room
	msgPing       msgType = 9  // peer <-> peer: punch probe
	msgPong       msgType = 10 // peer <-> peer: probe answer
	msgAllocate   msgType = 11 // player -> rendezvous: give us a relay
	msgAllocated  msgType = 12 // rendezvous -> both: the relay's address
	msgRelayBind  msgType = 13 // host or player -> relay port: I am this side
	msgRelayBound msgType = 14 // relay port -> side: bound
	msgRefused    msgType = 15 // rendezvous -> sender: refused, with a reason
	msgChallenge  msgType = 16 // rendezvous -> host: prove your key and address
)

// Field sizes.
const (
	roomLen   = 16
	txLen     = 12
	candLen   = 19 // kind, 16-byte address (IPv4-mapped for IPv4), port
	addrLen   = 18 // 16-byte address, port
	maxCands  = 8
	shortMAC  = 16
	seqLen    = 8
	rdvKeyLen = sha256.Size
	cookieLen = 16
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

// mapped reports whether k is a port mapping on the router.
func (k CandidateKind) mapped() bool { return k == CandUPnP || k == CandNATPMP || k == CandPCP }

// Candidate is one address at which a netpak instance may be reached.
type Candidate struct {
	Addr netip.AddrPort
	Kind CandidateKind
}

func (c Candidate) String() string { return c.Kind.String() + " " + c.Addr.String() }

// Keys derived from the join secret. The rendezvous key goes to the
// rendezvous server, which authenticates the room's players with it; it
// cannot be turned back into the join secret, the preshared keys or the
// punch key, so a server learns nothing it could join with.
func rendezvousKey(secret [secretLen]byte) [rdvKeyLen]byte {
	return [rdvKeyLen]byte(mac(secret[:], []byte("netpak rendezvous v1")))
}

// roomOf names a host's room: a hash of the host's public key and the
// rendezvous key. Every invite holder can compute it, but registering it
// takes the host's private key (see registerKey), so a player cannot
// take over the room, and a rotated secret gives a new room.
func roomOf(hostPub Key, rdvKey [rdvKeyLen]byte) [roomLen]byte {
	h := sha256.New()
	h.Write([]byte("netpak room v2"))
	h.Write(hostPub[:])
	h.Write(rdvKey[:])
	return [roomLen]byte(h.Sum(nil))
}

// registerKey derives the key that seals a host's registers at one
// server from their Diffie-Hellman secret: the host computes it from its
// private key and the server's public key, the server from its private
// key and the host's public key. Holding the host's public key, as every
// invite holder does, is not enough.
func registerKey(priv, peerPub Key) ([]byte, error) {
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
	return mac(shared, []byte("netpak register v1")), nil
}

func punchKey(secret [secretLen]byte) []byte {
	return mac(secret[:], []byte("netpak punch v1"))
}

func appendAddr(b []byte, a netip.AddrPort) []byte {
	ip := a.Addr().As16()
	b = append(b, ip[:]...)
	return binary.BigEndian.AppendUint16(b, a.Port())
}

func parseAddr(b []byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])).Unmap(), binary.BigEndian.Uint16(b[16:18]))
}

// appendCands appends a candidate list. A padded list always has
// maxCands entries, the unused ones zero (port 0, which parseCands drops),
// so the message has one size whatever it carries.
func appendCands(b []byte, cs []Candidate, padded bool) []byte {
	cs = cs[:min(len(cs), maxCands)]
	n := len(cs)
	if padded {
		n = maxCands
	}
	b = append(b, byte(n))
	for _, c := range cs {
		b = append(b, byte(c.Kind))
		b = appendAddr(b, c.Addr)
	}
	return append(b, make([]byte, (n-len(cs))*candLen)...)
}

// parseCands decodes a candidate list and returns the bytes after it.
// Candidates that no one could send to are dropped.
func parseCands(b []byte) ([]Candidate, []byte, error) {
	if len(b) < 1 || int(b[0]) > maxCands || len(b) < 1+candLen*int(b[0]) {
		return nil, nil, fmt.Errorf("%w: candidate list", errMalformed)
	}
	n := int(b[0])
	b = b[1:]
	var cs []Candidate
	for i := range n {
		c := Candidate{Kind: CandidateKind(b[i*candLen]), Addr: parseAddr(b[i*candLen+1:])}
		if checkUnicast(c.Addr) == nil {
			cs = append(cs, c)
		}
	}
	return cs, b[n*candLen:], nil
}

// sealed appends HMAC-SHA256(key, b[start:]) to b, cut to n bytes.
func sealed(b []byte, start int, key []byte, n int) []byte {
	return append(b, mac(key, b[start:])[:n]...)
}

// opened checks the last n bytes of pkt are sealed(key) of the rest and
// returns the rest.
func opened(pkt, key []byte, n int) ([]byte, bool) {
	if len(pkt) < headerLen+n {
		return nil, false
	}
	body := pkt[:len(pkt)-n]
	return body, hmac.Equal(pkt[len(body):], mac(key, body)[:n])
}

// registerMsg keeps a host's room at a rendezvous server. It is sealed
// with the registerKey of the host and the server, and carries the cookie
// the server gave the host's address, so only the host registers its
// room, and only from an address where it receives the server's answers.
type registerMsg struct {
	Room   [roomLen]byte
	Key    [rdvKeyLen]byte
	Host   Key // the host's WireGuard public key
	Cookie [cookieLen]byte
	Seq    uint64 // increases with every register, so a replay is refused
	Cands  []Candidate
}

const registerLen = headerLen + roomLen + rdvKeyLen + KeyLen + cookieLen + seqLen + 1 + maxCands*candLen + shortMAC

func appendRegister(b []byte, m registerMsg, regKey []byte) []byte {
	start := len(b)
	b = appendHeader(b, msgRegister)
	b = append(b, m.Room[:]...)
	b = append(b, m.Key[:]...)
	b = append(b, m.Host[:]...)
	b = append(b, m.Cookie[:]...)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = appendCands(b, m.Cands, true)
	return sealed(b, start, regKey, shortMAC)
}

// parseRegister decodes a register and checks its room is its host's and
// key's, but not its seal: that needs the server's key (registerOpened).
func parseRegister(pkt []byte) (registerMsg, error) {
	var m registerMsg
	if len(pkt) != registerLen {
		return m, fmt.Errorf("%w: register of %d bytes, want %d", errMalformed, len(pkt), registerLen)
	}
	p, err := body(pkt, msgRegister, registerLen-headerLen)
	if err != nil {
		return m, err
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Key[:], p):]
	p = p[copy(m.Host[:], p):]
	p = p[copy(m.Cookie[:], p):]
	m.Seq = binary.BigEndian.Uint64(p)
	if roomOf(m.Host, m.Key) != m.Room {
		return m, fmt.Errorf("%w: room is not its host's", errMalformed)
	}
	m.Cands, p, err = parseCands(p[seqLen:])
	if err == nil && len(p) != shortMAC {
		err = fmt.Errorf("%w: %d bytes after register", errMalformed, len(p))
	}
	return m, err
}

// registerOpened reports whether a register was sealed with regKey.
func registerOpened(pkt, regKey []byte) bool {
	_, ok := opened(pkt, regKey, shortMAC)
	return ok
}

// challengeMsg answers a register that did not prove its key or address:
// the cookie for the sender's address and the server's public key, with
// which the host seals its next register.
type challengeMsg struct {
	Room   [roomLen]byte
	Cookie [cookieLen]byte
	Server Key
}

const challengeLen = headerLen + roomLen + cookieLen + KeyLen

func appendChallenge(b []byte, m challengeMsg) []byte {
	b = appendHeader(b, msgChallenge)
	b = append(b, m.Room[:]...)
	b = append(b, m.Cookie[:]...)
	return append(b, m.Server[:]...)
}

func parseChallenge(pkt []byte) (challengeMsg, error) {
	var m challengeMsg
	p, err := body(pkt, msgChallenge, challengeLen-headerLen)
	if err != nil || len(pkt) != challengeLen {
		return m, fmt.Errorf("%w: challenge", errMalformed)
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Cookie[:], p):]
	copy(m.Server[:], p)
	return m, nil
}

// appendRegistered answers a register, telling the host its public address.
// It is sealed with the rendezvous key so no one else can feed the host a
// false address.
func appendRegistered(b []byte, seq uint64, public netip.AddrPort, key []byte) []byte {
	start := len(b)
	b = appendHeader(b, msgRegistered)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = appendAddr(b, public)
	return sealed(b, start, key, shortMAC)
}

func parseRegistered(pkt, key []byte) (seq uint64, public netip.AddrPort, err error) {
	p, err := sealedBody(pkt, msgRegistered, seqLen+addrLen, key)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return binary.BigEndian.Uint64(p), parseAddr(p[seqLen:]), nil
}

// body checks a message's header, type and minimum length and returns
// what follows the header.
func body(pkt []byte, want msgType, minLen int) ([]byte, error) {
	t, err := controlType(pkt)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("%w: type %d, want %d", errMalformed, t, want)
	}
	if len(pkt) < headerLen+minLen {
		return nil, fmt.Errorf("%w: %d bytes for type %d", errMalformed, len(pkt), t)
	}
	return pkt[headerLen:], nil
}

// sealedBody is body for a fixed-size message sealed with key (shortMAC).
func sealedBody(pkt []byte, want msgType, n int, key []byte) ([]byte, error) {
	p, err := body(pkt, want, n+shortMAC)
	if err != nil {
		return nil, err
	}
	if len(p) != n+shortMAC {
		return nil, fmt.Errorf("%w: %d bytes for type %d", errMalformed, len(pkt), want)
	}
	if _, ok := opened(pkt, key, shortMAC); !ok {
		return nil, fmt.Errorf("%w: bad mac on type %d", errMalformed, want)
	}
	return p[:n], nil
}

// connectMsg asks the rendezvous to pair a player with the room's host;
// peerMsg is the answer to both sides, carrying the other's candidates.
// Both are sealed with the rendezvous key.
type connectMsg struct {
	Room  [roomLen]byte
	Nonce [nonceLen]byte
	Cands []Candidate
}

func appendPairing(b []byte, t msgType, m connectMsg, key []byte) []byte {
	start := len(b)
	b = appendHeader(b, t)
	b = append(b, m.Room[:]...)
	b = append(b, m.Nonce[:]...)
	b = appendCands(b, m.Cands, true)
	return sealed(b, start, key, shortMAC)
}

// parseRoom returns the room of a message whose body starts with one,
// before its MAC can be checked (the room says which key checks it).
func parseRoom(pkt []byte) ([roomLen]byte, bool) {
	if len(pkt) < headerLen+roomLen {
		return [roomLen]byte{}, false
	}
	return [roomLen]byte(pkt[headerLen:]), true
}

func parsePairing(pkt []byte, t msgType, key []byte) (connectMsg, error) {
	var m connectMsg
	if _, err := body(pkt, t, roomLen+nonceLen+1+shortMAC); err != nil {
		return m, err
	}
	p, ok := opened(pkt, key, shortMAC)
	if !ok {
		return m, fmt.Errorf("%w: bad mac on type %d", errMalformed, t)
	}
	p = p[headerLen:]
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Nonce[:], p):]
	cands, rest, err := parseCands(p)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("%w: %d bytes after candidates", errMalformed, len(rest))
	}
	m.Cands = cands
	return m, err
}

// refuseReason says why a rendezvous server refused a request.
type refuseReason byte

const (
	refuseNoRoom    refuseReason = 1 // no host registered the room
	refuseNoRelay   refuseReason = 2 // the server relays nothing
	refuseRelayBusy refuseReason = 3 // every relay slot is taken
)

func (r refuseReason) String() string {
	switch r {
	case refuseNoRoom:
		return "the host is not registered there (is it running with this rendezvous server?)"
	case refuseNoRelay:
		return "it does not relay"
	case refuseRelayBusy:
		return "its relay is full"
	}
	return fmt.Sprintf("reason %d", byte(r))
}

// appendRefused appends a refusal. It carries no MAC, since the server may
// not have the key; it is smaller than any request it answers, and the
// echoed nonce keeps off-path senders from forging it.
func appendRefused(b []byte, room [roomLen]byte, nonce [nonceLen]byte, r refuseReason) []byte {
	b = appendHeader(b, msgRefused)
	b = append(b, room[:]...)
	b = append(b, nonce[:]...)
	return append(b, byte(r))
}

func parseRefused(pkt []byte) (room [roomLen]byte, nonce [nonceLen]byte, r refuseReason, err error) {
	p, err := body(pkt, msgRefused, roomLen+nonceLen+1)
	if err != nil || len(p) != roomLen+nonceLen+1 {
		return room, nonce, 0, fmt.Errorf("%w: refused", errMalformed)
	}
	copy(room[:], p)
	copy(nonce[:], p[roomLen:])
	return room, nonce, refuseReason(p[roomLen+nonceLen]), nil
}

// Roles in pings and relay bindings.
const (
	roleHost   byte = 1
	rolePlayer byte = 2
)

// pingMsg is a punch probe between host and player, sealed with the punch
// key so that only invite holders get an answer. Kind is the kind of the
// candidate it was sent to, so the receiver learns how it was reached.
type pingMsg struct {
	Tx   [txLen]byte
	Kind CandidateKind
	Role byte
}

// A ping carries padding so that the pong it asks for is no larger.
const (
	pingPad = addrLen - 2
	pingLen = headerLen + txLen + 2 + pingPad + shortMAC
	pongLen = headerLen + txLen + addrLen + shortMAC
)

func appendPing(b []byte, m pingMsg, key []byte) []byte {
	start := len(b)
	b = appendHeader(b, msgPing)
	b = append(b, m.Tx[:]...)
	b = append(b, byte(m.Kind), m.Role)
	b = append(b, make([]byte, pingPad)...)
	return sealed(b, start, key, shortMAC)
}

func parsePing(pkt, key []byte) (pingMsg, error) {
	var m pingMsg
	p, err := sealedBody(pkt, msgPing, txLen+2+pingPad, key)
	if err != nil {
		return m, err
	}
	copy(m.Tx[:], p)
	m.Kind, m.Role = CandidateKind(p[txLen]), p[txLen+1]
	return m, nil
}

// appendPong answers a ping, telling its sender the address it came from.
func appendPong(b []byte, tx [txLen]byte, seen netip.AddrPort, key []byte) []byte {
	start := len(b)
	b = appendHeader(b, msgPong)
	b = append(b, tx[:]...)
	b = appendAddr(b, seen)
	return sealed(b, start, key, shortMAC)
}

func parsePong(pkt, key []byte) (tx [txLen]byte, seen netip.AddrPort, err error) {
	p, err := sealedBody(pkt, msgPong, txLen+addrLen, key)
	if err != nil {
		return tx, seen, err
	}
	copy(tx[:], p)
	return tx, parseAddr(p[txLen:]), nil
}

// allocMsg names one relay allocation: the room and the player's nonce.
// Allocate (player -> rendezvous), allocated (rendezvous -> both, with the
// relay's address) and the relay bindings all carry it, sealed with the
// rendezvous key.
type allocMsg struct {
	Room  [roomLen]byte
	Nonce [nonceLen]byte
	Relay netip.AddrPort // allocated only
	Role  byte           // relay bind and bound only
}

// allocFieldsLen is the size of a message's fields. An allocate carries a
// zero relay address so that the allocated it asks for is no larger.
func allocFieldsLen(t msgType) int {
	switch t {
	case msgAllocate, msgAllocated:
		return roomLen + nonceLen + addrLen
	case msgRelayBind, msgRelayBound:
		return roomLen + nonceLen + 1
	}
	return roomLen + nonceLen
}

func appendAlloc(b []byte, t msgType, m allocMsg, key []byte) []byte {
	start := len(b)
	b = appendHeader(b, t)
	b = append(b, m.Room[:]...)
	b = append(b, m.Nonce[:]...)
	switch t {
	case msgAllocate, msgAllocated:
		b = appendAddr(b, m.Relay)
	case msgRelayBind, msgRelayBound:
		b = append(b, m.Role)
	}
	return sealed(b, start, key, shortMAC)
}

func parseAlloc(pkt []byte, t msgType, key []byte) (allocMsg, error) {
	var m allocMsg
	p, err := sealedBody(pkt, t, allocFieldsLen(t), key)
	if err != nil {
		return m, err
	}
	p = p[copy(m.Room[:], p):]
	p = p[copy(m.Nonce[:], p):]
	switch t {
	case msgAllocated:
		m.Relay = parseAddr(p)
	case msgRelayBind, msgRelayBound:
		m.Role = p[0]
		if m.Role != roleHost && m.Role != rolePlayer {
			return m, fmt.Errorf("%w: role %d", errMalformed, m.Role)
		}
	}
	return m, nil
}

func equalMAC(a, b []byte) bool { return hmac.Equal(a, b) }
