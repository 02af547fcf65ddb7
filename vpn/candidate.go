package vpn

import "github.com/netpak/netpak/vpn/natmsg"

// CandidateKind says how an address of a netpak instance was learned, and
// so what a path through it is called.
type CandidateKind = natmsg.CandidateKind

// Candidate is one address at which a netpak instance may be reached.
type Candidate = natmsg.Candidate

// Candidate kinds.
const (
	CandLocal     = natmsg.CandLocal     // an interface address (LAN, global IPv6)
	CandPublic    = natmsg.CandPublic    // as a rendezvous or STUN server saw it
	CandUPnP      = natmsg.CandUPnP      // a port mapping made with UPnP-IGD
	CandNATPMP    = natmsg.CandNATPMP    // a port mapping made with NAT-PMP
	CandPCP       = natmsg.CandPCP       // a port mapping made with PCP
	CandForwarded = natmsg.CandForwarded // configured by the user (a forwarded port)
)
