// Package host owns a netpak session's server: the star-topology lockstep
// host ([Host]) that admits members, relays every input the moment it
// arrives, schedules lag and golf changes, runs the start check and judges
// desyncs, and serves unmodified mupen64plus cores that connect to it
// directly. This package is the server's shell: its configuration, the
// sockets it serves, the per-source limit on connections still joining,
// telling netpak's protocol from a core's, every goroutine (accepting,
// each member's reader and writer, each socket's datagrams, the ticks)
// and the lifecycle (New, Serve, Close). The session's state and every
// decision on it are package [github.com/netpak/netpak/host/room]'s.
//
// What every side of a session speaks of (events, members, leave reasons,
// errors) is package [github.com/netpak/netpak/host/session]; no client
// imports this package. It never imports vpn or commands: it serves
// whatever [net.Listener] and [net.PacketConn] it is given.
//
// # The model
//
// A session has up to four controller ports plus spectators. Lockstep time
// is counted in polls. Every port's stream has exactly one author: the
// client that owns the port publishes the press made at its poll p as the
// input for poll p+lag. The host relays each input to every other member
// the moment it arrives; it never merges frames. A client consumes poll p
// only when it holds input p of every active port: it waits, it never
// predicts, skips or invents input.
//
// Lag changes (/lag, /golf, a golf-button press, autolag) take effect at
// the same poll on every machine: the host grants clients the right to
// start polls below a bound ("grant") that runs a window of polls
// (ledger.GrantWindow) ahead of the newest input, and schedules every
// change at the first poll it has not granted. Raising the lag repeats
// the last input; lowering it drops the surplus.
//
// When a member leaves, its ports read as no input from the first poll the
// host has no input for, which is the same for everyone.
//
// # Where things are
//
// The protocol's encoding is package [github.com/netpak/netpak/host/wire]
// (its doc has every frame and datagram); the pure model of a game (inputs,
// streams, lag and golf scheduling, desync verdicts) is
// [github.com/netpak/netpak/host/lockstep]; the start check is
// [github.com/netpak/netpak/host/check]; the host's record of a game (its
// streams, grant, vacant ports, what each member lacks) is
// [github.com/netpak/netpak/host/ledger]. A session's participant, with its
// bridge for the player's own emulator, is
// [github.com/netpak/netpak/host/client]; what serving a mupen64plus core
// takes, for the host and the bridge alike, is
// [github.com/netpak/netpak/host/coreserve]; the session's direct cores are
// [github.com/netpak/netpak/host/direct], which reaches the session only
// through the interface the session implements. README.md's "How the code is
// laid out" follows one input from emulator to emulator.
package host
