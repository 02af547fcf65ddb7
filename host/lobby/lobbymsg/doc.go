// Package lobbymsg owns the mupen64plus lobby's messages (netplay API
// version 17, as RMG, simple64 and gopher64 up to v1.1.22 speak it, and
// Mupen-MPN as "MPNServer-1", with its buffer message): the JSON request
// and reply types, the accept codes, the bounded
// validation every field gets before a server or a client acts on it, and
// the clients' authentication hash. It is pure: no I/O, no clock. Package
// [github.com/netpak/netpak/host/lobby] serves it; its doc describes the
// protocol.
package lobbymsg
