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

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// TestUserConfigReachesCore runs the real core on the test ROM with a
// player's own config dir: its controller mapping and resolution reach
// the core, read back through the core's config API, while the settings
// netplay forces are changed; the player's file stays byte for byte as it
// was, and nothing is added to the folder. It skips without the core.
func TestUserConfigReachesCore(t *testing.T) {
	user := userDir(t, playerConfig)
	before := dirListing(t, user)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	p := startChild(t, ctx, emucfg.Config{
		ROM: writeROM(t, 1000000), Headless: true, UserConfigDir: user, LogPath: logPath,
		SaveDir: t.TempDir(), R4300Emulator: emucfg.EmuDynarec,
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
	key := func(section, name string) emucfg.Key { return emucfg.Key{Section: section, Name: name} }
	keys := []emucfg.Key{
		key("Input-SDL-Control1", "name"), key("Input-SDL-Control1", "device"), key("Input-SDL-Control1", "A Button"),
		key("Input-SDL-Control1", "Z Trig"), key("Video-General", "ScreenWidth"), key("Video-General", "ScreenHeight"),
		key("Video-General", "Fullscreen"), key("Core", "ScreenshotPath"),
		key("Core", "R4300Emulator"), key("Core", "CountPerOp"), key("Core", "EnableDebugger"), key("Core", "OnScreenDisplay"), key("Core", "NoSuchKey"),
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
	if b, err := os.ReadFile(filepath.Join(user, emucfg.CfgFile)); err != nil || !bytes.Equal(b, readBytes(t, playerConfig)) {
		t.Errorf("the player's %s changed (%v):\n%s", emucfg.CfgFile, err, b)
	}
	if after := dirListing(t, user); after != before {
		t.Errorf("the player's config dir changed: %s, was %s", after, before)
	}
	if log := readFile(logPath); !strings.Contains(log, "netplay changes Core/R4300Emulator 1 -> 2") {
		t.Errorf("the log does not say what netplay changed:\n%s", log)
	}
}

// playerConfig is a player's mupen64plus.cfg with a controller mapping,
// a resolution and three settings netplay must change; emucfg's tests
// parse the same file.
var playerConfig = filepath.Join("emucfg", "testdata", emucfg.CfgFile)

// userDir returns a new player's config folder holding a copy of cfg.
func userDir(t *testing.T, cfg string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, cfg, filepath.Join(dir, emucfg.CfgFile))
	return dir
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
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
	good := emucfg.Config{ROM: rom, Headless: true, UserConfigDir: userDir(t, playerConfig)}
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
		modify func(c *emucfg.Config)
		is     error
		says   string
	}{
		{"missing core", func(c *emucfg.Config) { c.CoreLib = "/nonexistent/libmupen64plus.so.2" }, ErrMissing, "core library"},
		{"missing video plugin", func(c *emucfg.Config) { c.Headless, c.Video = false, "/nonexistent/video.so" }, ErrMissing, "video plugin"},
		{"missing RSP plugin", func(c *emucfg.Config) { c.RSP = "no-such-rsp.so" }, ErrMissing, "RSP plugin"},
		{"no ROM file", func(c *emucfg.Config) { c.ROM = filepath.Join(t.TempDir(), "gone.z64") }, nil, "open ROM"},
		{"ROM too short", func(c *emucfg.Config) { c.ROM = short }, emucfg.ErrConfig, "9 bytes"},
		{"not a ROM", func(c *emucfg.Config) { c.ROM = junk }, ErrCore, "open ROM"},
		{"damaged config", func(c *emucfg.Config) { c.UserConfigDir = userDir(t, filepath.Join("testdata", "damaged.cfg")) }, emucfg.ErrUserConfig, "line 1"},
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
