package vpn

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strings"
)

// InvitePrefix starts every invite; the digit is the invite format version.
const InvitePrefix = "netpak1"

// Invite limits. An invite is one line that players paste into a chat.
const (
	MaxInviteLen = 600 // characters, prefix included
	MaxEndpoints = 8
)

// Invite holds what a player needs to join a hosted session: the host's
// public key (which also lets the player's packets through the host's
// mac1 check), where to reach the host, the session, and the join secret.
type Invite struct {
	HostKey   Key
	Endpoints []netip.AddrPort
	Session   SessionID
	Secret    [secretLen]byte
}

// ErrBadInvite wraps every reason [ParseInvite] refuses a text.
var ErrBadInvite = errors.New("bad invite")

// Invite body fields, each encoded tag, length, value. Parsers skip tags
// they do not know so later versions (rendezvous servers) can add fields.
const (
	tagHostKey  = 1
	tagSession  = 2
	tagSecret   = 3
	tagEndpoint = 4 // 4-byte IPv4 or 16-byte IPv6 address, then port, big-endian
)

var inviteEncoding = base64.RawURLEncoding

// String encodes the invite as one line: [InvitePrefix], then base64url of
// the fields and a CRC-32 that catches a mangled copy-paste.
func (inv Invite) String() string {
	var b []byte
	b = appendField(b, tagHostKey, inv.HostKey[:])
	b = appendField(b, tagSession, inv.Session[:])
	b = appendField(b, tagSecret, inv.Secret[:])
	for _, ep := range inv.Endpoints {
		a := ep.Addr().Unmap().AsSlice()
		b = appendField(b, tagEndpoint, binary.BigEndian.AppendUint16(a, ep.Port()))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return InvitePrefix + inviteEncoding.EncodeToString(b)
}

func appendField(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag, byte(len(v)))
	return append(b, v...)
}

// ParseInvite decodes an invite made by [Invite.String]. Surrounding white
// space is ignored. Errors wrap [ErrBadInvite] and say what is wrong.
func ParseInvite(s string) (Invite, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxInviteLen {
		return Invite{}, fmt.Errorf("%w: %d characters, at most %d", ErrBadInvite, len(s), MaxInviteLen)
	}
	rest, ok := strings.CutPrefix(s, InvitePrefix)
	if !ok {
		return Invite{}, fmt.Errorf("%w: does not start with %q", ErrBadInvite, InvitePrefix)
	}
	b, err := inviteEncoding.DecodeString(rest)
	if err != nil {
		return Invite{}, fmt.Errorf("%w: not base64url (incomplete copy?): %v", ErrBadInvite, err)
	}
	if len(b) < 4 {
		return Invite{}, fmt.Errorf("%w: too short", ErrBadInvite)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return Invite{}, fmt.Errorf("%w: checksum mismatch (damaged copy?)", ErrBadInvite)
	}
	inv, err := parseInviteFields(body)
	if err != nil {
		return Invite{}, fmt.Errorf("%w: %v", ErrBadInvite, err)
	}
	return inv, nil
}

func parseInviteFields(b []byte) (Invite, error) {
	var inv Invite
	var seen [tagEndpoint]bool
	for len(b) > 0 {
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return Invite{}, errors.New("truncated field")
		}
		tag, v := b[0], b[2:2+int(b[1])]
		b = b[2+len(v):]
		if tag >= tagHostKey && tag < tagEndpoint {
			if seen[tag] {
				return Invite{}, fmt.Errorf("field %d twice", tag)
			}
			seen[tag] = true
		}
		if err := inv.setField(tag, v); err != nil {
			return Invite{}, err
		}
	}
	switch {
	case inv.HostKey.IsZero():
		return Invite{}, errors.New("no host key")
	case inv.Secret == [secretLen]byte{}:
		return Invite{}, errors.New("no join secret")
	case len(inv.Endpoints) == 0:
		return Invite{}, errors.New("no host endpoint")
	}
	return inv, nil
}

func (inv *Invite) setField(tag byte, v []byte) error {
	switch tag {
	case tagHostKey:
		return setFixed(inv.HostKey[:], v, "host key")
	case tagSession:
		return setFixed(inv.Session[:], v, "session id")
	case tagSecret:
		return setFixed(inv.Secret[:], v, "join secret")
	case tagEndpoint:
		ep, err := parseEndpointField(v)
		if err != nil {
			return err
		}
		if len(inv.Endpoints) == MaxEndpoints {
			return fmt.Errorf("more than %d endpoints", MaxEndpoints)
		}
		inv.Endpoints = append(inv.Endpoints, ep)
	}
	return nil
}

func setFixed(dst, v []byte, what string) error {
	if len(v) != len(dst) {
		return fmt.Errorf("%s of %d bytes, want %d", what, len(v), len(dst))
	}
	copy(dst, v)
	return nil
}

func parseEndpointField(v []byte) (netip.AddrPort, error) {
	if len(v) != 6 && len(v) != 18 {
		return netip.AddrPort{}, fmt.Errorf("endpoint of %d bytes, want 6 or 18", len(v))
	}
	a, _ := netip.AddrFromSlice(v[:len(v)-2])
	port := binary.BigEndian.Uint16(v[len(v)-2:])
	if port == 0 || a.IsUnspecified() {
		return netip.AddrPort{}, fmt.Errorf("endpoint %v:%d is not reachable", a, port)
	}
	return netip.AddrPortFrom(a.Unmap(), port), nil
}
