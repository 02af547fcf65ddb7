package commands

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
)

// rejoinSlack is one tunnel slot beyond the session's free ports: a player
// who dropped out keeps their old peer until the tunnel notices it is
// dead, and must be able to come straight back with a new one.
const rejoinSlack = 1

// peerGrace is how long a member's tunnel stays after it left the
// session, so that what the host last sent gets through: its notice to a
// kicked member, or its hang-up to one who said goodbye. Without it a
// kicked member learns only when the host falls silent, and a player's
// /leave waited a second for a hang-up that never came.
const peerGrace = time.Second

// discoverWait bounds how long /server vpn waits to learn how players can
// reach it before it shows the invite.
const discoverWait = 5 * time.Second

// maxWGFiles bounds the search for a free default /invite wg file name.
const maxWGFiles = 100

// errNoVPN refuses tunnel commands in a session hosted without the VPN.
var errNoVPN = errors.New("this session does not run through the built-in VPN: /leave, then /server PORT vpn")

// serveTunnel starts the tunnel host for l and serves l's session inside
// it on TunnelSessionPort. Called with s.mu held.
func (s *Session) serveTunnel(l *live, vpnOnly bool) error {
	cfg, err := s.Settings.TunnelHostConfig(session.NumPorts-1+rejoinSlack, s.Logf)
	if err != nil {
		return err
	}
	vh, err := s.Tunnels.Host(cfg)
	if err != nil {
		return err
	}
	l.vh = vh
	l.vhReady.Store(&tunnelHostRef{vh})
	ln, pc, err := vh.Listen(TunnelSessionPort)
	if err != nil {
		return fmt.Errorf("serve inside the tunnel: %w", err)
	}
	l.serve(ln, pc)
	if vpnOnly {
		l.addr = "vpn port " + strconv.Itoa(vh.Port())
	} else {
		l.addr += " and vpn " + strconv.Itoa(vh.Port())
	}
	return nil
}

// TunnelHostConfig is the tunnel host the settings describe, admitting
// maxPeers players.
func (s *Settings) TunnelHostConfig(maxPeers int, logf func(string, ...any)) (TunnelHostConfig, error) {
	ep, err := s.vpnEndpoint()
	if err != nil {
		return TunnelHostConfig{}, err
	}
	return TunnelHostConfig{
		Bind: s.Bind, Port: s.VPNPort, Endpoint: ep, MaxPeers: maxPeers,
		Rendezvous: s.Rendezvous, STUN: s.STUN, NoPortMapping: !s.PortMapping, Logf: logf,
	}, nil
}

// vpnEndpoint is the address invites name, from vpn_endpoint: an IP with
// or without a port (the tunnel's port by default). Zero when unset.
func (s *Settings) vpnEndpoint() (netip.AddrPort, error) {
	if s.VPNEndpoint == "" {
		return netip.AddrPort{}, nil
	}
	if ap, err := netip.ParseAddrPort(s.VPNEndpoint); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(s.VPNEndpoint)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IP address or IP:PORT", s.VPNEndpoint)
	}
	return netip.AddrPortFrom(a, uint16(s.VPNPort)), nil
}

// connectTunnel joins a session through the VPN. It is called without
// s.mu and with s.joining set, which it clears: the tunnel may wait
// minutes for the host to type /answer, and the answer code must reach
// the console meanwhile.
func (s *Session) connectTunnel(ctx context.Context, invite string, g *game) error {
	s.mu.Lock()
	if s.Tunnels == nil {
		s.joining = false
		s.mu.Unlock()
		return errors.New("this netpak has no built-in VPN")
	}
	jcfg := TunnelJoinConfig{Rendezvous: s.Settings.Rendezvous, STUN: s.Settings.STUN, Answer: s.printAnswer}
	s.mu.Unlock()
	tun, err := s.Tunnels.Join(ctx, invite, jcfg)
	s.mu.Lock()
	if err != nil {
		s.joining = false
		s.mu.Unlock()
		return err
	}
	cfg := s.clientConfig()
	s.mu.Unlock()
	cfg.Dial = tun.DialContext
	l := &live{tun: tun, addr: "vpn " + tun.Endpoint(), target: invite, game: g}
	if err := s.join(ctx, l, tun.HostAddress(TunnelSessionPort), cfg); err != nil {
		tun.Close()
		return fmt.Errorf("the tunnel is up, but the session inside did not answer: %w", err)
	}
	return nil
}

// printAnswer shows the answer code a join made because nothing paired
// it with the host.
func (s *Session) printAnswer(code string) {
	s.print("the host did not answer directly and no rendezvous server paired you: send this answer code to the host (they type /answer and the code):")
	s.print(code)
}

// AcceptAnswer hands a player's answer code to the tunnel, which punches
// toward the addresses in it.
func (s *Session) AcceptAnswer(code string) error {
	l, err := s.hosting()
	if err != nil {
		return err
	}
	if l.vh == nil {
		return errNoVPN
	}
	return l.vh.AcceptAnswer(code)
}

// tunnelHostRef holds a TunnelHost for an atomic.Pointer.
type tunnelHostRef struct{ TunnelHost }

// freeTunnelPeer is the host's event callback of a session served through
// the VPN: a member who left the session leaves its tunnel too, after
// peerGrace, so that its place is free for the next player. (A kicked
// member's peer goes in Kick.) It runs with the host's session lock held,
// so it only starts the removal.
func (l *live) freeTunnelPeer(e session.Event) {
	ref := l.vhReady.Load()
	if e.Kind != session.EventLeft || e.Reason == session.LeaveKicked || ref == nil || !e.Addr.IsValid() {
		return
	}
	l.dropPeerLater(ref, e.Addr, e.Who, nil)
}

// dropPeerLater removes the tunnel peer at addr, the member called name,
// from vh once peerGrace has passed, unless the host stops first. A peer
// holds its address until then, so no newer peer can have it.
func (l *live) dropPeerLater(vh TunnelHost, addr netip.Addr, name string, logf func(string, ...any)) {
	l.pending.Go(func() {
		select {
		case <-time.After(peerGrace):
		case <-l.stopping:
			return // the tunnel closes anyway
		}
		// Not a tunnel peer (a loopback member) is no error.
		if _, err := vh.Kick(addr); err != nil && logf != nil {
			logf("remove %s from the tunnel: %v", name, err)
		}
	})
}

// syncPeers keeps the tunnel's peer limit in step with the session: the
// members already in, the free controller ports, and rejoinSlack.
func (s *Session) syncPeers(l *live) {
	if l.vh == nil {
		return
	}
	var taken session.PortMask
	others := 0
	for _, m := range l.h.Members() {
		taken |= m.Ports
		if !m.Host {
			others++
		}
	}
	l.vh.SetMaxPeers(others + session.NumPorts - taken.Count() + rejoinSlack)
}

// hosting returns the session this console hosts through the VPN.
func (s *Session) hosting() (*live, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cur == nil:
		return nil, errOffline
	case s.cur.h == nil:
		return nil, errors.New("only the host can do that")
	}
	return s.cur, nil
}

// Invite returns the session's invite, replacing its join secret first
// if rotate is set.
func (s *Session) Invite(rotate bool) (Invitation, error) {
	l, err := s.hosting()
	if err != nil {
		return Invitation{}, err
	}
	if l.vh == nil {
		return Invitation{}, errNoVPN
	}
	text := l.vh.Invite()
	if rotate {
		if text, err = l.vh.RotateSecret(); err != nil {
			return Invitation{}, err
		}
	}
	qr, err := s.Tunnels.QRLines(text)
	if err != nil {
		return Invitation{}, err
	}
	return Invitation{Text: text, QR: qr, VPNPort: l.vh.Port()}, nil
}

// InviteWG admits a player of the WireGuard app and writes its file to
// path, or to the first free netpak-wg-N.conf in the current directory.
func (s *Session) InviteWG(path string) (WGInvite, error) {
	l, err := s.hosting()
	if err != nil {
		return WGInvite{}, err
	}
	if l.vh == nil {
		return WGInvite{}, errNoVPN
	}
	if path == "" {
		if path, err = freeWGName(); err != nil {
			return WGInvite{}, err
		}
	}
	wg, err := l.vh.InviteWG(path)
	if err != nil {
		return WGInvite{}, err
	}
	if wg.QR, err = s.Tunnels.QRLines(wg.Text); err != nil {
		wg.QR = []string{fmt.Sprintf("(no QR code: %v)", err)}
	}
	return wg, nil
}

func freeWGName() (string, error) {
	for n := 1; n <= maxWGFiles; n++ {
		name := fmt.Sprintf("netpak-wg-%d.conf", n)
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("netpak-wg-1.conf to netpak-wg-%d.conf exist; give a file name", maxWGFiles)
}

// Kick removes the member called name, and its tunnel peer if it came
// through the VPN.
func (s *Session) Kick(name string) error {
	l, err := s.hosting()
	if err != nil {
		return err
	}
	addr, err := l.h.Kick(name)
	if errors.Is(err, host.ErrNoMember) {
		return fmt.Errorf("nobody called %s is in the session (/who lists everybody)", name)
	}
	if err != nil {
		return err
	}
	if l.vh == nil || !addr.IsValid() {
		return nil
	}
	l.dropPeerLater(l.vh, addr, name, s.Logf)
	return nil
}
