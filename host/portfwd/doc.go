// Package portfwd owns carrying one session port, TCP and UDP, from local
// sockets to a far one over a dialer the caller gives: the built-in VPN's
// tunnel for an RMG player's local lobby (host/lobby/lobbyproxy), or a
// delaying link for the latency lab's direct cores. Each TCP connection
// gets its own dial; each local UDP source gets its own connected socket
// toward the far side, so the far side sees one address per core, as it
// would without the forward.
//
// It must not know what the bytes mean. Everything a local peer can make
// it hold is bounded: TCP connections at once, UDP sources at once, and a
// source silent both ways is forgotten.
package portfwd
