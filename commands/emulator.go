package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/session"
)

// emulatorModes are the values of r4300_emulator.
var emulatorModes = []string{emucfg.EmuDynarec, emucfg.EmuCachedInterpreter, emucfg.EmuPureInterpreter}

func (e *Emulator) validate() error {
	switch {
	case e.R4300 != "" && !slices.Contains(emulatorModes, e.R4300):
		return bad("r4300_emulator", "%q is not one of %s", e.R4300, strings.Join(emulatorModes, ", "))
	case e.RSP == emucfg.Dummy:
		return bad("rsp_plugin", "the RSP plugin cannot be the dummy")
	}
	return e.validateGame()
}

// launcherConfig returns the emulator settings as the launcher takes
// them, without the netplay part and the folders only this machine knows.
func (e *Emulator) launcherConfig() emucfg.Config {
	return emucfg.Config{
		ROM: e.ROM, CoreLib: e.CoreLib, PluginDir: e.PluginDir, DataDir: e.DataDir, SaveDir: e.SaveDir,
		UserConfigDir: e.ConfigDir,
		Video:         e.Video, Audio: e.Audio, Input: e.Input, RSP: e.RSP,
		Headless: e.Headless, R4300Emulator: e.R4300,
	}
}

// localConfig returns e's launcher Config with this machine's folders
// filled in: the save directory and the player's mupen64plus config
// folder. A config_dir that is not a folder is an error; mupen64plus'
// usual one may be missing (the game then starts from the core's
// defaults, as mupen64plus would).
func (e *Emulator) localConfig() (emucfg.Config, error) {
	cfg := e.launcherConfig()
	var err error
	if cfg.SaveDir == "" {
		if cfg.SaveDir, err = dataDir(); err != nil {
			return cfg, fmt.Errorf("save directory: %w", err)
		}
	}
	if cfg.UserConfigDir == "" {
		cfg.UserConfigDir = emucfg.DefaultUserConfigDir()
	} else if fi, err := os.Stat(cfg.UserConfigDir); err != nil || !fi.IsDir() {
		return cfg, fmt.Errorf("config_dir: %s is not a folder (it should hold your mupen64plus.cfg)", cfg.UserConfigDir)
	}
	return cfg, nil
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

// maxLogSize is the size beyond which an emulator log is moved aside to
// NAME.old when the next game starts, so an evening's logs stay, and a
// year's do not pile up.
const maxLogSize = 8 << 20

// emulatorLog is the file the emulator of the player called name writes,
// so its output never reaches the console: emulator-NAME.log in netpak's
// folder of the user's cache directory, beside the console history. Each
// game adds to it, after a line saying which game starts.
func emulatorLog(name string) (string, error) {
	dir, err := netpakDir(os.UserCacheDir())
	if err != nil {
		return "", fmt.Errorf("emulator log: %w", err)
	}
	path := filepath.Join(dir, "emulator-"+fileSafe(name)+".log")
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		os.Rename(path, path+".old") // a failure leaves one long log
	}
	return path, nil
}

// fileSafe turns a player's name into a file-name part every system
// accepts: letters, digits, '-' and '_' stay, anything else becomes '_'.
func fileSafe(name string) string {
	safe := []rune{}
	for _, r := range name {
		if r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			safe = append(safe, r)
		} else {
			safe = append(safe, '_')
		}
	}
	if len(safe) == 0 {
		return "player"
	}
	return string(safe)
}

// startLog appends the line that opens one game's part of the log.
func startLog(path, name string, cfg emucfg.Config) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("emulator log: %w", err)
	}
	defer f.Close()
	cfgFile := cfg.UserConfigFile()
	if cfgFile == "" {
		cfgFile = "none, the core's defaults"
	}
	_, err = fmt.Fprintf(f, "\n==== %s: %s's emulator starts %s, ports %v, configuration %s\n",
		time.Now().Format("2006-01-02 15:04:05"), name, filepath.Base(cfg.ROM), cfg.Ports, cfgFile)
	return err
}

// playEmulator runs the game in mupen64plus: it opens c's bridge on
// loopback and starts the core, pointed at it, in a child process. The
// core drives c's lockstep through the bridge. It returns when the
// emulator ends, or stops it when ctx ends.
func (s *Session) playEmulator(ctx context.Context, c *client.Client) error {
	cfg, err := s.emulatorConfig(c)
	portEmpty := afterEmulator(c.Ports())
	var exe string
	if err == nil {
		exe, err = s.executable()
	}
	if err != nil {
		return s.emulatorFailed(c, fmt.Errorf("cannot run the game: %w; %s", err, portEmpty))
	}
	// This game's bridge; closed when the emulator has exited, as a game
	// that ended feeds it until then (see client.Bridge).
	bridge, err := c.ListenBridge("127.0.0.1:0")
	if err != nil {
		return s.emulatorFailed(c, fmt.Errorf("cannot run the game: %w; %s", err, portEmpty))
	}
	defer bridge.Close()
	cfg.NetplayHost, cfg.NetplayPort = bridge.Addr().Addr().String(), int(bridge.Addr().Port())
	if c.CatchingUp() && c.Ports().Has(0) {
		s.restoreStartSaves(ctx, c)
	}
	p, err := launcher.Start(ctx, exe, cfg)
	if err != nil {
		return s.emulatorFailed(c, fmt.Errorf("%w; %s", err, portEmpty))
	}
	s.print(fmt.Sprintf("starting mupen64plus with %s (its log: %s)", filepath.Base(cfg.ROM), cfg.LogPath))
	select {
	case <-p.Running():
		s.print("the emulator is running")
	case <-p.Exited():
	}
	if err := emulatorEnded(p.Wait(), ctx, portEmpty); err != nil {
		return s.emulatorFailed(c, err)
	}
	return nil
}

// executable is the program run as the emulator child.
func (s *Session) executable() (string, error) {
	if s.Executable != "" {
		return s.Executable, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find netpak's own executable to run the emulator: %w", err)
	}
	return exe, nil
}

// checkTimeout bounds the emulator check of /check; it takes a fraction
// of a second.
const checkTimeout = 15 * time.Second

// CheckEmulator says whether this player's emulator can start the game,
// and which of the player's own settings the game changes: it reads the
// player's mupen64plus.cfg and runs an emulator child that loads the core
// and plugins and opens the ROM, but runs no game. It says nothing while
// a game runs, or when the session plays no ROM here.
func (s *Session) CheckEmulator(ctx context.Context) EmulatorCheck {
	s.mu.Lock()
	emu, l, play := s.Settings.Emulator, s.cur, s.Play
	s.mu.Unlock()
	if emu.ROM == "" || play != nil || (l != nil && l.c.Status().Playing) {
		return EmulatorCheck{}
	}
	ec := EmulatorCheck{ROM: filepath.Base(emu.ROM)}
	report := func() EmulatorCheck {
		if l != nil {
			l.c.SetEmulator(ec.Err == nil, ec.short())
		}
		return ec
	}
	cfg, err := emu.localConfig()
	if err != nil {
		ec.Err = err
		return report()
	}
	ec.ConfigFile, ec.ConfigDir = cfg.UserConfigFile(), cfg.UserConfigDir
	if ec.Overrides, ec.Err = cfg.Overrides(); ec.Err != nil {
		return report()
	}
	exe, err := s.executable()
	if err != nil {
		ec.Err = err
		return report()
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	ec.Err = launcher.Check(ctx, exe, cfg)
	return report()
}

// emulatorConfig is the launcher's Config for c: the session's emulator
// settings and c's controller ports; the caller adds the bridge.
func (s *Session) emulatorConfig(c *client.Client) (emucfg.Config, error) {
	s.mu.Lock()
	emu, name := s.Settings.Emulator, s.Settings.PlayerName()
	s.mu.Unlock()
	cfg, err := emu.localConfig()
	if err != nil {
		return cfg, err
	}
	cfg.Cheats = s.gameOf(c).launcherCheats() // the set every player agreed on
	if _, err := os.Stat(cfg.ROM); err != nil {
		return cfg, fmt.Errorf("rom: %w", err)
	}
	if cfg.LogPath, err = emulatorLog(name); err != nil {
		return cfg, err
	}
	for i := range session.NumPorts {
		if c.Ports().Has(i) {
			cfg.Ports = append(cfg.Ports, i+1) // the launcher counts players from 1
		}
	}
	if err := startLog(cfg.LogPath, name, cfg); err != nil {
		return cfg, err
	}
	cfg.Logf = s.Logf
	return cfg, nil
}

// errSaid is an error the console has already printed.
var errSaid = errors.New("said")

// emulatorFailed prints why the player's emulator failed, then releases
// the player's ports: the others play on without its inputs. It prints
// first because the release may end the game (the player was the last),
// and with it the console's part of the game, which prints nothing after.
func (s *Session) emulatorFailed(c *client.Client, err error) error {
	s.print(err.Error())
	c.Release()
	return fmt.Errorf("%w: %w", errSaid, err)
}

// emulatorEnded says why the emulator ended, in words for the console:
// nil for a stop the player or the session asked for. An emulator that
// could not start says why even if the game ended meanwhile: its failing
// child may have ended the game before the session heard why.
func emulatorEnded(err error, ctx context.Context, portEmpty string) error {
	var miss *launcher.MissingError
	switch {
	case errors.As(err, &miss):
		return fmt.Errorf("cannot run the game: %w; %s", miss, portEmpty)
	case errors.Is(err, emucfg.ErrUserConfig):
		return fmt.Errorf("cannot run the game: %w; %s", err, portEmpty)
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return fmt.Errorf("the emulator failed: %w (see its log)", err)
	}
	return errors.New("the emulator was closed; " + portEmpty)
}

// afterEmulator says what an emulator failing means for the session, to
// a player holding ports or to a spectator.
func afterEmulator(ports session.PortMask) string {
	if ports == 0 {
		return "you watch no more, and the session stays open for chat"
	}
	return "your port reads empty for the others from now on, and the session stays open for chat"
}
