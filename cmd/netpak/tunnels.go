package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/commands/qrtext"
	"github.com/netpak/netpak/vpn"
)

// tunnels gives the console the built-in VPN: commands.Tunnels on top of
// package vpn, which only cmd and vpn may import.
type tunnels struct {
	dir   string         // where the host keeps its key and invite; "" is vpn.DefaultDir()
	join  netip.AddrPort // the local UDP address a player joins from; zero is any
	ascii bool           // draw QR codes with ASCII only
	// noPortMapping keeps the host from asking the router to forward its
	// port (tests on loopback have no router to ask).
	noPortMapping bool
	logf          func(format string, args ...any)
}

var _ commands.Tunnels = tunnels{}

func (t tunnels) Host(cfg commands.TunnelHostConfig) (commands.TunnelHost, error) {
	hc, err := t.hostConfig(cfg, "")
	if err != nil {
		return nil, err
	}
	h, err := vpn.NewHost(hc)
	if err != nil {
		return nil, fmt.Errorf("start the VPN: %w", err)
	}
	return tunnelHost{h}, nil
}

// hostConfig is the tunnel host cfg describes, keeping its keys in the
// folder sub of the VPN's folder ("" is the console's own).
func (t tunnels) hostConfig(cfg commands.TunnelHostConfig, sub string) (vpn.HostConfig, error) {
	dir := t.dir
	if dir == "" {
		var err error
		if dir, err = vpn.DefaultDir(); err != nil {
			return vpn.HostConfig{}, fmt.Errorf("find a folder for the VPN's keys: %w", err)
		}
	}
	addr := netip.IPv6Unspecified() // every address, IPv4 and IPv6
	if cfg.Bind != "" {
		var err error
		if addr, err = netip.ParseAddr(cfg.Bind); err != nil {
			return vpn.HostConfig{}, fmt.Errorf("bind: %w", err)
		}
	}
	hc := vpn.HostConfig{
		Dir: filepath.Join(dir, sub), Listen: netip.AddrPortFrom(addr, uint16(cfg.Port)), MaxPeers: cfg.MaxPeers,
		Rendezvous: cfg.Rendezvous, STUN: cfg.STUN, NoPortMapping: t.noPortMapping || cfg.NoPortMapping, Logf: cfg.Logf,
	}
	if cfg.Endpoint.IsValid() {
		hc.Endpoints = []netip.AddrPort{cfg.Endpoint}
	}
	return hc, nil
}

func (t tunnels) Join(ctx context.Context, invite string, cfg commands.TunnelJoinConfig) (commands.Tunnel, error) {
	inv, err := vpn.ParseInvite(invite)
	if err != nil {
		return nil, fmt.Errorf("%w; copy the whole line the host's /invite printed", err)
	}
	jc := vpn.JoinConfig{Listen: t.join, Rendezvous: cfg.Rendezvous, STUN: cfg.STUN, Answer: cfg.Answer, Logf: t.logf}
	if _, ok := ctx.Deadline(); !ok && cfg.Answer != nil && len(inv.Rendezvous) == 0 && len(cfg.Rendezvous) == 0 {
		// Nothing can pair the two but the answer code, sent by hand.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, answerTimeout)
		defer cancel()
	}
	tun, err := vpn.JoinInvite(ctx, inv, jc)
	if err != nil {
		return nil, joinAdvice(err)
	}
	return tunnel{tun}, nil
}

// answerTimeout bounds a join that waits for the host to type the player's
// answer code: long enough to paste it into a chat and back.
const answerTimeout = 5 * time.Minute

// joinAdvice adds to a failed join what the player can do about it. A
// join that found no path already says what to try next.
func joinAdvice(err error) error {
	switch {
	case errors.Is(err, vpn.ErrBadSecret), errors.Is(err, vpn.ErrUnknownSession):
		return fmt.Errorf("%w; ask the host for a fresh /invite", err)
	case errors.Is(err, vpn.ErrSessionFull):
		return fmt.Errorf("%w: every controller port is taken", err)
	}
	return err
}

func (t tunnels) QRLines(text string) ([]string, error) {
	lines, err := qrtext.Lines(text)
	if err != nil || !t.ascii {
		return lines, err
	}
	return asciiQR(lines), nil
}

// tunnelHost is commands.TunnelHost on a *vpn.Host.
type tunnelHost struct{ *vpn.Host }

func (h tunnelHost) Port() int      { return int(h.LocalAddr().Port()) }
func (h tunnelHost) Invite() string { return h.Host.Invite().String() }

func (h tunnelHost) RotateSecret() (string, error) {
	inv, err := h.Host.RotateSecret()
	if err != nil {
		return "", fmt.Errorf("new invite: %w", err)
	}
	return inv.String(), nil
}

func (h tunnelHost) InviteWG(path string) (commands.WGInvite, error) {
	if _, err := os.Lstat(path); err == nil {
		return commands.WGInvite{}, fmt.Errorf("%s exists; give another file name", path)
	}
	wg, err := h.Host.InviteWG(netip.AddrPort{})
	if err != nil {
		return commands.WGInvite{}, err
	}
	if err := wg.WriteFile(path); err != nil {
		h.Host.Kick(wg.Addr) // nobody holds its key
		return commands.WGInvite{}, err
	}
	return commands.WGInvite{Path: path, Addr: wg.Addr, HostAddr: vpn.HostAddr.String(), Text: wg.Text}, nil
}

// Discover waits for the host's discovery and returns its advice.
func (h tunnelHost) Discover(ctx context.Context) string {
	return h.WaitDiscovery(ctx).Advice()
}

func (h tunnelHost) Peers() ([]commands.TunnelPeer, error) {
	peers, err := h.Host.Peers()
	if err != nil {
		return nil, err
	}
	out := make([]commands.TunnelPeer, len(peers))
	for i, p := range peers {
		out[i] = commands.TunnelPeer{Addr: p.Addr, Path: tunnelPath(p.Path)}
	}
	return out, nil
}

func tunnelPath(p vpn.Path) commands.TunnelPath {
	return commands.TunnelPath{Name: p.String(), RTT: p.RTT}
}

func (h tunnelHost) Kick(addr netip.Addr) (bool, error) {
	err := h.Host.Kick(addr)
	if errors.Is(err, vpn.ErrUnknownPeer) {
		return false, nil // a member who came in without the tunnel
	}
	return err == nil, err
}

// tunnel is commands.Tunnel on a *vpn.Tunnel.
type tunnel struct{ *vpn.Tunnel }

func (tunnel) HostAddress(port uint16) string { return vpn.HostAddress(port) }
func (t tunnel) Endpoint() string             { return t.Tunnel.Endpoint().String() }
func (t tunnel) Path() commands.TunnelPath    { return tunnelPath(t.Tunnel.Path()) }

// asciiQR redraws a QR code made of Unicode half blocks (two module rows
// per line) with "##" for a light module and two spaces for a dark one, one
// module row per line, for terminals that cannot show the blocks.
func asciiQR(lines []string) []string {
	var out []string
	for _, l := range lines {
		var top, bottom strings.Builder
		for _, r := range l {
			t, b := r == '█' || r == '▀', r == '█' || r == '▄'
			top.WriteString(module(t))
			bottom.WriteString(module(b))
		}
		out = append(out, top.String(), bottom.String())
	}
	return out
}

func module(light bool) string {
	if light {
		return "##"
	}
	return "  "
}

// utf8Locale reports whether the user's locale says the terminal shows
// UTF-8, as the C library decides it: LC_ALL, else LC_CTYPE, else LANG.
func utf8Locale() bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			s = strings.ToLower(s)
			return strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")
		}
	}
	return false
}
