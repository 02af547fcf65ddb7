package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/launcher"
)

// emulatorModes are the values of r4300_emulator.
var emulatorModes = []string{launcher.EmuDynarec, launcher.EmuCachedInterpreter, launcher.EmuPureInterpreter}

func (e *Emulator) validate() error {
	switch {
	case e.R4300 != "" && !slices.Contains(emulatorModes, e.R4300):
		return bad("r4300_emulator", "%q is not one of %v", e.R4300, emulatorModes)
	case e.RSP == launcher.Dummy:
		return bad("rsp_plugin", "the RSP plugin cannot be the dummy")
	}
	return e.validateGame()
}

// launcherConfig returns the emulator settings as the launcher takes
// them, without the netplay part.
func (e *Emulator) launcherConfig() launcher.Config {
	return launcher.Config{
		ROM: e.ROM, CoreLib: e.CoreLib, PluginDir: e.PluginDir, DataDir: e.DataDir, SaveDir: e.SaveDir,
		Video: e.Video, Audio: e.Audio, Input: e.Input, RSP: e.RSP,
		Headless: e.Headless, R4300Emulator: e.R4300,
	}
}

// netpakDir returns base/netpak, created owner-only, for a base directory
// of the user's ("" when there is none).
func netpakDir(base string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, "netpak")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return dir, nil
}

// dataDir is where netpak keeps the game's saves unless save_dir says
// otherwise: $XDG_DATA_HOME/netpak or ~/.local/share/netpak, and
// %LOCALAPPDATA%\netpak on Windows (which os.UserCacheDir returns there).
func dataDir() (string, error) {
	if runtime.GOOS == "windows" {
		return netpakDir(os.UserCacheDir())
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return netpakDir(d, nil)
	}
	home, err := os.UserHomeDir()
	return netpakDir(filepath.Join(home, ".local", "share"), err)
}

// emulatorLog is the file the emulator's own output goes to, so it never
// reaches the console: emulator.log in the user's cache directory.
func emulatorLog() (string, error) {
	dir, err := netpakDir(os.UserCacheDir())
	if err != nil {
		return "", fmt.Errorf("emulator log: %w", err)
	}
	return filepath.Join(dir, "emulator.log"), nil
}

// playEmulator runs the game in mupen64plus: it opens c's bridge on
// loopback and starts the core, pointed at it, in a child process. The
// core drives c's lockstep through the bridge. It returns when the
// emulator ends, or stops it when ctx ends.
func (s *Session) playEmulator(ctx context.Context, c *client.Client) error {
	cfg, err := s.emulatorConfig(c)
	if err != nil {
		return err
	}
	exe := s.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("find netpak's own executable to run the emulator: %w", err)
		}
	}
	p, err := launcher.Start(ctx, exe, cfg)
	if err != nil {
		c.Release()
		return fmt.Errorf("%w; your port reads empty for the others from now on, and the session stays open for chat", err)
	}
	s.print(fmt.Sprintf("starting mupen64plus with %s (its log: %s)", filepath.Base(cfg.ROM), cfg.LogPath))
	select {
	case <-p.Running():
		s.print("the emulator is running")
	case <-p.Exited():
	}
	err = emulatorEnded(p.Wait(), ctx)
	if err != nil {
		c.Release() // the others play on without this player's inputs
	}
	return err
}

// emulatorConfig is the launcher's Config for c: the session's emulator
// settings, c's bridge, and c's controller ports.
func (s *Session) emulatorConfig(c *client.Client) (launcher.Config, error) {
	s.mu.Lock()
	cfg := s.Settings.Emulator.launcherConfig()
	if s.cur != nil && s.cur.c == c {
		cfg.Cheats = s.cur.game.launcherCheats() // the set every player agreed on
	}
	s.mu.Unlock()
	if _, err := os.Stat(cfg.ROM); err != nil {
		return cfg, fmt.Errorf("rom: %w", err)
	}
	var err error
	if cfg.SaveDir == "" {
		if cfg.SaveDir, err = dataDir(); err != nil {
			return cfg, fmt.Errorf("save directory: %w", err)
		}
	}
	if cfg.LogPath, err = emulatorLog(); err != nil {
		return cfg, err
	}
	bridge, err := c.ListenBridge("127.0.0.1:0")
	if err != nil {
		return cfg, err
	}
	cfg.NetplayHost, cfg.NetplayPort = bridge.Addr().String(), int(bridge.Port())
	for i := range host.NumPorts {
		if c.Ports().Has(i) {
			cfg.Ports = append(cfg.Ports, i+1) // the launcher counts players from 1
		}
	}
	cfg.Logf = s.Logf
	return cfg, nil
}

// emulatorEnded says why the emulator ended, in words for the console:
// nil for a stop the player or the session asked for.
func emulatorEnded(err error, ctx context.Context) error {
	var miss *launcher.MissingError
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.As(err, &miss):
		return fmt.Errorf("cannot run the game: %w; your port reads empty for the others from now on, and the session stays open for chat", miss)
	case err != nil:
		return fmt.Errorf("the emulator failed: %w (see its log)", err)
	}
	return errors.New("the emulator was closed; your port reads empty for the others from now on, and the session stays open for chat")
}
