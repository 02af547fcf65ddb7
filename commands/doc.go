// Package commands owns netpak's console: the slash-command table (one row
// per command: name, aliases, usage, help and a parse func), the parsing of
// a typed line into a command value, the help text and Markdown reference
// generated from that table, and the loop that reads lines through a UI and
// carries commands out through a Controller. It also owns TOML session files
// (a file is the same session you would type), and the two ways to run a
// session without a console: a headless host and the simulated-player demo.
//
// Parsing is pure: Parse has no side effects, so a bad line changes nothing.
// Acting is a separate step through Controller, which Session implements on
// top of host.Host and client.Client and which tests fake. Session runs the
// player's emulator at /start through host/launcher, from a copy of the
// player's own mupen64plus configuration, logging to emulator-NAME.log in
// netpak's cache folder; /check tries that emulator first.
//
// The package never imports readline; cmd/netpak adapts a terminal to UI.
package commands
