package vpn

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/netip"
	"strings"

	"github.com/netpak/netpak/vpn/natmsg"
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
	// Kinds says how each endpoint was learned, in the same order; missing
	// entries mean [CandLocal]. A player names its path after it.
	Kinds []CandidateKind
	// Rendezvous lists rendezvous servers ("host:port") the host is
	// registered with, for punching and relaying.
	Rendezvous []string
	// Lobby, if not 0, is the port of a mupen64plus lobby (netpak server)
	// at [HostAddr] inside the tunnel: a player's netpak then offers that
	// lobby on its own machine, for RMG and the other frontends.
	Lobby uint16
}

// MaxRendezvous bounds the rendezvous servers in an invite.
const MaxRendezvous = 4

// candidates returns the invite's endpoints with their kinds.
func (inv Invite) candidates() []Candidate {
	cs := make([]Candidate, len(inv.Endpoints))
	for i, ep := range inv.Endpoints {
		cs[i] = Candidate{Addr: ep, Kind: CandLocal}
		if i < len(inv.Kinds) && inv.Kinds[i] != 0 {
			cs[i].Kind = inv.Kinds[i]
		}
	}
	return cs
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
	tagRendezv  = 5 // "host:port" of a rendezvous server
	tagKinds    = 6 // one CandidateKind byte per endpoint, in order
	tagLobby    = 7 // the lobby's port inside the tunnel, big-endian
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
	if inv.hasKinds() {
		kinds := make([]byte, len(inv.Endpoints))
		for i := range kinds {
			kinds[i] = byte(CandLocal)
			if i < len(inv.Kinds) && inv.Kinds[i] != 0 {
				kinds[i] = byte(inv.Kinds[i])
			}
		}
		b = appendField(b, tagKinds, kinds)
	}
	for _, r := range inv.Rendezvous[:min(len(inv.Rendezvous), MaxRendezvous)] {
		b = appendField(b, tagRendezv, []byte(r[:min(len(r), 255)]))
	}
	if inv.Lobby != 0 {
		b = appendField(b, tagLobby, binary.BigEndian.AppendUint16(nil, inv.Lobby))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return InvitePrefix + inviteEncoding.EncodeToString(b)
}

// canonicalKinds returns Kinds as String encodes them: one per endpoint,
// or nil when all are local.
func (inv Invite) canonicalKinds() []CandidateKind {
	if !inv.hasKinds() {
		return nil
	}
	out := make([]CandidateKind, len(inv.Endpoints))
	for i, c := range inv.candidates() {
		out[i] = c.Kind
	}
	return out
}

// hasKinds reports whether any endpoint is of another kind than CandLocal.
func (inv Invite) hasKinds() bool {
	for i := range min(len(inv.Kinds), len(inv.Endpoints)) {
		if inv.Kinds[i] != 0 && inv.Kinds[i] != CandLocal {
			return true
		}
	}
	return false
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
		return Invite{}, fmt.Errorf("%w: %w", ErrBadInvite, err)
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
	inv.Kinds = inv.canonicalKinds()
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
	case tagRendezv:
		if len(inv.Rendezvous) == MaxRendezvous {
			return fmt.Errorf("more than %d rendezvous servers", MaxRendezvous)
		}
		if _, _, err := net.SplitHostPort(string(v)); err != nil {
			return fmt.Errorf("rendezvous server %q: %v", v, err)
		}
		inv.Rendezvous = append(inv.Rendezvous, string(v))
	case tagKinds:
		if inv.Kinds != nil || len(v) > MaxEndpoints {
			return errors.New("bad endpoint kinds")
		}
		inv.Kinds = make([]CandidateKind, len(v))
		for i := range v {
			inv.Kinds[i] = CandidateKind(v[i])
		}
	case tagLobby:
		if inv.Lobby != 0 || len(v) != 2 || binary.BigEndian.Uint16(v) == 0 {
			return errors.New("bad lobby port")
		}
		inv.Lobby = binary.BigEndian.Uint16(v)
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
	ep := netip.AddrPortFrom(a.Unmap(), binary.BigEndian.Uint16(v[len(v)-2:]))
	if err := natmsg.CheckUnicast(ep); err != nil {
		return netip.AddrPort{}, fmt.Errorf("endpoint: %w", err)
	}
	return ep, nil
}

// ErrNotUnicast wraps the reason an address was refused as a destination;
// see [natmsg.ErrNotUnicast].
var ErrNotUnicast = natmsg.ErrNotUnicast

// checkLocalBroadcast returns an error wrapping [ErrNotUnicast] if ap is
// the broadcast address of a network this machine is on (a directed
// broadcast, which only the subnet's mask tells from a host).
func checkLocalBroadcast(ap netip.AddrPort, ifaddrs []net.Addr) error {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return nil
	}
	for _, ia := range ifaddrs {
		p, err := netip.ParsePrefix(ia.String())
		if err != nil || !p.Addr().Is4() || p.Bits() >= 31 {
			continue
		}
		if a == lastAddr(p) {
			return fmt.Errorf("%v is the broadcast address of %v: %w", ap, p.Masked(), ErrNotUnicast)
		}
	}
	return nil
}

// unicastHere returns the candidates that are not a directed broadcast of
// a network this machine is on. natmsg.ParseCands has dropped the other
// broadcast and multicast addresses; these need the interfaces' masks.
func unicastHere(cands []Candidate) []Candidate {
	ifaddrs, _ := net.InterfaceAddrs()
	out := cands[:0:0]
	for _, c := range cands {
		if checkLocalBroadcast(c.Addr, ifaddrs) == nil {
			out = append(out, c)
		}
	}
	return out
}

// lastAddr returns the highest address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := ^uint32(0) >> p.Bits()
	v := binary.BigEndian.Uint32(b[:]) | host
	return netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, v)))
}
