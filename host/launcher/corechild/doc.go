// Package corechild is the emulator child: the process netpak runs as
// itself to play one game with the real mupen64plus core. [Main] reads its
// [emucfg.Config] from the parent, loads libmupen64plus (mupen64plus.dll on
// Windows, libmupen64plus.dylib on macOS) at run time with purego (no
// cgo), copies the player's configuration into the core's private config
// dir, opens the ROM, attaches the plugins, applies the agreed cheats,
// points the core's netplay at a netpak bridge or host, runs the game,
// answers the parent's reads, and shuts it all down in the core's order.
//
// The core keeps its state in globals, so there is one session per
// process. The core's own stdout and stderr are redirected to
// [emucfg.Config.LogPath], so emulator output never reaches the protocol
// or the console.
//
// It speaks to the parent only as package childproto says, and must not
// know about sessions, lag, the console or the parent's side: it imports
// neither host/launcher nor host. Only netpak's main (and test binaries
// that run their own children) may import it; it is the one package that
// loads libraries and calls into C.
//
// # Platforms
//
// The *_dl.go files drive the core the same way everywhere it can be
// loaded; dl_unix.go (dlopen) and dl_windows.go (LoadLibraryEx) open the
// libraries, and redirect_*.go point the process's output at the log.
// Elsewhere [Main] reports [childproto.ErrUnsupported].
package corechild
