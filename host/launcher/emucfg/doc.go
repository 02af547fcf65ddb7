// Package emucfg owns the configuration of one emulator run: the [Config]
// the parent sends its emulator child and how it is validated, where each
// platform keeps the mupen64plus core, its plugins and data ([Locate],
// the Default* names, what to install when a piece is missing), and the
// player's own mupen64plus.cfg: reading it without changing it
// ([ReadUserConfig]), the parameters netplay forces on every player and
// the ones that differ from the player's file ([Config.Overrides]).
//
// It is the model both sides of host/launcher share. It must not start
// processes, load libraries or speak the parent-child protocol, and it
// writes no file: it only reads the player's configuration and looks for
// installed files. See host/launcher's package doc for how a game is
// started from a copy of the player's configuration.
package emucfg
