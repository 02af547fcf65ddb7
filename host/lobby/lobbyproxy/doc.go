// Package lobbyproxy owns the local lobby of a player who reaches a netpak
// server through the built-in VPN: RMG, simple64 and the other
// mupen64plus frontends connect to it on the player's own machine
// (ws://127.0.0.1:45000), and it carries their lobby connection and every
// room's game port, TCP and UDP, to the server over the dialer it is
// given. A frontend connects its core to the address of its lobby, so each
// game port the server names is opened locally too and carried by
// host/portfwd; a number taken on this machine is replaced by a free one in
// the lobby's messages, both ways. It serves RMG's server list itself, and
// passes the server's status page on.
//
// It must not know the VPN: the caller's dialer is the tunnel. It speaks
// the lobby's messages only to find and map game ports (package
// lobbymsg); everything else passes through as it came. Its tables are
// bounded: lobby connections and forwarded ports (and, in portfwd, the
// cores on each).
package lobbyproxy
