// Package udpsock owns netpak's datagram sockets: a [net.PacketConn]
// addressed by [netip.AddrPort], allocation-free on a kernel UDP socket,
// batching one relay's datagrams into one sendmmsg call on Linux, and
// bounding writes to sockets that are not the kernel's (a tunnel's) so a
// stuck network never holds a session lock.
package udpsock
