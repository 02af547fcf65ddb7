package vpn

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// Reachability is what the host found out about how players can reach it.
type Reachability struct {
	Port      uint16         // the shared socket's local port
	Mapping   Candidate      // a port mapping on the router; zero if none
	MapNote   string         // why there is no mapping
	Public    netip.AddrPort // the public address servers saw; zero if none answered
	Symmetric bool           // two servers saw different public ports
	Servers   []ServerState  // rendezvous servers
}

// ServerState is one rendezvous server as the host sees it.
type ServerState struct {
	Name       string
	Addr       netip.AddrPort // zero if the name did not resolve
	Registered bool
}

// WaitDiscovery waits (at most a few seconds) until the host has heard
// from its rendezvous and STUN servers and its router, and reports what
// it found. Invites made after it carry every address found.
func (h *Host) WaitDiscovery(ctx context.Context) Reachability {
	select {
	case <-h.nat.found:
	case <-ctx.Done():
	case <-h.done:
	}
	return h.nat.reachability()
}

func (n *hostNAT) reachability() Reachability {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := Reachability{Port: n.h.bind.LocalAddr().Port(), Mapping: n.mapping, MapNote: n.mapNote}
	ports := map[uint16]bool{}
	see := func(a netip.AddrPort) {
		if a.IsValid() {
			r.Public = a
			ports[a.Port()] = true
		}
	}
	names := map[string]bool{}
	for ap, s := range n.rdv {
		names[s.name] = true
		r.Servers = append(r.Servers, ServerState{Name: s.name, Addr: ap, Registered: !s.ok.IsZero()})
		see(s.public)
	}
	for _, q := range n.stun {
		see(q.public)
	}
	for _, s := range n.servers {
		if !names[s] {
			r.Servers = append(r.Servers, ServerState{Name: s})
		}
	}
	r.Symmetric = len(ports) > 1
	return r
}

// Advice says, in one line, how players will reach the host and what to
// do if some of them cannot.
func (r Reachability) Advice() string {
	registered := 0
	for _, s := range r.Servers {
		if s.Registered {
			registered++
		}
	}
	switch {
	case r.Mapping.Addr.IsValid():
		return fmt.Sprintf("the router forwards %v to this host (%v): players connect directly", r.Mapping.Addr, r.Mapping.Kind)
	case r.Symmetric && registered == 0:
		return fmt.Sprintf("host is behind a symmetric NAT and no relay is configured: add a rendezvous server or forward UDP port %d", r.Port)
	case r.Symmetric:
		return "host is behind a symmetric NAT: players behind NAT will be relayed; forward UDP port " + fmt.Sprint(r.Port) + " for direct paths"
	case registered > 0:
		return "players are paired through the rendezvous server; punching goes direct where the NATs allow, else the relay carries the game"
	case len(r.Servers) > 0:
		return fmt.Sprintf("no rendezvous server answered (%s): players outside this network need UDP port %d forwarded, or copy-paste answer codes", serverNames(r.Servers), r.Port)
	case r.Public.IsValid():
		return fmt.Sprintf("no rendezvous server configured: players send an answer code back (copy-paste) to punch through, or forward UDP port %d", r.Port)
	}
	return fmt.Sprintf("no rendezvous or STUN server configured and no port mapping (%s): only players on this network can join, unless UDP port %d is forwarded", r.MapNote, r.Port)
}

func serverNames(ss []ServerState) string {
	var names []string
	for _, s := range ss {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
