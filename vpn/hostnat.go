package vpn

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// Host-side NAT traversal timing.
const (
	natTick       = 250 * time.Millisecond // how often hostNAT looks at its work
	registerEvery = 15 * time.Second       // keeps the room and the NAT mapping to the server
	relayRefresh  = 15 * time.Second       // keeps the host's binding at a relay
	relayUnused   = 3 * time.Minute        // a relay no peer uses is forgotten
	rttEvery      = 10 * time.Second       // how often the host pings its peers
	punchEvery    = 50 * time.Millisecond  // probe spacing while punching
	punchWindow   = 10 * time.Second       // how long the host punches toward a player
	discoverLimit = 3 * time.Second        // the most WaitDiscovery waits
	maxPunches    = 16                     // punch sessions at once
	maxRemembered = 64                     // entries of the per-address path tables
)

// hostNAT is the host's side of NAT traversal: it registers with
// rendezvous servers, learns its public address (rendezvous and STUN),
// keeps a port mapping on the router, punches toward players it is paired
// with, and binds to relays allocated for its players. Its control
// handlers run on the socket's reader goroutine and never block.
type hostNAT struct {
	// Immutable after newHostNAT.
	h        *Host
	servers  []string // rendezvous "host:port", as configured
	stunList []string
	portMap  bool
	done     chan struct{}
	found    chan struct{} // closed when discovery has finished

	mu       sync.Mutex
	rdv      map[netip.AddrPort]*rdvServer // guarded by mu
	stun     map[netip.AddrPort]*stunQuery // guarded by mu
	mapping  Candidate                     // guarded by mu; zero without one
	mapNote  string                        // guarded by mu; why there is no mapping
	mapDone  bool                          // guarded by mu
	punches  map[[natmsg.TxLen]byte]bool   // guarded by mu; true once answered
	relays   map[netip.AddrPort]*hostRelay // guarded by mu
	reached  map[netip.AddrPort]CandidateKind
	rtt      map[netip.AddrPort]time.Duration
	rttPings map[[natmsg.TxLen]byte]sentPing
	rttRound time.Time
}

type rdvServer struct {
	name     string
	server   Key    // the server's public key, from its challenge
	regKey   []byte // seals registers to it; nil before a challenge
	cookie   [natmsg.CookieLen]byte
	seq      uint64
	sent     time.Time // last register
	ok       time.Time // last answer
	public   netip.AddrPort
	attempts int
}

type stunQuery struct {
	name     string
	tx       [natmsg.TxLen]byte
	sent     time.Time
	public   netip.AddrPort
	attempts int
}

type hostRelay struct {
	rdv   netip.AddrPort
	msg   natmsg.Alloc
	bound time.Time // last relay-bound answer
	sent  time.Time // last bind
	used  time.Time // last time a peer's endpoint was this relay
}

type sentPing struct {
	to netip.AddrPort
	at time.Time
}

func newHostNAT(h *Host, cfg HostConfig) *hostNAT {
	return &hostNAT{
		h:        h,
		servers:  cfg.Rendezvous[:min(len(cfg.Rendezvous), MaxRendezvous)],
		stunList: cfg.STUN,
		portMap:  !cfg.NoPortMapping && !cfg.Listen.Addr().IsLoopback(),
		done:     h.done,
		found:    make(chan struct{}),
		rdv:      map[netip.AddrPort]*rdvServer{},
		stun:     map[netip.AddrPort]*stunQuery{},
		punches:  map[[natmsg.TxLen]byte]bool{},
		relays:   map[netip.AddrPort]*hostRelay{},
		reached:  map[netip.AddrPort]CandidateKind{},
		rtt:      map[netip.AddrPort]time.Duration{},
		rttPings: map[[natmsg.TxLen]byte]sentPing{},
	}
}

// keys returns the keys derived from the current join secret.
func (n *hostNAT) keys() (rdvKey [natmsg.RendezvousKeyLen]byte, room [natmsg.RoomLen]byte, punch []byte) {
	n.h.mu.Lock()
	secret := n.h.secret
	n.h.mu.Unlock()
	rdvKey = natmsg.RendezvousKey(secret)
	return rdvKey, natmsg.RoomOf(n.h.pub, rdvKey), natmsg.PunchKey(secret)
}

func (n *hostNAT) run() {
	defer n.h.loops.Done()
	n.resolve()
	if n.portMap {
		n.h.loops.Add(1)
		go n.mapPort()
	} else {
		n.mu.Lock()
		n.mapDone, n.mapNote = true, "port mapping turned off"
		n.mu.Unlock()
	}
	start := time.Now()
	tick := time.NewTicker(natTick)
	defer tick.Stop()
	for {
		now := time.Now()
		n.registerDue(now)
		n.stunDue(now)
		n.relaysDue(now)
		n.rttDue(now)
		n.checkFound(now.Sub(start) > discoverLimit)
		select {
		case <-n.done:
			return
		case <-tick.C:
		}
	}
}

// resolve looks up the rendezvous and STUN servers once; a name that does
// not resolve is logged and left out.
func (n *hostNAT) resolve() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.servers {
		ap, err := resolveUDP(ctx, s)
		if err != nil {
			n.h.logf("vpn: rendezvous server %v", err)
			continue
		}
		n.rdv[ap] = &rdvServer{name: s}
	}
	stun := n.stunList
	for _, s := range stun {
		ap, err := resolveUDP(ctx, s)
		if err != nil {
			n.h.logf("vpn: stun server %v", err)
			continue
		}
		n.stun[ap] = &stunQuery{name: s}
	}
}

// registerDue registers with every rendezvous server that is due: quickly
// until one answers, then every registerEvery.
func (n *hostNAT) registerDue(now time.Time) {
	key, room, _ := n.keys()
	cands := n.candidates()
	n.mu.Lock()
	defer n.mu.Unlock()
	for ap, s := range n.rdv {
		wait := registerEvery
		if s.ok.IsZero() || now.Sub(s.ok) > 2*registerEvery {
			wait = min(natTick<<min(s.attempts, 3), 2*time.Second)
		}
		if now.Sub(s.sent) < wait {
			continue
		}
		s.attempts++
		n.registerLocked(ap, s, key, room, cands, now)
	}
}

// registerSoon makes the next tick register with every server.
func (n *hostNAT) registerSoon() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.rdv {
		s.sent, s.attempts = time.Time{}, 0
	}
}

// registerLocked sends a register to server ap, sealed with the key it
// shares with the server and carrying the server's cookie for this
// address; the first ones, without either, get a challenge back.
func (n *hostNAT) registerLocked(ap netip.AddrPort, s *rdvServer, key [natmsg.RendezvousKeyLen]byte, room [natmsg.RoomLen]byte, cands []Candidate, now time.Time) {
	s.seq = max(s.seq+1, uint64(now.UnixNano()))
	s.sent = now
	m := natmsg.Register{Room: room, Key: key, Host: n.h.pub, Cookie: s.cookie, Seq: s.seq, Cands: cands}
	n.h.reply(natmsg.AppendRegister(nil, m, s.regKey), ap)
}

// onChallenge takes a server's cookie and key and registers again at once
// if they are news, so an unchanged challenge cannot start a loop.
func (n *hostNAT) onChallenge(pkt []byte, from netip.AddrPort, key [natmsg.RendezvousKeyLen]byte, room [natmsg.RoomLen]byte) {
	m, err := natmsg.ParseChallenge(pkt)
	if err != nil || m.Room != room {
		return
	}
	cands := n.candidates()
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.rdv[from]
	if s == nil || s.cookie == m.Cookie && s.server == m.Server && s.regKey != nil {
		return
	}
	if s.server != m.Server || s.regKey == nil {
		rk, err := natmsg.RegisterKey(n.h.priv, m.Server)
		if err != nil {
			n.h.logf("vpn: rendezvous server %s: %v", s.name, err)
			return
		}
		s.server, s.regKey = m.Server, rk
	}
	s.cookie = m.Cookie
	n.registerLocked(from, s, key, room, cands, time.Now())
}

func (n *hostNAT) stunDue(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ap, q := range n.stun {
		if q.public.IsValid() || q.attempts >= 6 || now.Sub(q.sent) < 500*time.Millisecond {
			continue
		}
		rand.Read(q.tx[:])
		q.sent = now
		q.attempts++
		n.h.reply(natmsg.AppendSTUNRequest(nil, q.tx), ap)
	}
}

// onSTUN takes a binding response on the shared socket.
func (n *hostNAT) onSTUN(pkt []byte, from netip.AddrPort) {
	tx, public, err := natmsg.ParseSTUNResponse(pkt)
	if err != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if q := n.stun[from]; q != nil && q.tx == tx {
		q.public = public
	}
}

// checkFound closes found once every server answered, or at the limit.
func (n *hostNAT) checkFound(late bool) {
	select {
	case <-n.found:
		return
	default:
	}
	n.mu.Lock()
	done := n.mapDone
	for _, s := range n.rdv {
		done = done && !s.ok.IsZero()
	}
	for _, q := range n.stun {
		done = done && (q.public.IsValid() || q.attempts >= 6)
	}
	n.mu.Unlock()
	if done || late {
		close(n.found)
	}
}

// candidates lists the host's addresses for registers and invites: the
// port mapping, public addresses, then the local endpoints.
func (n *hostNAT) candidates() []Candidate {
	var cs []Candidate
	add := func(c Candidate) {
		if !c.Addr.IsValid() || len(cs) == natmsg.MaxCands {
			return
		}
		for _, o := range cs {
			if o.Addr == c.Addr {
				return
			}
		}
		cs = append(cs, c)
	}
	n.mu.Lock()
	add(n.mapping)
	for _, s := range sortedServers(n.rdv) {
		add(Candidate{Addr: s.public, Kind: CandPublic})
	}
	for _, q := range n.stun {
		add(Candidate{Addr: q.public, Kind: CandPublic})
	}
	n.mu.Unlock()
	for _, c := range n.h.localCands {
		add(c)
	}
	return cs
}

func sortedServers(m map[netip.AddrPort]*rdvServer) []*rdvServer {
	out := make([]*rdvServer, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *rdvServer) int { return a.public.Compare(b.public) })
	return out
}

// resolveUDP resolves "host:port" to one UDP address, IPv4 preferred.
func resolveUDP(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: %w", hostport, err)
	}
	p, err := net.DefaultResolver.LookupPort(ctx, "udp", port)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: %w", hostport, err)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q: no address: %v", hostport, err)
	}
	slices.SortStableFunc(ips, func(a, b netip.Addr) int {
		if a.Unmap().Is4() == b.Unmap().Is4() {
			return 0
		}
		if a.Unmap().Is4() {
			return -1
		}
		return 1
	})
	return netip.AddrPortFrom(ips[0].Unmap(), uint16(p)), nil
}
