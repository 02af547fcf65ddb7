// Package check owns the start check, netpak's enforcement before a game:
// every player must use the reference player's ROM, saves and cheats. It
// picks the reference (the host's own player, else the player on the
// lowest port), compares each player's announced manifest with it and
// fails closed: a player who has not announced is a mismatch, never a
// pass. The host applies it to refuse /start; a client applies it to what
// it heard, for /check. It is pure: no I/O, no clock.
package check
