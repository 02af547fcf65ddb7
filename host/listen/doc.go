// Package listen opens a session port: a TCP listener and a UDP socket on
// the same number, as netpak and mupen64plus-core expect of a host, a
// lobby room and a bridge alike. It only opens sockets; serving them is
// its callers' job.
package listen
