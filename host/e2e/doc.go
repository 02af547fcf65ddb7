// Package e2e owns netpak's end-to-end tests with real emulators: a netpak
// host on loopback and several real mupen64plus cores (Debian's
// libmupen64plus2, each in its own process through host/launcher, headless)
// play the homebrew test ROM of host/launcher/testrom in lockstep, some
// through netpak clients' bridges and some directly on the session port.
// The tests check every core's RDRAM against the hash computed in Go from
// the session's recorded input streams, and that a desyncing player is
// reported and a vanished player does not hang the others.
//
// The package holds no code besides its tests. Where the core library is
// not installed the tests skip and say which package to install.
package e2e
