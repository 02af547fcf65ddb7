// Package launcher runs the real mupen64plus core for a netpak session,
// from the parent's side: [Start] runs netpak's own executable as an
// emulator child and sends it an [emucfg.Config]; the [Process] it returns
// reads the game's memory and configuration while it runs, reports when it
// executes and when it is done, and stops or kills it. [Check] runs a
// child that only checks that a game can start. It must not know about
// sessions, lag or the console; the caller hands it a Config and reads
// back status. It never loads the core itself.
//
// # Packages
//
// Running the core takes four packages, each with one job:
//
//   - launcher (this one): the parent side, which callers use.
//   - [emucfg]: the configuration model both sides share: the Config and
//     its validation, where each platform keeps the core and its plugins,
//     and the player's own mupen64plus.cfg.
//   - [childproto]: the JSON-lines protocol between parent and child, and
//     the errors that cross it. Its package doc lists every line.
//   - [github.com/netpak/netpak/host/launcher/corechild]: the child, which
//     loads libmupen64plus with purego and drives it.
//
// launcher and corechild both import emucfg and childproto and never each
// other: the parent's side does not depend on the code that loads
// libraries (only netpak's main links both), and the child knows nothing
// of the parent.
//
// # One core per process
//
// The core keeps its state in globals, so each emulator runs in a child
// process of netpak. The parent calls [Start] with its own executable; the
// child's main must dispatch [ChildCommand] (or, in tests, the [ChildEnv]
// variable) to corechild.Main. Closing the child's stdin (netpak quit or
// died) stops the emulator; [Process.Stop] asks for a stop and kills a
// child still running [StopTimeout] later.
//
// # The player's own configuration
//
// A game starts from a copy of the player's mupen64plus.cfg
// ([emucfg.Config.UserConfigDir], usually [emucfg.DefaultUserConfigDir])
// in a private config dir the core may write; the player's file is only
// read. netpak sets the parameters netplay needs every player to agree on
// (the CPU emulator, the counter factor and the rest the core syncs from
// player 1, and the save folder), listed by [emucfg.Config.Overrides]
// where the player's file says otherwise, and leaves everything else
// (controller mappings, resolution, fullscreen) as the player set it. A
// damaged file is refused with an error naming its line, before anything
// runs.
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
// On Windows, with no core_lib given, [emucfg.Locate] looks for
// mupen64plus.dll in a mupen64plus release folder or an RMG install (Core,
// Plugin\<kind>, Data) in netpak.exe's folder, the current folder,
// %LOCALAPPDATA%\Programs\RMG and \mupen64plus, and %ProgramFiles%\RMG and
// \mupen64plus, in that order. On macOS (libmupen64plus.dylib) it looks in
// netpak's folder, the current folder, the mupen64plus.app bundle in
// /Applications, /opt/homebrew/lib and /usr/local/lib. On systems other
// than Linux, FreeBSD, NetBSD, macOS and Windows the child reports
// [ErrUnsupported].
package launcher
