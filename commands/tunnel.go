package commands

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/netpak/netpak/host/session"
)

// InvitePrefix starts every invite of the built-in VPN (vpn.InvitePrefix,
// which commands may not import; a test in cmd/netpak checks they agree).
const InvitePrefix = "netpak1"

// maxInviteLen bounds an invite on a console line (vpn.MaxInviteLen).
const maxInviteLen = 600

// AnswerPrefix starts every answer code (vpn.AnswerPrefix; a test in
// cmd/netpak checks they agree).
const AnswerPrefix = "netpak-answer1"

// maxAnswerLen bounds an answer code on a console line.
const maxAnswerLen = 400

// TunnelSessionPort is the session's port inside the tunnel: always
// session.DefaultPort, so an invite needs no port of its own.
const TunnelSessionPort = session.DefaultPort

// Tunnels is the built-in VPN as a Session uses it. cmd/netpak implements
// it with package vpn: only cmd and vpn may import WireGuard.
type Tunnels interface {
	// Host starts the host side of a tunnel.
	Host(cfg TunnelHostConfig) (TunnelHost, error)
	// Join joins the tunnel an invite ("netpak1…") describes. Its errors
	// say what to try next.
	Join(ctx context.Context, invite string, cfg TunnelJoinConfig) (Tunnel, error)
	// QRLines renders text as a QR code, one string per terminal line.
	QRLines(text string) ([]string, error)
}

// TunnelHostConfig says where a tunnel host listens.
type TunnelHostConfig struct {
	Bind     string         // the address of its UDP socket; "" is every address
	Port     int            // its UDP port; 0 picks one
	Endpoint netip.AddrPort // the address invites name; zero lists this machine's
	MaxPeers int            // players admitted at once
	// Rendezvous lists rendezvous servers ("host:port") that pair players
	// with a host that has no open port, and relay when nothing else works.
	Rendezvous []string
	// STUN lists STUN servers ("host:port") that tell the host its public
	// address, for invites without a rendezvous server.
	STUN []string
	// NoPortMapping keeps the host from asking its router to forward the
	// port.
	NoPortMapping bool
	Logf          func(format string, args ...any)
}

// TunnelJoinConfig says how a player reaches a tunnel.
type TunnelJoinConfig struct {
	Rendezvous []string // rendezvous servers to try besides the invite's
	STUN       []string // STUN servers that tell the player its public address
	// Answer, if set, receives an answer code to send to the host by hand
	// when no rendezvous server pairs the two; the join then waits long
	// enough for the host to type /answer CODE.
	Answer func(code string)
}

// TunnelPath is how a tunnel's datagrams reach the other side.
type TunnelPath struct {
	Name string        // "direct", "direct via UPnP", "relayed via ADDR"
	RTT  time.Duration // last measured round trip; 0 if never measured
}

// String says e.g. "direct, 12 ms".
func (p TunnelPath) String() string {
	if p.RTT <= 0 {
		return p.Name
	}
	return fmt.Sprintf("%s, %d ms", p.Name, max(1, p.RTT.Round(time.Millisecond).Milliseconds()))
}

// TunnelPeer is a player admitted to the host's tunnel.
type TunnelPeer struct {
	Addr netip.Addr // its address inside the tunnel
	Path TunnelPath
}

// TunnelHost is the host side of a tunnel.
type TunnelHost interface {
	// Listen opens TCP and UDP on port inside the tunnel.
	Listen(port uint16) (net.Listener, net.PacketConn, error)
	// Port is the UDP port players reach the tunnel on.
	Port() int
	// Invite is the current one-line invite.
	Invite() string
	// RotateSecret replaces the join secret and returns the new invite;
	// the old one stops working, admitted players stay.
	RotateSecret() (string, error)
	// InviteWG admits a player of the official WireGuard app and writes
	// its wg-quick file to path, which must not exist.
	InviteWG(path string) (WGInvite, error)
	// Kick removes the tunnel peer at addr; false if addr is none.
	Kick(addr netip.Addr) (bool, error)
	// SetMaxPeers changes how many players are admitted at once.
	SetMaxPeers(n int)
	// Discover waits, bounded by ctx, until the host knows how players can
	// reach it (port mapping, public address, rendezvous servers) and says
	// so in one line. Invites made after it carry every address found.
	Discover(ctx context.Context) string
	// AcceptAnswer takes an answer code a player sent back by hand and
	// punches toward it.
	AcceptAnswer(code string) error
	// Peers lists the admitted players with their paths.
	Peers() ([]TunnelPeer, error)
	Close() error
}

// Tunnel is a player's side of a tunnel.
type Tunnel interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	// HostAddress is the address that reaches the host's port inside.
	HostAddress(port uint16) string
	// Endpoint is the host's address outside the tunnel, for the prompt.
	Endpoint() string
	// Path says how the tunnel reaches the host.
	Path() TunnelPath
	Close() error
}

// WGInvite is a wg-quick file written for a player of the WireGuard app.
type WGInvite struct {
	Path     string
	Addr     netip.Addr // the player's address inside the tunnel
	HostAddr string     // the host's address inside the tunnel
	Text     string     // the file's contents
	QR       []string   // the file as a QR code (the Session fills it in)
}

// Invitation is what /invite prints.
type Invitation struct {
	Text    string   // the one-line invite
	QR      []string // the invite as a QR code
	VPNPort int      // the UDP port to forward
}

// isInvite reports whether s looks like an invite rather than an address.
func isInvite(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), InvitePrefix)
}
