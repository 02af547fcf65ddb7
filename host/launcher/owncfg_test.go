package launcher

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUserConfigReachesCore runs the real core on the test ROM with a
// player's own config dir: its controller mapping and resolution reach
// the core, read back through the core's config API, while the settings
// netplay forces are changed; the player's file stays byte for byte as it
// was, and nothing is added to the folder. It skips without the core.
func TestUserConfigReachesCore(t *testing.T) {
	user := writeUserCfg(t, userCfg)
	before := dirListing(t, user)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	p := startChild(t, ctx, Config{
		ROM: writeROM(t, 1000000), Headless: true, UserConfigDir: user, LogPath: logPath,
		SaveDir: t.TempDir(), R4300Emulator: EmuDynarec,
	})
	select {
	case <-p.Running():
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(t, err)
		t.Fatalf("emulator ended: %v", err)
	case <-ctx.Done():
		t.Fatal("emulator not running in time")
	}
	keys := []ConfigKey{
		{"Input-SDL-Control1", "name"}, {"Input-SDL-Control1", "device"}, {"Input-SDL-Control1", "A Button"},
		{"Input-SDL-Control1", "Z Trig"}, {"Video-General", "ScreenWidth"}, {"Video-General", "ScreenHeight"},
		{"Video-General", "Fullscreen"}, {"Core", "ScreenshotPath"},
		{"Core", "R4300Emulator"}, {"Core", "CountPerOp"}, {"Core", "EnableDebugger"}, {"Core", "OnScreenDisplay"}, {"Core", "NoSuchKey"},
	}
	got, err := p.ConfigValues(ctx, keys)
	if err != nil {
		t.Fatalf("ConfigValues: %v", err)
	}
	want := []string{
		`"8BitDo Pro 2"`, "3", `"button(1)"`, `"axis(2+)"`, "1280", "960", "True", `"/home/alice/Pictures/n64"`,
		"2", "0", "False", // forced: dynarec, the ROM database's counter factor, no debugger
		"True", // the player's own, not netpak's quiet default
		"",
	}
	for i := range keys {
		if got[i] != want[i] {
			t.Errorf("%s/%s = %s, want %s", keys[i].Section, keys[i].Name, got[i], want[i])
		}
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(user, CfgFile)); err != nil || !bytes.Equal(b, []byte(userCfg)) {
		t.Errorf("the player's %s changed (%v):\n%s", CfgFile, err, b)
	}
	if after := dirListing(t, user); after != before {
		t.Errorf("the player's config dir changed: %s, was %s", after, before)
	}
	if log := readFile(logPath); !strings.Contains(log, "netplay changes Core/R4300Emulator 1 -> 2") {
		t.Errorf("the log does not say what netplay changed:\n%s", log)
	}
}

func dirListing(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		info, _ := e.Info()
		names = append(names, e.Name()+" "+info.ModTime().String())
	}
	return strings.Join(names, ", ")
}

// TestCheck finds, before any game, what would keep the emulator from
// starting: a missing core or plugin, a ROM the core refuses, a damaged
// mupen64plus.cfg. It skips without the core.
func TestCheck(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rom := writeROM(t, 60)
	good := Config{ROM: rom, Headless: true, UserConfigDir: writeUserCfg(t, userCfg)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := Check(ctx, exe, good); err != nil {
		skipIfMissing(t, err)
		t.Fatalf("Check of a good setup: %v", err)
	}
	short := filepath.Join(t.TempDir(), "short.z64")
	if err := os.WriteFile(short, []byte("not a rom"), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(t.TempDir(), "junk.z64")
	if err := os.WriteFile(junk, bytes.Repeat([]byte{0x5A}, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(c *Config)
		is     error
		says   string
	}{
		{"missing core", func(c *Config) { c.CoreLib = "/nonexistent/libmupen64plus.so.2" }, ErrMissing, "core library"},
		{"missing video plugin", func(c *Config) { c.Headless, c.Video = false, "/nonexistent/video.so" }, ErrMissing, "video plugin"},
		{"missing RSP plugin", func(c *Config) { c.RSP = "no-such-rsp.so" }, ErrMissing, "RSP plugin"},
		{"no ROM file", func(c *Config) { c.ROM = filepath.Join(t.TempDir(), "gone.z64") }, nil, "open ROM"},
		{"ROM too short", func(c *Config) { c.ROM = short }, ErrConfig, "9 bytes"},
		{"not a ROM", func(c *Config) { c.ROM = junk }, ErrCore, "open ROM"},
		{"damaged config", func(c *Config) { c.UserConfigDir = writeUserCfg(t, "[Core\n") }, ErrUserConfig, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.modify(&c)
			err := Check(ctx, exe, c)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Check = %v, want an error matching %v that says %q", err, tt.is, tt.says)
			}
		})
	}
}
