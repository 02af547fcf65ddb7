package vpn

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"

	"github.com/netpak/netpak/vpn/natmsg"
)

// Control message layouts; the package doc draws them. Every message is a
// fixed size, so a parser checks one length and never allocates.
const (
	sessionLen = 8
	secretLen  = natmsg.SecretLen
	authLen    = sha256.Size
	mac1Len    = 16

	joinLen   = natmsg.HeaderLen + sessionLen + KeyLen + natmsg.NonceLen + authLen + mac1Len
	acceptLen = natmsg.HeaderLen + sessionLen + natmsg.NonceLen + 4 + 4 + authLen
	rejectLen = natmsg.HeaderLen + sessionLen + natmsg.NonceLen + 1
)

// rejectReason says why the host refused a join.
type rejectReason byte

const (
	rejectBadSecret rejectReason = 1 // the join secret did not verify
	rejectFull      rejectReason = 2 // no free peer slot
	rejectSession   rejectReason = 3 // the invite is for another session
)

// Sentinel errors for outcomes a caller of [Join] branches on.
var (
	ErrBadSecret      = errors.New("host refused the join secret: the invite is wrong or was replaced")
	ErrSessionFull    = errors.New("session is full")
	ErrUnknownSession = errors.New("host is running another session: the invite is out of date")
	ErrNoAnswer       = errors.New("host did not answer")
)

func (r rejectReason) err() error {
	switch r {
	case rejectBadSecret:
		return ErrBadSecret
	case rejectFull:
		return ErrSessionFull
	case rejectSession:
		return ErrUnknownSession
	}
	return fmt.Errorf("host refused the join (reason %d)", r)
}

// SessionID names one hosted session; invites and joins carry it.
type SessionID [sessionLen]byte

// joinMsg is a player's request to be admitted.
type joinMsg struct {
	Session SessionID
	Player  Key // the player's public key
	Nonce   [natmsg.NonceLen]byte
}

// acceptMsg admits a player.
type acceptMsg struct {
	Session SessionID
	Nonce   [natmsg.NonceLen]byte // echoed from the join
	Addr    netip.Addr            // the player's tunnel address
	Host    netip.Addr            // the host's tunnel address
}

// rejectMsg refuses a join.
type rejectMsg struct {
	Session SessionID
	Nonce   [natmsg.NonceLen]byte
	Reason  rejectReason
}

// mac1Key derives the key that proves a join's sender knows the host's
// public key, as WireGuard's mac1 does for handshakes.
func mac1Key(hostPub Key) []byte {
	h := sha256.New()
	h.Write([]byte("netpak join mac1 v1"))
	h.Write(hostPub[:])
	return h.Sum(nil)
}

// appendJoin appends a join authenticated with the join secret (auth) and
// the host's public key (mac1).
func appendJoin(b []byte, m joinMsg, secret [secretLen]byte, hostPub Key) []byte {
	start := len(b)
	b = natmsg.AppendHeader(b, natmsg.TypeJoin)
	b = append(b, m.Session[:]...)
	b = append(b, m.Player[:]...)
	b = append(b, m.Nonce[:]...)
	b = append(b, natmsg.MAC(secret[:], b[start:])...)
	return append(b, natmsg.MAC(mac1Key(hostPub), b[start:])[:mac1Len]...)
}

// parseJoin decodes a join without checking its MACs.
func parseJoin(pkt []byte) (joinMsg, error) {
	var m joinMsg
	if len(pkt) != joinLen {
		return m, fmt.Errorf("%w: join of %d bytes, want %d", natmsg.ErrMalformed, len(pkt), joinLen)
	}
	if t, err := natmsg.TypeOf(pkt); err != nil || t != natmsg.TypeJoin {
		return m, fmt.Errorf("%w: not a join", natmsg.ErrMalformed)
	}
	p := pkt[natmsg.HeaderLen:]
	p = p[copy(m.Session[:], p):]
	p = p[copy(m.Player[:], p):]
	copy(m.Nonce[:], p)
	return m, nil
}

// joinMAC1OK reports whether a join's mac1 was made with key (see mac1Key).
func joinMAC1OK(pkt, key []byte) bool {
	body := pkt[:joinLen-mac1Len]
	return hmac.Equal(pkt[joinLen-mac1Len:], natmsg.MAC(key, body)[:mac1Len])
}

// joinAuthOK reports whether a join was made with the join secret.
func joinAuthOK(pkt []byte, secret [secretLen]byte) bool {
	end := joinLen - mac1Len
	return hmac.Equal(pkt[end-authLen:end], natmsg.MAC(secret[:], pkt[:end-authLen]))
}

// appendAccept appends an accept authenticated with the join secret.
func appendAccept(b []byte, m acceptMsg, secret [secretLen]byte) []byte {
	start := len(b)
	b = natmsg.AppendHeader(b, natmsg.TypeAccept)
	b = append(b, m.Session[:]...)
	b = append(b, m.Nonce[:]...)
	a, h := m.Addr.As4(), m.Host.As4()
	b = append(b, a[:]...)
	b = append(b, h[:]...)
	return append(b, natmsg.MAC(secret[:], b[start:])...)
}

// parseAccept decodes an accept and checks it was made with secret.
func parseAccept(pkt []byte, secret [secretLen]byte) (acceptMsg, error) {
	var m acceptMsg
	if len(pkt) != acceptLen {
		return m, fmt.Errorf("%w: accept of %d bytes, want %d", natmsg.ErrMalformed, len(pkt), acceptLen)
	}
	if t, err := natmsg.TypeOf(pkt); err != nil || t != natmsg.TypeAccept {
		return m, fmt.Errorf("%w: not an accept", natmsg.ErrMalformed)
	}
	if !hmac.Equal(pkt[acceptLen-authLen:], natmsg.MAC(secret[:], pkt[:acceptLen-authLen])) {
		return m, fmt.Errorf("%w: accept not made with the join secret", natmsg.ErrMalformed)
	}
	p := pkt[natmsg.HeaderLen:]
	p = p[copy(m.Session[:], p):]
	p = p[copy(m.Nonce[:], p):]
	m.Addr = netip.AddrFrom4([4]byte(p[0:4]))
	m.Host = netip.AddrFrom4([4]byte(p[4:8]))
	if !tunnelPrefix.Contains(m.Addr) || !tunnelPrefix.Contains(m.Host) || m.Addr == m.Host {
		return m, fmt.Errorf("%w: tunnel addresses %v and %v", natmsg.ErrMalformed, m.Addr, m.Host)
	}
	return m, nil
}

// appendReject appends a reject. It carries no MAC: the sender may not
// share the secret, and forging one only achieves what dropping the join
// would. The echoed nonce keeps off-path senders from forging it.
func appendReject(b []byte, m rejectMsg) []byte {
	b = natmsg.AppendHeader(b, natmsg.TypeReject)
	b = append(b, m.Session[:]...)
	b = append(b, m.Nonce[:]...)
	return append(b, byte(m.Reason))
}

func parseReject(pkt []byte) (rejectMsg, error) {
	var m rejectMsg
	if len(pkt) != rejectLen {
		return m, fmt.Errorf("%w: reject of %d bytes, want %d", natmsg.ErrMalformed, len(pkt), rejectLen)
	}
	if t, err := natmsg.TypeOf(pkt); err != nil || t != natmsg.TypeReject {
		return m, fmt.Errorf("%w: not a reject", natmsg.ErrMalformed)
	}
	p := pkt[natmsg.HeaderLen:]
	p = p[copy(m.Session[:], p):]
	p = p[copy(m.Nonce[:], p):]
	m.Reason = rejectReason(p[0])
	return m, nil
}

// presharedKey derives the WireGuard preshared key for a player from the
// join secret it joined with; both sides compute it.
func presharedKey(secret [secretLen]byte, player Key) Key {
	return Key(natmsg.MAC(secret[:], append([]byte("netpak psk v1"), player[:]...)))
}
