// Package coreserve owns what serving an unmodified mupen64plus-core
// netplay client takes, wherever it is served: by the session host to a
// direct core, or by a player's own netpak to its local emulator (the
// bridge). It holds the core's TCP conversation ([Serve], driven by a
// [Backend], and for gopher64's extra requests by an [ExtBackend]), player
// 1's data that every core downloads ([Store]), and the pieces of a
// key-info reply ([AppendEvents], [Status], [SpeedLag], [Waits]). What a
// backend does with a core (a session member, or the local player's ports)
// stays with the host and the client.
package coreserve
