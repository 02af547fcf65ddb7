// Package latency puts a slow network between netpak's players and its
// host on one machine: a [Link] delays every datagram and every chunk of a
// TCP stream by a one-way delay plus random jitter, separately per
// direction, and the delays can change while a game runs. It wraps the
// host's [net.PacketConn] ([Link.WrapPacketConn]) or a client's
// connections ([Link.WrapConn], [Link.Dial]), as host/lossy wraps the
// host's socket for loss. It exists for tests, benchmarks and `netpak
// demo` (this machine has no netem); it is never in a real session, and it
// knows nothing of netpak's protocol.
//
// Datagrams may overtake each other when jitter says so, as on a real
// network; a stream never reorders: each chunk leaves at the later of its
// own release time and the previous chunk's. Everything waiting is
// bounded: datagrams beyond [Config.QueueLimit] are dropped and counted,
// and a stream write beyond [Config.BufferLimit] blocks.
package latency
