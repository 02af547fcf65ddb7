// Package room owns the state of one netpak session, under one lock: its
// members and their controller ports, admission to the lobby and to a
// running game (rejoins included), the relay of every input the moment it
// arrives, lag and golf scheduling, the start check on what players
// announce, desync verdicts, autolag, and the session side of its direct
// cores ([github.com/netpak/netpak/host/direct] reaches it only through the
// direct.Session a [Room] gives it). The game's record (streams, grant,
// vacant ports) is its [github.com/netpak/netpak/host/ledger].
//
// A Room is driven by its caller, package host's server: it opens,
// accepts and reads no socket but the member connections it is handed
// (each member's ReadLoop and WriteLoop run in the caller's goroutines),
// starts no goroutine and keeps no timer; the caller ticks it. It sends
// through the sockets its members' datagrams arrived on.
package room
