package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/lobby/lobbyproxy"
	"github.com/netpak/netpak/vpn"
)

// serverLobby returns the lobby port a server's invite names, or false
// if target is not the invite of a server (netpak server --vpn).
func serverLobby(target string) (uint16, bool) {
	inv, err := vpn.ParseInvite(target)
	return inv.Lobby, err == nil && inv.Lobby != 0
}

// lobbyJoin is `netpak join INVITE` with a server's invite: the player's
// frontend (RMG) reaches the server's lobby and games through the tunnel.
type lobbyJoin struct {
	invite    string
	lobby     uint16 // the server's lobby port inside the tunnel
	localPort int    // the local lobby's port; 0 picks one
	settings  commands.Settings
	tunnels   tunnels
	out       io.Writer
	logf      func(format string, args ...any)
}

// run joins the tunnel and offers the server's lobby on 127.0.0.1 until
// ctx ends or the tunnel fails.
func (j *lobbyJoin) run(ctx context.Context) error {
	fmt.Fprintln(j.out, "joining the netpak server's VPN…")
	tun, err := j.tunnels.Join(ctx, j.invite, commands.TunnelJoinConfig{
		Rendezvous: j.settings.Rendezvous, STUN: j.settings.STUN,
		Answer: func(code string) {
			fmt.Fprintf(j.out, "the server did not answer directly and no rendezvous server paired you: send this answer code to its operator (they type /answer and the code):\n  %s\n", code)
		},
	})
	if err != nil {
		return err
	}
	defer tun.Close()
	remote := netip.AddrPortFrom(vpn.HostAddr, j.lobby)
	if err := j.checkLobby(ctx, tun); err != nil {
		return err
	}
	p, err := lobbyproxy.New(lobbyproxy.Config{Lobby: remote, Dial: tun.DialContext, Logf: j.logf})
	if err != nil {
		return err
	}
	ln, err := listenLocalLobby(j.localPort)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	j.printEntry(tun.Path(), ln.Addr().(*net.TCPAddr).Port)
	select {
	case <-ctx.Done():
		err = nil
	case err = <-served:
	}
	p.Close()
	return err
}

// checkLobby makes sure the server's lobby answers inside the tunnel
// before the player is told to use it.
func (j *lobbyJoin) checkLobby(ctx context.Context, tun commands.Tunnel) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := tun.DialContext(ctx, "tcp", netip.AddrPortFrom(vpn.HostAddr, j.lobby).String())
	if err != nil {
		return fmt.Errorf("the VPN is up, but the server's lobby does not answer in it: %w", err)
	}
	return c.Close()
}

// listenLocalLobby listens on 127.0.0.1:port, or on a free port when port
// is the default and taken (another lobby or server runs here).
func listenLocalLobby(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil && port == lobbymsg.DefaultPort {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, fmt.Errorf("open the local lobby: %w", err)
	}
	return ln, nil
}

// printEntry tells the player what to enter in the frontend.
func (j *lobbyJoin) printEntry(path commands.TunnelPath, port int) {
	fmt.Fprintf(j.out, "joined the netpak server through the built-in VPN (%s).\n", path)
	fmt.Fprintf(j.out, "Its lobby is on this machine now, at ws://127.0.0.1:%d:\n", port)
	printLobbyEntry(j.out, "netpak (VPN)", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "")
	fmt.Fprintln(j.out, "Create or join a room there as usual; the games go through the VPN too.")
	fmt.Fprintln(j.out, "Keep this window open while you play; Ctrl-C ends it.")
}
