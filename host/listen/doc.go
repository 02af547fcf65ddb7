// Package listen opens a session port: a TCP listener and a UDP socket on
// the same number, as netpak and mupen64plus-core expect of a host, a
// lobby room and a bridge alike, with a UDP receive buffer that holds the
// datagrams of a full session through a stall of the host. It only opens
// sockets; serving them is its callers' job.
package listen
