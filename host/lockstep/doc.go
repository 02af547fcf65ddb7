// Package lockstep owns netpak's model of a game, with no sockets, timers
// or goroutines: controller inputs and ports ([Input], [PortMask]), the
// stream of one port's inputs ([Stream]) and its single author ([Author],
// which applies the lag), the schedule of lag and golf changes that every
// machine applies at the same poll ([Schedule]), and the verdicts on what
// members report of the game they consumed ([Verdicts]).
//
// Everything here is synchronous and deterministic; the host and its
// clients call it with their own locks held and do all I/O themselves.
package lockstep
