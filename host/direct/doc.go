// Package direct owns a session's direct mupen64plus cores: unmodified
// cores (RMG, simple64, gopher64, mupen64plus-ui-console) that connect to
// the session port themselves. It serves each core's TCP connection as a
// coreserve.Backend (registration, player 1's settings and saves), and
// its datagrams: the keys a core reports author its ports' streams, its
// requests are answered from the streams, and every core waiting for an
// input gets it the moment it exists. It keeps player 1's data of each
// game for every core, those behind netpak players' bridges included.
//
// The session itself (members, ports, the game's streams, the relay, the
// start check) is its caller's, reached through [Session]; direct must not
// keep the session's members, a stream or a schedule of its own, nor serve
// netpak's own protocol. The protocol of a core is package
// [github.com/netpak/netpak/host/coreserve]'s and
// [github.com/netpak/netpak/host/m64p]'s.
package direct
