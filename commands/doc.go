// Package commands owns netpak's slash-command grammar, help text and
// console loop, and the TOML session files that say the same thing as a
// file. It talks to the user through a small UI interface and never imports
// readline.
package commands
