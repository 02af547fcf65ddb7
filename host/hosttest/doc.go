// Package hosttest owns test doubles for the host package, in the
// tradition of httptest and wireguard's tuntest. Its [FakeCore] is a Go
// client that behaves like mupen64plus-core's built-in netplay client, as
// described in research/m64p-netplay.md §1 and observed with Debian's core
// in research/mupen64plus-frontend-notes.md §2: the same handshake in the
// same blocking order, the same polling, re-requests, timeouts and
// bookkeeping, over real TCP and UDP sockets. Tests use it where the real
// core cannot run (no library installed, four players in one process,
// hostile timings); the real-core tests of the launcher use the real thing.
// Its [Network] is an in-memory TCP and UDP network for tests that run in a
// testing/synctest bubble. [WaitFor] and [Eventually] are the one way
// netpak's tests wait for a state that has no channel to wait on.
//
// This package is for tests only. It must not be imported by production
// code and imports nothing of netpak but host/m64p.
package hosttest
