package vpn

import (
	"net/netip"
	"time"
)

// PathKind says how a tunnel's datagrams travel.
type PathKind int

// Path kinds.
const (
	PathUnknown PathKind = iota // no traffic yet
	PathDirect                  // straight between the two sockets
	PathMapped                  // straight, through a port mapping on the host's router
	PathRelayed                 // through a relay of a rendezvous server
)

// Path is how a tunnel reaches the other side, for the console's /who and
// join messages.
type Path struct {
	Kind   PathKind
	Addr   netip.AddrPort // the other side's address, or the relay's
	Method CandidateKind  // for PathMapped: CandUPnP, CandNATPMP or CandPCP
	RTT    time.Duration  // last measured round trip; zero if never measured
}

// String says "direct", "direct via UPnP" or "relayed via ADDR".
func (p Path) String() string {
	switch p.Kind {
	case PathDirect:
		return "direct"
	case PathMapped:
		return "direct via " + p.Method.String()
	case PathRelayed:
		return "relayed via " + p.Addr.String()
	}
	return "unknown"
}

// candRelay marks a relay address among a player's probe targets; it
// never travels.
const candRelay CandidateKind = 0xFF

// pathOf names the path through an address of the given kind.
func pathOf(addr netip.AddrPort, kind CandidateKind, rtt time.Duration) Path {
	switch {
	case kind == candRelay:
		return Path{Kind: PathRelayed, Addr: addr, RTT: rtt}
	case kind.Mapped():
		return Path{Kind: PathMapped, Addr: addr, Method: kind, RTT: rtt}
	}
	return Path{Kind: PathDirect, Addr: addr, RTT: rtt}
}
