package main

import (
	"flag"

	"github.com/netpak/netpak/commands"
)

// settingsFlags are the flags that mean the same as session-file keys.
type settingsFlags struct {
	fs      *flag.FlagSet
	file    string
	verbose bool
	s       commands.Settings // flag values, applied only where set
}

func newSettingsFlags(fs *flag.FlagSet) *settingsFlags {
	f := &settingsFlags{fs: fs}
	d := commands.Defaults()
	fs.StringVar(&f.file, "c", "", "read the session from this `file` (see netpak init)")
	fs.BoolVar(&f.verbose, "v", false, "print diagnostics")
	fs.StringVar(&f.s.Name, "name", "", "the `name` others see (default your login name)")
	fs.IntVar(&f.s.Port, "port", d.Port, "the `port` to host on, TCP and UDP (0 picks a free one)")
	fs.StringVar(&f.s.Bind, "bind", "", "the `address` to host on (default every address)")
	fs.IntVar(&f.s.Lag, "lag", d.Lag, "everyone's lag in `polls`, 0-255")
	fs.BoolVar(&f.s.Golf, "golf", false, "golf mode on from the start")
	fs.BoolVar(&f.s.AutoLag, "autolag", d.AutoLag, "follow the network with the lag (off when --lag is given, unless --autolag too)")
	fs.StringVar(&f.s.GolfButton, "golf-button", d.GolfButton, "the `button` that takes the golf seat")
	fs.IntVar(&f.s.AutoStart, "autostart", 0, "start when `N` players have joined (0 waits for /start)")
	fs.DurationVar(&f.s.DropTimeout, "drop-timeout", d.DropTimeout, "drop a member silent this `long`")
	fs.BoolVar(&f.s.Spectator, "spectator", false, "join as a spectator")
	fs.BoolVar(&f.s.Server, "server", false, "host a session at once (like /server)")
	fs.BoolVar(&f.s.VPN, "vpn", false, "host through the built-in VPN too (like /server PORT vpn)")
	fs.IntVar(&f.s.VPNPort, "vpn-port", d.VPNPort, "the VPN's UDP `port` (0 picks a free one)")
	fs.BoolVar(&f.s.VPNOnly, "vpn-only", false, "with --vpn, serve the session only through the VPN")
	fs.StringVar(&f.s.VPNEndpoint, "vpn-endpoint", "", "the `IP[:PORT]` invites name (default this machine's addresses)")
	fs.StringVar(&f.s.Emulator.ROM, "rom", "", "the ROM `file` /start runs in mupen64plus (default the simulated game)")
	fs.StringVar(&f.s.Emulator.ConfigDir, "config-dir", "", "your mupen64plus configuration `folder` (default mupen64plus' usual one)")
	return f
}

// settings returns the defaults, overridden by the session file, overridden
// by the flags that were set.
func (f *settingsFlags) settings() (commands.Settings, error) {
	s := commands.Defaults()
	if f.file != "" {
		var err error
		if s, err = commands.LoadFile(f.file, s); err != nil {
			return s, err
		}
	}
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "name":
			s.Name = f.s.Name
		case "port":
			s.Port = f.s.Port
		case "bind":
			s.Bind = f.s.Bind
		case "lag":
			s.Lag = f.s.Lag
		case "golf":
			s.Golf = f.s.Golf
		case "autolag":
			s.AutoLag = f.s.AutoLag
		case "golf-button":
			s.GolfButton = f.s.GolfButton
		case "autostart":
			s.AutoStart = f.s.AutoStart
		case "drop-timeout":
			s.DropTimeout = f.s.DropTimeout
		case "spectator":
			s.Spectator = f.s.Spectator
			if s.Spectator {
				s.Ports = nil // the flag wins over the file's ports
			}
		case "server":
			s.Server = f.s.Server
		case "vpn":
			s.VPN = f.s.VPN
		case "vpn-port":
			s.VPNPort = f.s.VPNPort
		case "vpn-only":
			s.VPNOnly = f.s.VPNOnly
		case "vpn-endpoint":
			s.VPNEndpoint = f.s.VPNEndpoint
		case "rom":
			s.Emulator.ROM = f.s.Emulator.ROM
		case "config-dir":
			s.Emulator.ConfigDir = f.s.Emulator.ConfigDir
		}
	})
	if lagTurnsAutoLagOff(f.fs) {
		s.AutoLag = false
	}
	return s, s.Validate()
}

// lagTurnsAutoLagOff reports whether fs was given --lag but not --autolag:
// --lag N sets the lag, as /lag N does, and autolag would move it.
func lagTurnsAutoLagOff(fs *flag.FlagSet) bool {
	lag, autoLag := false, false
	fs.Visit(func(fl *flag.Flag) {
		lag = lag || fl.Name == "lag"
		autoLag = autoLag || fl.Name == "autolag"
	})
	return lag && !autoLag
}
