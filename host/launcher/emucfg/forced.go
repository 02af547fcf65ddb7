package emucfg

import (
	"fmt"
	"os"
	"path/filepath"
)

// forcedSetting is a core parameter the game runs with whatever the
// player's own configuration says, and why.
type forcedSetting struct {
	Setting
	why string
	// folder: the value is a folder, and the player's file leaving it
	// empty means mupen64plus' default place, not a choice to report.
	folder bool
}

// forcedSettings are the parameters every player's emulator must agree
// on. The core sends player 1's CPU emulator, counter factor, overclock,
// memory size, SI DMA timing and compiled-jump choice to every other
// player over netplay (research/m64p-netplay.md §1.4); netpak sets them
// for everyone, so the game is the same machine whoever is player 1 and
// in a solo run too. The debugger stays off: a core paused in it stalls
// the lockstep. The save folder is the one /check compares and /sync
// writes.
func (c Config) forcedSettings() []forcedSetting {
	set := func(name, typ, value, why string) forcedSetting {
		return forcedSetting{Setting: Setting{"Core", name, typ, value}, why: why}
	}
	fs := []forcedSetting{
		set("R4300Emulator", "int", fmt.Sprint(emulatorModes[c.R4300Emulator]), "the CPU emulator every player shares, r4300_emulator"),
		set("CountPerOp", "int", "0", "cycles per instruction from the ROM database, as netplay syncs it"),
		set("CountPerOpDenomPot", "int", "0", "no overclock, as netplay syncs it"),
		set("DisableExtraMem", "bool", "false", "memory size from the ROM database, as netplay syncs it"),
		set("SiDmaDuration", "int", "-1", "SI DMA timing from the ROM database, as netplay syncs it"),
		set("NoCompiledJump", "bool", "false", "as netplay syncs it"),
		set("EnableDebugger", "bool", "false", "a core waiting for its debugger would hold up every player"),
	}
	if c.SaveDir != "" {
		save := set("SaveSRAMPath", "string", c.SaveDir+string(os.PathSeparator), "the save files /check compares, save_dir")
		save.folder = true
		fs = append(fs, save)
	}
	return fs
}

// quietDefaults are set only where the player's configuration says
// nothing: no camera probing (it costs time and fills the log), no
// on-screen text, save states and screenshots beside the saves.
func (c Config) quietDefaults() []Setting {
	ds := []Setting{
		{"Core", "GbCameraVideoCaptureBackend1", "string", "dummy"},
		{"Core", "OnScreenDisplay", "bool", "false"},
	}
	if c.SaveDir != "" {
		dir := c.SaveDir + string(os.PathSeparator)
		ds = append(ds, Setting{"Core", "SaveStatePath", "string", dir}, Setting{"Core", "ScreenshotPath", "string", dir})
	}
	return ds
}

// CoreSettings lists the parameters the core is given before the game, in
// the order to set them: the ones netplay forces, the quiet defaults the
// player's configuration user does not set (nil: none), then
// [Config.Settings].
func (c Config) CoreSettings(user *UserConfig) []Setting {
	var sets []Setting
	for _, f := range c.forcedSettings() {
		sets = append(sets, f.Setting)
	}
	for _, d := range c.quietDefaults() {
		if user != nil {
			if _, ok := user.lookup(d.Section, d.Name); ok {
				continue
			}
		}
		sets = append(sets, d)
	}
	return append(sets, c.Settings...)
}

// Override is one parameter of the player's own mupen64plus.cfg that the
// game runs with another value.
type Override struct {
	Section, Name string
	Yours         string // as the player's file writes it
	Game          string // what the game runs with, written the same way
	Why           string
}

// String says what the game changes, e.g. "Core/R4300Emulator 1 -> 2: the
// CPU emulator every player shares, r4300_emulator".
func (o Override) String() string {
	return fmt.Sprintf("%s/%s %s -> %s: %s", o.Section, o.Name, o.Yours, o.Game, o.Why)
}

// UserConfigFile returns the path of the player's mupen64plus.cfg the game
// starts from, or "" when c names no folder or the folder has none.
func (c Config) UserConfigFile() string {
	if c.UserConfigDir == "" {
		return ""
	}
	path := filepath.Join(c.UserConfigDir, CfgFile)
	if !fileExists(path) {
		return ""
	}
	return path
}

// Overrides reads the player's own configuration ([Config.UserConfigDir])
// and lists the parameters the game runs with another value: the ones
// netplay forces, where the file says something else. A save folder the
// file leaves empty (mupen64plus' default place) is not listed. An
// unreadable or damaged file is an error wrapping [ErrUserConfig].
func (c Config) Overrides() ([]Override, error) {
	if c.UserConfigDir == "" {
		return nil, nil
	}
	user, _, err := ReadUserConfig(c.UserConfigDir)
	if err != nil || user == nil {
		return nil, err
	}
	return c.OverridesIn(user), nil
}

// OverridesIn lists the parameters the game runs with another value than
// the player's configuration user says, as [Config.Overrides] does.
func (c Config) OverridesIn(user *UserConfig) []Override {
	var out []Override
	for _, f := range c.forcedSettings() {
		v, ok := user.lookup(f.Section, f.Name)
		if !ok {
			continue
		}
		want, err := f.Parse()
		if err != nil || v.equal(want) {
			continue
		}
		if f.folder && (v.s == "" || filepath.Clean(v.s) == filepath.Clean(want.Str)) {
			continue
		}
		out = append(out, Override{Section: f.Section, Name: f.Name, Yours: v.raw, Game: want.String(), Why: f.why})
	}
	return out
}
