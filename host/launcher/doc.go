// Package launcher owns running the real mupen64plus core for a netpak
// session: it loads libmupen64plus (mupen64plus.dll on Windows) at run
// time with purego (no cgo), opens
// the ROM, attaches the plugins, applies the agreed cheats, points the
// core's netplay at a netpak bridge, runs the game, and shuts it all down
// cleanly. It must not know about sessions, lag or the console; the caller
// hands it a [emucfg.Config] and reads back status.
//
// # One core per process
//
// The core keeps its state in globals, so each emulator runs in a child
// process of netpak. The parent calls [Start] with its own executable; the
// child's main must dispatch [ChildCommand] (or, in tests, the
// [ChildEnv] variable) to [ChildMain]. Inside the child the core's own
// stdout and stderr are redirected to [emucfg.Config.LogPath], so emulator output
// never reaches the console.
//
// # Parent-child protocol
//
// Parent and child exchange JSON objects, one per line, over the child's
// stdin and stdout. Every line is at most [maxLine] bytes; longer lines
// end the session with an error.
//
//	parent -> child   first line: the Config
//	                  then {"op":"read","id":N,"addrs":[...]},
//	                  {"op":"config","id":N,"keys":[{"section":S,"name":P},...]}
//	                  or {"op":"stop"}
//	child -> parent   {"kind":"running"}            the emulator is executing
//	                  {"kind":"words","id":N,"words":[...]}  reply to read
//	                  {"kind":"values","id":N,"values":[...]} reply to config
//	                  {"kind":"done","words":[...]} the done word became non-zero
//	                  {"kind":"error","err":"...","missing":{...}}
//	                  {"kind":"exit"}               clean end, last line
//
// Closing the child's stdin (netpak quit or died) stops the emulator.
// Addresses are physical RDRAM addresses; each word is the big-endian MIPS
// word at that address. Config values are written as mupen64plus.cfg
// writes them ("text", True, 1280), "" for a parameter the core lacks.
// With [emucfg.Config.CheckOnly] the child ends after its checks with "exit" or
// "error" and serves no requests.
//
// # The player's own configuration
//
// A game starts from a copy of the player's mupen64plus.cfg
// ([emucfg.Config.UserConfigDir], usually [emucfg.DefaultUserConfigDir]) in a private
// config dir the core may write; the player's file is only read. netpak
// sets the parameters netplay needs every player to agree on (the CPU
// emulator, the counter factor and the rest the core syncs from player 1,
// and the save folder), listed by [emucfg.Config.Overrides] where the player's
// file says otherwise, and leaves everything else (controller mappings,
// resolution, fullscreen) as the player set it. A damaged file is refused
// with an error naming its line, before anything runs.
//
// # Missing pieces
//
// A missing core library or plugin is a [*MissingError] naming the Debian
// package to install (on Windows and macOS, where to get it); it matches
// [ErrMissing] with errors.Is, and nothing panics. [Check] finds it, a ROM
// the core refuses and a damaged configuration before any game, in a child
// that runs nothing.
//
// # Platforms
//
// The *_dl.go files drive the core the same way everywhere it can be
// loaded; dl_unix.go (dlopen) and dl_windows.go (LoadLibraryEx) open the
// libraries, defaults_*.go name the files and folders of each platform.
// On Windows, with no core_lib given, [emucfg.Locate] looks for mupen64plus.dll
// in a mupen64plus release folder or an RMG install (Core, Plugin\<kind>,
// Data) in netpak.exe's folder, the current folder,
// %LOCALAPPDATA%\Programs\RMG and \mupen64plus, and %ProgramFiles%\RMG
// and \mupen64plus, in that order. On macOS (libmupen64plus.dylib) it
// looks in netpak's folder, the current folder, the mupen64plus.app bundle
// in /Applications, /opt/homebrew/lib and /usr/local/lib. On other systems
// [ErrUnsupported] is returned.
package launcher
