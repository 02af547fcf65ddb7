// Package lobbyclient owns the netpak console's side of a mupen64plus
// lobby: it dials a lobby ([Dial]), lists its rooms, and takes a seat in
// one, with a password when it has one, as RMG does, so that a console can
// then join the room's netpak session on its game port. Every request has
// a deadline and every reply a bounded size; each refusal is its own error.
package lobbyclient
