// Package natsim is an in-memory network with NAT routers, for testing
// NAT traversal without root: sockets on machines in LANs behind NATs
// whose mapping (endpoint-independent or symmetric) and filtering
// (endpoint-independent, address-dependent, address-and-port-dependent)
// follow RFC 4787, NATs behind NATs, and port forwards. Its sockets have
// the methods of a *net.UDPConn that vpn's shared socket uses, so the real
// traversal code runs over it. It imports nothing of netpak's and holds no
// real sockets; datagrams are delivered in order, never lost unless a
// queue overflows or a NAT filters them.
package natsim
