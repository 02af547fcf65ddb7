package vpn

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// Player-side timing.
const (
	relayAfter    = 1500 * time.Millisecond // punching this long without an answer asks for a relay
	answerAfter   = time.Second             // direct probes this long without an answer print an answer code
	connectEvery  = 300 * time.Millisecond  // rendezvous request spacing
	upgradeEvery  = 30 * time.Second        // a relayed player tries direct again this often
	upgradeWindow = 3 * time.Second
)

// ErrNoPath reports that no way to the host worked; its message says what
// was tried and what to do next.
var ErrNoPath = errors.New("no path to the host")

// probeWin is the first address that answered a probe.
type probeWin struct {
	addr netip.AddrPort
	kind CandidateKind
	rtt  time.Duration
}

// playerNAT is the player's side of NAT traversal on the shared socket:
// it probes the host's candidates, asks rendezvous servers to pair it and
// for a relay, makes an answer code when there is no rendezvous, and
// answers the host's probes. Its handlers run on the socket's reader
// goroutine and never block.
type playerNAT struct {
	// Immutable after newPlayerNAT.
	bind    *Bind
	inv     Invite
	rdvKey  [natmsg.RendezvousKeyLen]byte
	room    [natmsg.RoomLen]byte
	punch   []byte
	nonce   [natmsg.NonceLen]byte
	servers map[netip.AddrPort]string
	logf    Logf
	relayAt time.Duration // punching this long without an answer asks for a relay
	join    sync.Mutex    // serialises joinHandler
	joinH   Handler       // guarded by join

	mu         sync.Mutex
	targets    map[netip.AddrPort]CandidateKind // guarded by mu
	sent       map[netip.AddrPort]time.Time     // guarded by mu; last ping per target
	paired     map[netip.AddrPort]time.Time     // guarded by mu; servers that paired us
	refused    map[netip.AddrPort]string        // guarded by mu; why a server refused
	relay      netip.AddrPort                   // guarded by mu; allocated relay
	relayRdv   netip.AddrPort                   // guarded by mu; the server that allocated it
	bound      bool                             // guarded by mu
	public     netip.AddrPort                   // guarded by mu; as a STUN server saw us
	stunTx     [natmsg.TxLen]byte               // guarded by mu
	stunServer netip.AddrPort                   // immutable
	stunSent   time.Time                        // guarded by mu
	stunTries  int                              // guarded by mu
	rtts       map[[natmsg.TxLen]byte]sentPing  // guarded by mu; RTT pings in flight
	rtt        time.Duration                    // guarded by mu; last measured
	wins       chan probeWin
}

func newPlayerNAT(ctx context.Context, bind *Bind, inv Invite, cfg JoinConfig) *playerNAT {
	rdvKey := natmsg.RendezvousKey(inv.Secret)
	p := &playerNAT{
		bind: bind, inv: inv, rdvKey: rdvKey, room: natmsg.RoomOf(inv.HostKey, rdvKey), punch: natmsg.PunchKey(inv.Secret),
		servers: map[netip.AddrPort]string{}, logf: cfg.Logf.orDiscard(), relayAt: cmp.Or(cfg.relayAfter, relayAfter),
		targets: map[netip.AddrPort]CandidateKind{}, sent: map[netip.AddrPort]time.Time{},
		paired: map[netip.AddrPort]time.Time{}, refused: map[netip.AddrPort]string{},
		rtts: map[[natmsg.TxLen]byte]sentPing{}, wins: make(chan probeWin, 1),
	}
	rand.Read(p.nonce[:])
	for _, c := range inv.candidates() {
		p.targets[c.Addr] = c.Kind
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for _, s := range append(inv.Rendezvous[:len(inv.Rendezvous):len(inv.Rendezvous)], cfg.Rendezvous...) {
		ap, err := resolveUDP(rctx, s)
		if err != nil {
			p.logf("vpn: rendezvous server %v", err)
			p.refused[netip.AddrPort{}] = "rendezvous server " + err.Error()
			continue
		}
		p.servers[ap] = s
	}
	if len(cfg.STUN) > 0 {
		if ap, err := resolveUDP(rctx, cfg.STUN[0]); err == nil {
			p.stunServer = ap
			rand.Read(p.stunTx[:])
		}
	}
	bind.SetControlHandler(p.onControl)
	bind.SetSTUNHandler(p.onSTUN)
	return p
}

// askSTUN asks the STUN server for this player's public address, until it
// answers or a few tries have gone unanswered.
func (p *playerNAT) askSTUN(now time.Time) {
	p.mu.Lock()
	due := p.stunServer.IsValid() && !p.public.IsValid() && p.stunTries < 6 && now.Sub(p.stunSent) >= 500*time.Millisecond
	if due {
		p.stunTries++
		p.stunSent = now
	}
	p.mu.Unlock()
	if due {
		p.bind.WriteTo(natmsg.AppendSTUNRequest(nil, p.stunTx), p.stunServer)
	}
}

func (p *playerNAT) tx() [natmsg.TxLen]byte { return [natmsg.TxLen]byte(p.nonce[:natmsg.TxLen]) }

// setJoinHandler routes join answers (accept, reject) to h.
func (p *playerNAT) setJoinHandler(h Handler) {
	p.join.Lock()
	p.joinH = h
	p.join.Unlock()
}

func (p *playerNAT) onSTUN(pkt []byte, from netip.AddrPort) {
	tx, public, err := natmsg.ParseSTUNResponse(pkt)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil && tx == p.stunTx {
		p.public = public
	}
}

func (p *playerNAT) onControl(pkt []byte, from netip.AddrPort) {
	t, err := natmsg.TypeOf(pkt)
	if err != nil {
		return
	}
	switch t {
	case natmsg.TypeAccept, natmsg.TypeReject:
		p.join.Lock()
		if p.joinH != nil {
			p.joinH(pkt, from)
		}
		p.join.Unlock()
	case natmsg.TypePeer:
		p.onPeer(pkt, from)
	case natmsg.TypeRefused:
		if room, nonce, r, err := natmsg.ParseRefused(pkt); err == nil && room == p.room && nonce == p.nonce && p.isServer(from) {
			p.mu.Lock()
			p.refused[from] = r.String()
			p.mu.Unlock()
		}
	case natmsg.TypeAllocated:
		p.onAllocated(pkt, from)
	case natmsg.TypeRelayBound:
		if m, err := natmsg.ParseAlloc(pkt, natmsg.TypeRelayBound, p.rdvKey[:]); err == nil && m.Nonce == p.nonce && m.Role == natmsg.RolePlayer {
			p.mu.Lock()
			if from == p.relay {
				p.bound = true
				p.targets[from] = candRelay
			}
			p.mu.Unlock()
		}
	case natmsg.TypePing:
		p.onPing(pkt, from)
	case natmsg.TypePong:
		p.onPong(pkt, from)
	}
}

func (p *playerNAT) isServer(from netip.AddrPort) bool {
	_, ok := p.servers[from]
	return ok
}

func (p *playerNAT) onPeer(pkt []byte, from netip.AddrPort) {
	m, err := natmsg.ParsePairing(pkt, natmsg.TypePeer, p.rdvKey[:])
	if err != nil || m.Room != p.room || m.Nonce != p.nonce || !p.isServer(from) {
		return
	}
	cands := unicastHere(m.Cands)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.paired[from]; !ok {
		p.paired[from] = time.Now()
	}
	for _, c := range cands {
		if _, ok := p.targets[c.Addr]; !ok && len(p.targets) < 4*natmsg.MaxCands {
			p.targets[c.Addr] = c.Kind
		}
	}
}

func (p *playerNAT) onAllocated(pkt []byte, from netip.AddrPort) {
	m, err := natmsg.ParseAlloc(pkt, natmsg.TypeAllocated, p.rdvKey[:])
	if err != nil || m.Room != p.room || m.Nonce != p.nonce || !p.isServer(from) {
		return
	}
	relay := m.Relay
	if relay.Addr().IsUnspecified() {
		relay = netip.AddrPortFrom(from.Addr(), relay.Port())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.relay.IsValid() {
		p.relay, p.relayRdv = relay, from
	}
}

// onPing answers the host's probes. A probe for this pairing also makes
// its source a target: a host behind a symmetric NAT reaches us from a
// port no server saw.
func (p *playerNAT) onPing(pkt []byte, from netip.AddrPort) {
	m, err := natmsg.ParsePing(pkt, p.punch)
	if err != nil || m.Role != natmsg.RoleHost {
		return
	}
	p.bind.WriteTo(natmsg.AppendPong(nil, m.Tx, from, p.punch), from)
	if m.Tx != p.tx() {
		return
	}
	p.mu.Lock()
	_, known := p.targets[from]
	if !known && len(p.targets) < 4*natmsg.MaxCands {
		p.targets[from] = CandPublic
	}
	p.mu.Unlock()
	if !known {
		p.ping(from, CandPublic, time.Now())
	}
}

func (p *playerNAT) onPong(pkt []byte, from netip.AddrPort) {
	tx, _, err := natmsg.ParsePong(pkt, p.punch)
	if err != nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.rtts[tx]; ok && s.to == from {
		delete(p.rtts, tx)
		p.rtt = now.Sub(s.at)
		return
	}
	kind, ok := p.targets[from]
	if tx != p.tx() || !ok {
		return
	}
	select {
	case p.wins <- probeWin{addr: from, kind: kind, rtt: now.Sub(p.sent[from])}:
	default:
	}
}

func (p *playerNAT) ping(to netip.AddrPort, kind CandidateKind, now time.Time) {
	p.mu.Lock()
	p.sent[to] = now
	p.mu.Unlock()
	p.bind.WriteTo(natmsg.AppendPing(nil, natmsg.Ping{Tx: p.tx(), Kind: kind, Role: natmsg.RolePlayer}, p.punch), to)
}

// probeAll pings every target, except relays when direct is set.
func (p *playerNAT) probeAll(now time.Time, directOnly bool) {
	p.mu.Lock()
	targets := make(map[netip.AddrPort]CandidateKind, len(p.targets))
	for a, k := range p.targets {
		if !directOnly || k != candRelay {
			targets[a] = k
		}
	}
	p.mu.Unlock()
	for a, k := range targets {
		p.ping(a, k, now)
	}
}

// localCands lists this player's addresses for pairing and answer codes.
func (p *playerNAT) localCands() []Candidate {
	var cs []Candidate
	p.mu.Lock()
	if p.public.IsValid() {
		cs = append(cs, Candidate{Addr: p.public, Kind: CandPublic})
	}
	p.mu.Unlock()
	for _, ep := range localEndpoints(p.bind.LocalAddr()) {
		cs = append(cs, Candidate{Addr: ep, Kind: CandLocal})
	}
	return cs
}

// findPath probes the host until it admits this player: the join goes
// straight to the invite's addresses (a reachable host answers at once,
// and a refusal says why), while pings probe the invite's addresses, the
// rendezvous servers' candidates as they come, and a relay after
// relayAfter; the first address that answers a ping gets the join too.
// Without a rendezvous, onAnswer gets an answer code for the user to send
// back.
func (p *playerNAT) findPath(ctx context.Context, onAnswer func(string), join []byte, answers <-chan answer) (probeWin, acceptMsg, error) {
	start := time.Now()
	tick := time.NewTicker(punchEvery)
	defer tick.Stop()
	var lastConnect, lastAlloc, lastBind, lastJoin time.Time
	joinTo, joinWait := p.inv.Endpoints, firstRetry
	var won probeWin
	answered := onAnswer == nil
	for {
		now := time.Now()
		if now.Sub(lastJoin) >= joinWait {
			lastJoin, joinWait = now, min(2*joinWait, maxRetry)
			for _, ep := range joinTo {
				p.bind.WriteTo(join, ep) // an unreachable address is normal; others may work
			}
		}
		p.askSTUN(now)
		if !won.addr.IsValid() {
			p.probeAll(now, false)
			p.pairAndRelay(now, &lastConnect, &lastAlloc, &lastBind)
		}
		if !answered && !p.isPaired() && now.Sub(start) >= answerAfter {
			answered = true
			onAnswer(answerCode(p.nonce, p.localCands(), p.punch))
		}
		select {
		case w := <-p.wins:
			if !won.addr.IsValid() {
				// The join goes to the winner alone from now on: at once
				// if it never went there, else as soon as its answer is
				// overdue (a NAT may have dropped it before the punch;
				// a needless repeat would admit a player that already
				// gave up on a refusal).
				joinWait, lastJoin = firstRetry, time.Time{}
				if slices.Contains(joinTo, w.addr) {
					joinWait, lastJoin = 2*w.rtt+20*time.Millisecond, time.Now()
				}
				won, joinTo = w, []netip.AddrPort{w.addr}
			}
		case a := <-answers:
			if a.err != nil {
				return probeWin{}, acceptMsg{}, a.err
			}
			return p.winner(a.from, won), a.acc, nil
		case <-ctx.Done():
			return probeWin{}, acceptMsg{}, p.failure(ctx.Err(), onAnswer != nil, won)
		case <-tick.C:
		}
	}
}

// winner describes the path through from, the address the host admitted
// this player from.
func (p *playerNAT) winner(from netip.AddrPort, won probeWin) probeWin {
	if won.addr == from {
		return won
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w := probeWin{addr: from, kind: p.targets[from]}
	if w.kind == 0 {
		w.kind = CandPublic
	}
	return w
}

func (p *playerNAT) isPaired() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.firstPairing()
	return ok
}

// pairAndRelay asks the rendezvous servers to pair us, then for a relay
// once punching has had relayAfter, then binds to the relay.
func (p *playerNAT) pairAndRelay(now time.Time, lastConnect, lastAlloc, lastBind *time.Time) {
	if now.Sub(*lastConnect) >= connectEvery {
		*lastConnect = now
		p.connect()
	}
	p.mu.Lock()
	pairedAt, paired := p.firstPairing()
	relay, bound := p.relay, p.bound
	p.mu.Unlock()
	switch {
	case paired && !relay.IsValid() && now.Sub(pairedAt) >= p.relayAt && now.Sub(*lastAlloc) >= connectEvery:
		*lastAlloc = now
		p.allocate()
	case relay.IsValid() && !bound && now.Sub(*lastBind) >= natTick:
		*lastBind = now
		m := natmsg.Alloc{Room: p.room, Nonce: p.nonce, Role: natmsg.RolePlayer}
		p.bind.WriteTo(natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, m, p.rdvKey[:]), relay)
	}
}

// firstPairing returns when the first server paired us.
func (p *playerNAT) firstPairing() (time.Time, bool) {
	var first time.Time
	for _, at := range p.paired {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	return first, !first.IsZero()
}

func (p *playerNAT) connect() {
	m := natmsg.Pairing{Room: p.room, Nonce: p.nonce, Cands: p.localCands()}
	pkt := natmsg.AppendPairing(nil, natmsg.TypeConnect, m, p.rdvKey[:])
	for ap := range p.servers {
		p.bind.WriteTo(pkt, ap)
	}
}

// allocate asks the servers that paired us for a relay.
func (p *playerNAT) allocate() {
	pkt := natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: p.room, Nonce: p.nonce}, p.rdvKey[:])
	p.mu.Lock()
	var to []netip.AddrPort
	for ap := range p.paired {
		if _, refused := p.refused[ap]; !refused {
			to = append(to, ap)
		}
	}
	p.mu.Unlock()
	for _, ap := range to {
		p.bind.WriteTo(pkt, ap)
	}
}

// failure says what was tried and what to do next.
func (p *playerNAT) failure(cause error, copyPaste bool, won probeWin) error {
	if won.addr.IsValid() {
		return fmt.Errorf("%w: %v answered probes but not the join (%v): the host may be overloaded, try again", ErrNoAnswer, won.addr, cause)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var tried []string
	var direct []string
	for _, c := range p.inv.candidates() {
		direct = append(direct, c.String())
	}
	tried = append(tried, "direct to "+strings.Join(direct, ", ")+": no answer")
	for ap, name := range p.servers {
		switch why, refused := p.refused[ap]; {
		case refused:
			tried = append(tried, fmt.Sprintf("rendezvous %s: refused: %s", name, why))
		case p.paired[ap].IsZero():
			tried = append(tried, fmt.Sprintf("rendezvous %s (%v): no answer", name, ap))
		default:
			tried = append(tried, fmt.Sprintf("rendezvous %s: paired, punching got no answer", name))
		}
	}
	if why, ok := p.refused[netip.AddrPort{}]; ok {
		tried = append(tried, why)
	}
	if p.relay.IsValid() {
		tried = append(tried, fmt.Sprintf("relay %v: no answer from the host through it", p.relay))
	}
	port := p.inv.Endpoints[0].Port()
	var next string
	switch {
	case len(p.servers) == 0 && copyPaste:
		next = fmt.Sprintf("no rendezvous server is configured: send the answer code to the host and have it accepted, ask the host to forward UDP port %d, or add a rendezvous server to both session files", port)
	case len(p.servers) == 0:
		next = fmt.Sprintf("no rendezvous server is configured: ask the host to forward UDP port %d (or enable UPnP on its router), or add a rendezvous server to both session files", port)
	case len(p.paired) == 0:
		next = "check that the host is running and that both sides use a reachable rendezvous server"
	case !p.relay.IsValid():
		next = fmt.Sprintf("one side is behind a symmetric NAT and no relay was available: run `netpak rendezvous` with relaying on a reachable machine, or have the host forward UDP port %d", port)
	default:
		next = fmt.Sprintf("UDP may be blocked on this network: try another network, or have the host forward UDP port %d", port)
	}
	return fmt.Errorf("%w (%v): tried %s; %s", ErrNoPath, cause, strings.Join(tried, "; "), next)
}
