// Package host owns netpak sessions: the star-topology lockstep host, its
// clients, input streams with frame-exact lag and golf mode, the relay, and
// netpak's own wire protocol. (Protocol documentation: see below, filled in
// by the session core.)
package host
