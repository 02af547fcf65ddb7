// Package cheats parses cheat databases and enabled-code lists into a
// canonical GameShark code set, hashes it, and hands it to an emulator.
// It never imports host.
package cheats
