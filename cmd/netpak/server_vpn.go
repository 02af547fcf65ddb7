package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/vpn"
)

// serverTunnel is a server's built-in VPN: the lobby and every room's
// game port served inside the tunnel too, for players who join it with
// the server's invite and reach the lobby through netpak on their own
// machine (netpak join INVITE).
type serverTunnel struct {
	h *vpn.Host
}

// discoveryWait bounds how long the server waits to learn how players
// reach its tunnel before it prints the invite.
const discoveryWait = 10 * time.Second

// startServerTunnel starts the server's tunnel, its invite naming the
// lobby on lobbyPort. Its keys are kept apart from the console's, so the
// server's invite and a console host's never admit to each other.
func startServerTunnel(f *serverFile, lobbyPort int) (*serverTunnel, error) {
	s, err := f.tunnelSettings()
	if err != nil {
		return nil, err
	}
	tc, err := s.TunnelHostConfig(f.vpnPlayers(), nil)
	if err != nil {
		return nil, err
	}
	hc, err := tunnels{}.hostConfig(tc, "server")
	if err != nil {
		return nil, err
	}
	hc.Lobby = uint16(lobbyPort)
	h, err := vpn.NewHost(hc)
	if err != nil {
		return nil, fmt.Errorf("start the VPN: %w", err)
	}
	return &serverTunnel{h: h}, nil
}

// tunnelSettings are the VPN keys of the operator file as the console's
// settings, which check them as they check a session file's.
func (f *serverFile) tunnelSettings() (commands.Settings, error) {
	s := commands.Defaults()
	// The tunnel's socket is bound where the lobby is.
	s.Bind, _, _ = net.SplitHostPort(f.Lobby)
	s.VPN, s.VPNPort, s.VPNEndpoint = true, f.VPNPort, f.VPNEndpoint
	s.Rendezvous, s.STUN, s.PortMapping = f.Rendezvous, f.STUN, f.PortMapping
	return s, s.Validate()
}

// vpnPlayers is how many players the tunnel admits at once: vpn_players,
// else four per room.
func (f *serverFile) vpnPlayers() int {
	const most = 253 // the tunnel's addresses
	if f.VPNPlayers > 0 {
		return min(f.VPNPlayers, most)
	}
	rooms := f.Limits.Rooms
	if first, last, err := parsePortRange(f.GamePorts); rooms == 0 && err == nil && first > 0 {
		rooms = last - first + 1
	}
	if rooms == 0 {
		rooms = 10 // the lobby's default without a port range
	}
	return min(4*rooms, most)
}

// listenGame opens a room's game port inside the tunnel.
func (vt *serverTunnel) listenGame(port int) (net.Listener, net.PacketConn, error) {
	return vt.h.Listen(uint16(port))
}

// serveLobby serves the lobby inside the tunnel on port; Serve's result
// goes to served.
func (vt *serverTunnel) serveLobby(srv *lobby.Server, port int, served chan<- error) error {
	ln, err := vt.h.ListenTCP(uint16(port))
	if err != nil {
		return fmt.Errorf("serve the lobby inside the VPN: %w", err)
	}
	go func() { served <- srv.Serve(ln) }()
	return nil
}

// printEntry tells the operator how players without open ports come in.
func (vt *serverTunnel) printEntry(ctx context.Context, w io.Writer) {
	dctx, cancel := context.WithTimeout(ctx, discoveryWait)
	defer cancel()
	advice := vt.h.WaitDiscovery(dctx).Advice()
	fmt.Fprintf(w, "\nPlayers who cannot reach these ports join through the built-in VPN (UDP port %d; %s).\n", vt.h.LocalAddr().Port(), advice)
	fmt.Fprintln(w, "They run on their own machine, and leave it open while they play:")
	vt.printInvite(w, false)
	fmt.Fprintln(w, "which prints the lobby to enter in RMG, on their own machine (ws://127.0.0.1:45000).")
}

// printInvite prints the command that joins the tunnel, with a fresh
// secret if rotate.
func (vt *serverTunnel) printInvite(w io.Writer, rotate bool) error {
	inv := vt.h.Invite()
	if rotate {
		var err error
		if inv, err = vt.h.RotateSecret(); err != nil {
			return fmt.Errorf("new invite: %w", err)
		}
	}
	fmt.Fprintf(w, "  netpak join %s\n", inv)
	return nil
}

// acceptAnswer punches toward a player who sent an answer code by hand.
func (vt *serverTunnel) acceptAnswer(code string) error { return vt.h.AcceptAnswer(code) }

func (vt *serverTunnel) Close() error { return vt.h.Close() }
