package vpn

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/device"
)

// DefaultMaxPeers is the peer limit when [HostConfig.MaxPeers] is zero: the
// three controller ports besides the host's own.
const DefaultMaxPeers = 3

// maxPeerLimit is the most peers the tunnel's /24 can address.
const maxPeerLimit = 253

// ErrUnknownPeer reports a [Host.Kick] of an address that no peer has.
var ErrUnknownPeer = errors.New("no such peer")

// ErrClosed is returned by methods of a closed [Host] or [Tunnel].
var ErrClosed = errors.New("tunnel closed")

// HostConfig configures [NewHost]. The zero value is a valid default.
type HostConfig struct {
	// Dir, if set, is where the host keeps its private key, session id
	// and join secret (see [DefaultDir]), so invites survive a restart and
	// a rotated secret stays rotated. Empty means nothing is kept: each
	// run has new keys and invites.
	Dir string
	// Key, if set, is the host's private key, overriding the one in Dir.
	Key Key
	// Listen is the UDP address of the shared socket. The zero value
	// listens on every interface on [DefaultPort]; port 0 lets the system
	// pick a port.
	Listen netip.AddrPort
	// Endpoints are the host addresses written into invites. Empty means
	// the listen address when it is a specific one, else the addresses of
	// this machine's interfaces.
	Endpoints []netip.AddrPort
	// MaxPeers limits how many peers are admitted at once (the session's
	// free controller ports). Zero means [DefaultMaxPeers].
	MaxPeers int
	// Rendezvous lists rendezvous servers ("host:port") to register
	// with; they go into invites. Players behind NAT are paired and, if
	// punching fails, relayed through them.
	Rendezvous []string
	// STUN lists STUN servers ("host:port") that tell the host its public
	// address, for invites without a rendezvous server. Rendezvous servers
	// answer STUN too.
	STUN []string
	// NoPortMapping turns off asking the router (UPnP-IGD, NAT-PMP) to
	// forward the port.
	NoPortMapping bool
	// Lobby, if not 0, is the port of a mupen64plus lobby the caller
	// serves inside the tunnel; invites carry it (see [Invite.Lobby]).
	Lobby uint16
	// Conn, if set, is the shared socket instead of one opened on Listen
	// (a simulated network in tests).
	Conn PacketConn
	// Logf receives diagnostics; nil discards them.
	Logf Logf
}

// Host is the host side of the tunnel: a WireGuard device with the host at
// [HostAddr], which admits players who present the invite's join secret.
// It hands out listeners inside the tunnel. The host never starts a
// WireGuard handshake and sets no keepalive: only players initiate, which
// avoids the simultaneous-initiation livelock. Methods are safe for
// concurrent use.
type Host struct {
	// Immutable after NewHost.
	logf       Logf
	bind       *Bind
	dev        *device.Device
	tnet       *userStack
	priv       Key // seals registers at rendezvous servers
	pub        Key
	session    SessionID
	mac1       []byte
	endpoints  []netip.AddrPort
	localCands []Candidate // endpoints as candidates
	nat        *hostNAT
	lobby      uint16           // see HostConfig.Lobby
	dir        string           // where keys and invite state are kept; "" keeps nothing
	joins      chan joinRequest // from the socket's reader to joinLoop
	done       chan struct{}
	ctx        context.Context // ends at Close, with done
	stop       context.CancelFunc
	loops      sync.WaitGroup

	now func() time.Time // replaced by tests

	admitted, refused atomic.Uint64 // join counters, for Stats

	mu     sync.Mutex
	secret [secretLen]byte       // guarded by mu
	limit  int                   // guarded by mu
	peers  map[Key]*admittedPeer // guarded by mu
	closed bool                  // guarded by mu
}

// admittedPeer is the host's record of one peer.
type admittedPeer struct {
	addr   netip.Addr
	since  time.Time // admission time
	manual bool      // a wg-quick peer: its user may take minutes to connect
}

// Slots held by peers that are gone are reclaimed when the session is
// full. A netpak player handshakes right after its join, and its keepalive
// makes WireGuard handshake again at least every two minutes.
const (
	pendingTimeout = 30 * time.Second // admitted, never handshaked
	deadTimeout    = 5 * time.Minute  // no handshake for this long
)

type joinRequest struct {
	pkt  [joinLen]byte
	from netip.AddrPort
}

// NewHost opens the shared UDP socket and starts the host's WireGuard
// device.
func NewHost(cfg HostConfig) (*Host, error) {
	h := &Host{
		logf:  cfg.Logf.orDiscard(),
		joins: make(chan joinRequest, 16),
		done:  make(chan struct{}),
		peers: map[Key]*admittedPeer{},
		limit: cfg.MaxPeers,
		lobby: cfg.Lobby,
		now:   time.Now,
	}
	h.ctx, h.stop = context.WithCancel(context.Background())
	if h.limit == 0 {
		h.limit = DefaultMaxPeers
	}
	if err := h.initSecrets(&cfg); err != nil {
		return nil, err
	}
	listen := cfg.Listen
	if !listen.IsValid() {
		listen = netip.AddrPortFrom(netip.IPv6Unspecified(), DefaultPort)
	}
	var err error
	if cfg.Conn != nil {
		h.bind = NewBind(cfg.Conn)
	} else if h.bind, err = ListenBind(listen); err != nil {
		return nil, fmt.Errorf("host tunnel: %w", err)
	}
	if h.dev, h.tnet, err = startDevice(HostAddr, h.bind, cfg.Key, h.logf); err != nil {
		h.bind.Shutdown()
		return nil, fmt.Errorf("host tunnel: %w", err)
	}
	kind := CandForwarded
	h.endpoints = cfg.Endpoints
	if len(h.endpoints) == 0 {
		h.endpoints, kind = localEndpoints(h.bind.LocalAddr()), CandLocal
	}
	for _, ep := range h.endpoints {
		h.localCands = append(h.localCands, Candidate{Addr: ep, Kind: kind})
	}
	h.nat = newHostNAT(h, cfg)
	h.bind.SetControlHandler(h.onControl)
	h.bind.SetSTUNHandler(h.nat.onSTUN)
	h.loops.Add(2)
	go h.joinLoop()
	go h.nat.run()
	return h, nil
}

func (h *Host) initSecrets(cfg *HostConfig) error {
	h.dir = cfg.Dir
	if cfg.Key.IsZero() && h.dir != "" {
		k, err := LoadOrCreateHostKey(h.dir)
		if err != nil {
			return err
		}
		cfg.Key = k
	}
	if cfg.Key.IsZero() {
		k, err := NewPrivateKey()
		if err != nil {
			return err
		}
		cfg.Key = k
	}
	h.priv, h.pub = cfg.Key, cfg.Key.Public()
	h.mac1 = mac1Key(h.pub)
	if h.dir != "" {
		var err error
		h.session, h.secret, err = loadOrCreateInviteState(h.dir)
		return err
	}
	if _, err := rand.Read(h.session[:]); err != nil {
		return fmt.Errorf("make session id: %w", err)
	}
	if _, err := rand.Read(h.secret[:]); err != nil {
		return fmt.Errorf("make join secret: %w", err)
	}
	return nil
}

// PublicKey returns the host's public key.
func (h *Host) PublicKey() Key { return h.pub }

// LocalAddr returns the shared UDP socket's address.
func (h *Host) LocalAddr() netip.AddrPort { return h.bind.LocalAddr() }

// Bind returns the shared socket, for NAT traversal on the same port.
func (h *Host) Bind() *Bind { return h.bind }

// ListenTCP listens on TCP port inside the tunnel, at [HostAddr].
func (h *Host) ListenTCP(port uint16) (net.Listener, error) {
	ln, err := h.tnet.listenTCP(netip.AddrPortFrom(HostAddr, port))
	if err != nil {
		return nil, fmt.Errorf("listen tcp %v:%d in tunnel: %w", HostAddr, port, err)
	}
	return ln, nil
}

// ListenUDP listens on UDP port inside the tunnel, at [HostAddr].
func (h *Host) ListenUDP(port uint16) (net.PacketConn, error) {
	pc, err := h.tnet.listenUDP(netip.AddrPortFrom(HostAddr, port))
	if err != nil {
		return nil, fmt.Errorf("listen udp %v:%d in tunnel: %w", HostAddr, port, err)
	}
	return pc, nil
}

// Listen opens both a TCP listener and a UDP socket on port inside the
// tunnel, the pair a session server serves.
func (h *Host) Listen(port uint16) (net.Listener, net.PacketConn, error) {
	ln, err := h.ListenTCP(port)
	if err != nil {
		return nil, nil, err
	}
	pc, err := h.ListenUDP(port)
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, pc, nil
}

// HostAddress returns "10.64.0.1:port", the address a player dials to
// reach the host's port through its [Tunnel].
func HostAddress(port uint16) string {
	return netip.AddrPortFrom(HostAddr, port).String()
}

// Invite returns the current invite.
func (h *Host) Invite() Invite {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inviteLocked()
}

func (h *Host) inviteLocked() Invite {
	inv := Invite{HostKey: h.pub, Session: h.session, Secret: h.secret, Rendezvous: h.nat.servers, Lobby: h.lobby}
	for _, c := range h.nat.candidates() {
		inv.Endpoints = append(inv.Endpoints, c.Addr)
		inv.Kinds = append(inv.Kinds, c.Kind)
	}
	inv.Kinds = inv.canonicalKinds()
	return inv
}

// RotateSecret replaces the join secret and returns the new invite. Joins
// with the old secret are refused from now on; admitted peers stay.
func (h *Host) RotateSecret() (Invite, error) {
	var s [secretLen]byte
	if _, err := rand.Read(s[:]); err != nil {
		return Invite{}, fmt.Errorf("make join secret: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dir != "" {
		if err := saveInviteState(h.dir, h.session, s); err != nil {
			return Invite{}, err
		}
	}
	h.secret = s
	h.nat.registerSoon() // the new secret names a new room
	return h.inviteLocked(), nil
}

// SetMaxPeers changes the peer limit, e.g. when controller ports free up.
// Peers already admitted stay even if there are more than n.
func (h *Host) SetMaxPeers(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.limit = min(max(n, 0), maxPeerLimit)
}

// Peer is an admitted peer.
type Peer struct {
	Addr netip.Addr // tunnel address
	Path Path       // how its datagrams travel
	PeerStatus
}

// Peers returns the admitted peers, ordered by tunnel address.
func (h *Host) Peers() ([]Peer, error) {
	st, err := peerStatus(h.dev)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Peer
	for pub, p := range h.peers {
		s := st[pub]
		s.PublicKey = pub
		out = append(out, Peer{Addr: p.addr, Path: h.nat.pathTo(s.Endpoint), PeerStatus: s})
	}
	slices.SortFunc(out, func(a, b Peer) int { return a.Addr.Compare(b.Addr) })
	return out, nil
}

// Kick removes the peer with tunnel address addr: its packets are dropped
// from now on. It may join again with a valid invite; rotate the secret to
// keep it out.
func (h *Host) Kick(addr netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for pub, p := range h.peers {
		if p.addr != addr {
			continue
		}
		if err := h.removeLocked(pub); err != nil {
			return fmt.Errorf("kick %v: %w", addr, err)
		}
		return nil
	}
	return fmt.Errorf("kick %v: %w", addr, ErrUnknownPeer)
}

func (h *Host) removeLocked(pub Key) error {
	if err := h.dev.IpcSet("public_key=" + pub.hex() + "\nremove=true\n"); err != nil {
		return err
	}
	delete(h.peers, pub)
	return nil
}

// pruneLocked removes peers that are gone (see pendingTimeout and
// deadTimeout) to free their slots.
func (h *Host) pruneLocked() {
	st, err := peerStatus(h.dev)
	if err != nil {
		h.logf("vpn: %v", err)
		return
	}
	now := h.now()
	for pub, p := range h.peers {
		last := st[pub].LastHandshake
		gone := !last.IsZero() && now.Sub(last) > deadTimeout ||
			last.IsZero() && !p.manual && now.Sub(p.since) > pendingTimeout
		if !gone {
			continue
		}
		if err := h.removeLocked(pub); err != nil {
			h.logf("vpn: remove stale peer %v: %v", p.addr, err)
			continue
		}
		h.logf("vpn: removed peer %v: no handshake since %v", p.addr, last)
	}
}

// admit adds the peer pub (idempotently) and returns its tunnel address.
// manual marks a wg-quick peer.
func (h *Host) admit(pub, psk Key, manual bool) (netip.Addr, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return netip.Addr{}, ErrClosed
	}
	if p, ok := h.peers[pub]; ok {
		return p.addr, nil
	}
	if len(h.peers) >= h.limit {
		h.pruneLocked()
	}
	if len(h.peers) >= h.limit {
		return netip.Addr{}, ErrSessionFull
	}
	addr := h.freeAddrLocked()
	err := h.dev.IpcSet("public_key=" + pub.hex() + "\npreshared_key=" + psk.hex() +
		"\nreplace_allowed_ips=true\nallowed_ip=" + netip.PrefixFrom(addr, 32).String() + "\n")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("add peer: %w", err)
	}
	h.peers[pub] = &admittedPeer{addr: addr, since: h.now(), manual: manual}
	return addr, nil
}

func (h *Host) freeAddrLocked() netip.Addr {
	used := map[netip.Addr]bool{}
	for _, p := range h.peers {
		used[p.addr] = true
	}
	for a := HostAddr.Next(); tunnelPrefix.Contains(a); a = a.Next() {
		if !used[a] {
			return a
		}
	}
	panic("vpn: peer limit exceeds the tunnel prefix") // maxPeerLimit prevents this
}

// Close stops the device, closes the socket and every tunnel listener, and
// waits for the host's goroutines. It is idempotent: calls after the first
// return an error wrapping [net.ErrClosed].
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return fmt.Errorf("close host: %w", net.ErrClosed)
	}
	h.closed = true
	h.mu.Unlock()
	close(h.done)
	h.stop()
	h.dev.Close()
	err := h.bind.Shutdown()
	h.loops.Wait()
	return err
}

// localEndpoints lists addresses at which this machine may be reached on
// the socket's port: the socket's own address when it is a specific one,
// else interface addresses (IPv4 first).
func localEndpoints(local netip.AddrPort) []netip.AddrPort {
	if !local.Addr().IsUnspecified() {
		return []netip.AddrPort{local}
	}
	addrs, _ := net.InterfaceAddrs()
	var v4, v6 []netip.AddrPort
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := p.Addr()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || !ip.IsGlobalUnicast() {
			continue
		}
		ep := netip.AddrPortFrom(ip, local.Port())
		if ip.Is4() {
			v4 = append(v4, ep)
		} else {
			v6 = append(v6, ep)
		}
	}
	out := append(v4, v6...)
	if len(out) == 0 {
		out = append(out, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), local.Port()))
	}
	return out[:min(len(out), MaxEndpoints/2)]
}
