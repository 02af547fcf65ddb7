package vpn

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/device"

	"github.com/netpak/netpak/vpn/natmsg"
)

// DefaultJoinTimeout bounds [Join] when its context has no deadline.
const DefaultJoinTimeout = 15 * time.Second

// Join retransmission: quick at first (a lost datagram costs little), then
// backing off so a dead host is not flooded.
const (
	firstRetry = 200 * time.Millisecond
	maxRetry   = 2 * time.Second
)

// JoinConfig configures [Join]. The zero value is a valid default.
type JoinConfig struct {
	// Listen is the local UDP address. Zero means every interface and a
	// port the system picks.
	Listen netip.AddrPort
	// Rendezvous lists rendezvous servers ("host:port") to try besides
	// the invite's.
	Rendezvous []string
	// STUN lists STUN servers ("host:port"); the first tells this player
	// its public address for answer codes.
	STUN []string
	// Answer, if set, is called once with an answer code when the host
	// does not answer directly and no rendezvous server pairs the two: the
	// user sends it to the host, whose [Host.AcceptAnswer] makes both
	// sides punch. Give Join a long enough deadline for that exchange.
	Answer func(code string)
	// Conn, if set, is the shared socket instead of one opened on Listen
	// (a simulated network in tests).
	Conn PacketConn
	// UpgradeEvery is how often a relayed tunnel tries for a direct path;
	// zero means every 30 seconds.
	UpgradeEvery time.Duration
	// Logf receives diagnostics; nil discards them.
	Logf Logf

	// relayAfter, if set, replaces the package's relayAfter: tests
	// that need the relay request without the production wait set it.
	relayAfter time.Duration
}

// Tunnel is a player's side of the tunnel: a WireGuard device with one
// peer, the host, reached at [HostAddr]. Methods are safe for concurrent
// use.
type Tunnel struct {
	bind     *Bind
	dev      *device.Device
	tnet     *userStack
	addr     netip.Addr
	endpoint netip.AddrPort
	hostKey  Key
	nat      *playerNAT
	upgrade  time.Duration
	done     chan struct{}
	loops    sync.WaitGroup
	close    sync.Once

	mu   sync.Mutex
	path Path // guarded by mu
}

// Join joins the session of invite: it makes a key pair for this player
// (the private key never leaves the process), asks the host to admit it
// with the invite's join secret, and brings the tunnel up. Only this side
// starts WireGuard handshakes. A refusal is an error wrapping
// [ErrBadSecret], [ErrSessionFull] or [ErrUnknownSession]; silence until
// the deadline wraps [ErrNoAnswer].
func Join(ctx context.Context, invite string, cfg JoinConfig) (*Tunnel, error) {
	inv, err := ParseInvite(invite)
	if err != nil {
		return nil, err
	}
	return JoinInvite(ctx, inv, cfg)
}

// JoinInvite is [Join] with an already parsed invite.
func JoinInvite(ctx context.Context, inv Invite, cfg JoinConfig) (*Tunnel, error) {
	ifaddrs, _ := net.InterfaceAddrs()
	for _, ep := range inv.Endpoints {
		err := natmsg.CheckUnicast(ep)
		if err == nil {
			err = checkLocalBroadcast(ep, ifaddrs)
		}
		if err != nil {
			return nil, fmt.Errorf("join: %w: endpoint: %w", ErrBadInvite, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultJoinTimeout)
		defer cancel()
	}
	priv, err := NewPrivateKey()
	if err != nil {
		return nil, err
	}
	var bind *Bind
	if cfg.Conn != nil {
		bind = NewBind(cfg.Conn)
	} else if bind, err = ListenBind(cfg.Listen); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	t, err := join(ctx, bind, inv, priv, cfg)
	if err != nil {
		bind.Shutdown()
		return nil, fmt.Errorf("join: %w", err)
	}
	return t, nil
}

func join(ctx context.Context, bind *Bind, inv Invite, priv Key, cfg JoinConfig) (*Tunnel, error) {
	logf := cfg.Logf.orDiscard()
	pn := newPlayerNAT(ctx, bind, inv, cfg)
	m := joinMsg{Session: inv.Session, Player: priv.Public()}
	if _, err := rand.Read(m.Nonce[:]); err != nil {
		return nil, fmt.Errorf("make nonce: %w", err)
	}
	answers := make(chan answer, 1)
	pn.setJoinHandler(joinAnswerHandler(m, inv.Secret, answers))
	defer pn.setJoinHandler(nil)
	win, acc, err := pn.findPath(ctx, cfg.Answer, appendJoin(nil, m, inv.Secret, inv.HostKey), answers)
	if err != nil {
		return nil, err
	}
	from := win.addr
	dev, tnet, err := startDevice(acc.Addr, bind, priv, logf)
	if err != nil {
		return nil, err
	}
	t := &Tunnel{bind: bind, dev: dev, tnet: tnet, addr: acc.Addr, endpoint: from, hostKey: inv.HostKey,
		nat: pn, upgrade: cmp.Or(cfg.UpgradeEvery, upgradeEvery), done: make(chan struct{}),
		path: pathOf(from, win.kind, win.rtt)}
	psk := presharedKey(inv.Secret, priv.Public())
	// Endpoint and keepalive in one set: turning the keepalive on sends
	// the first handshake at once, and it needs the endpoint to go to.
	err = dev.IpcSet("public_key=" + inv.HostKey.hex() + "\npreshared_key=" + psk.hex() +
		"\nendpoint=" + from.String() + "\nallowed_ip=" + netip.PrefixFrom(acc.Host, 32).String() +
		"\npersistent_keepalive_interval=" + strconv.Itoa(int(keepalive/time.Second)) + "\n")
	if err == nil {
		err = t.waitHandshake(ctx)
	}
	if err != nil {
		dev.Close()
		return nil, err
	}
	logf("vpn: tunnel up, %v (%v)", t.path, from)
	t.loops.Add(1)
	go t.pathLoop()
	return t, nil
}

// answer is the host's reply to a join.
type answer struct {
	acc  acceptMsg
	from netip.AddrPort
	err  error
}

// joinAnswerHandler returns the control handler that watches for the
// host's answer to join m. Answers with another nonce, or accepts not made
// with the secret, are ignored.
func joinAnswerHandler(m joinMsg, secret [secretLen]byte, answers chan<- answer) Handler {
	return func(pkt []byte, from netip.AddrPort) {
		t, err := natmsg.TypeOf(pkt)
		if err != nil {
			return
		}
		var a answer
		switch t {
		case natmsg.TypeAccept:
			acc, err := parseAccept(pkt, secret)
			if err != nil || acc.Nonce != m.Nonce || acc.Session != m.Session {
				return
			}
			a = answer{acc: acc, from: from}
		case natmsg.TypeReject:
			rej, err := parseReject(pkt)
			if err != nil || rej.Nonce != m.Nonce || rej.Session != m.Session {
				return
			}
			a = answer{err: fmt.Errorf("host %v: %w", from, rej.Reason.err())}
		default:
			return
		}
		select {
		case answers <- a:
		default: // an answer is already waiting
		}
	}
}

// waitHandshake waits until the first WireGuard handshake with the host
// completes, so that a returned Tunnel carries traffic at once.
func (t *Tunnel) waitHandshake(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := peerStatus(t.dev)
		if err != nil {
			return err
		}
		if !st[t.hostKey].LastHandshake.IsZero() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wireguard handshake with %v: %w: %v", t.endpoint, ErrNoAnswer, ctx.Err())
		case <-tick.C:
		}
	}
}

// Addr returns this player's tunnel address.
func (t *Tunnel) Addr() netip.Addr { return t.addr }

// Endpoint returns the host address the tunnel was set up with.
func (t *Tunnel) Endpoint() netip.AddrPort {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.endpoint
}

// Bind returns the shared socket, for NAT traversal on the same port.
func (t *Tunnel) Bind() *Bind { return t.bind }

// Status returns what WireGuard knows about the host.
func (t *Tunnel) Status() (PeerStatus, error) {
	st, err := peerStatus(t.dev)
	if err != nil {
		return PeerStatus{}, err
	}
	return st[t.hostKey], nil
}

// DialContext connects to addr inside the tunnel; network is "tcp",
// "tcp4", "udp" or "udp4" and addr a numeric "IP:port", typically the
// host's: net.JoinHostPort(vpn.HostAddr.String(), port).
func (t *Tunnel) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "udp", "udp4":
	default:
		return nil, fmt.Errorf("dial %s %s in tunnel: %w", network, addr, net.UnknownNetworkError(network))
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s %s in tunnel: %w", network, addr, err)
	}
	if network[:3] == "udp" {
		c, err := t.tnet.dialUDP(ap)
		if err != nil {
			return nil, fmt.Errorf("dial udp %v in tunnel: %w", ap, err)
		}
		return c, nil
	}
	c, err := t.tnet.dialTCP(ctx, ap)
	if err != nil {
		return nil, fmt.Errorf("dial tcp %v in tunnel: %w", ap, err)
	}
	return c, nil
}

// ListenUDP opens a UDP socket at this player's tunnel address on port
// (0 picks one), for traffic that needs an unconnected socket.
func (t *Tunnel) ListenUDP(port uint16) (net.PacketConn, error) {
	pc, err := t.tnet.listenUDP(netip.AddrPortFrom(t.addr, port))
	if err != nil {
		return nil, fmt.Errorf("listen udp %v:%d in tunnel: %w", t.addr, port, err)
	}
	return pc, nil
}

// Close stops the device, closes the socket and waits for the tunnel's
// goroutines. It is idempotent: calls after the first return an error
// wrapping [net.ErrClosed].
func (t *Tunnel) Close() error {
	err := fmt.Errorf("close tunnel: %w", net.ErrClosed)
	t.close.Do(func() {
		if t.done != nil {
			close(t.done)
			t.loops.Wait()
		}
		t.dev.Close()
		err = t.bind.Shutdown()
	})
	return err
}
