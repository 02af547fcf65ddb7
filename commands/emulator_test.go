package commands

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
)

// writeTestROM builds netpak's homebrew test ROM into a temporary file.
func writeTestROM(t *testing.T, polls int) string {
	t.Helper()
	path, err := testrom.WriteFile(t.TempDir(), testrom.Options{Polls: polls})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// emulatorSession is a test Session that hosts on loopback and runs the
// test ROM headless at /start, with the user's folders in t's.
func emulatorSession(t *testing.T, name string, emu func(*Emulator)) (*Session, *lines) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no mupen64plus.cfg unless the test writes one
	s, ev := newTestSession(t, name)
	s.Settings.Emulator.ROM = writeTestROM(t, 100000)
	s.Settings.Emulator.Headless = true
	emu(&s.Settings.Emulator)
	return s, ev
}

// waitEmulatorRunning waits for the console's word that the emulator
// runs; it skips the test when the real core cannot run here.
func waitEmulatorRunning(t *testing.T, ev *lines) {
	t.Helper()
	line := ev.waitAny(t, 20*time.Second, "the emulator is running", "cannot run the game")
	if strings.Contains(line, "cannot run the game") {
		t.Skipf("real core not usable here: %s", line)
	}
}

// TestStartRunsEmulator hosts a session whose /start runs the real
// mupen64plus core on the test ROM through the client's bridge; the core
// drives the lockstep. Leaving stops it. It skips without the core.
func TestStartRunsEmulator(t *testing.T) {
	alice, ev := emulatorSession(t, "Alice", func(*Emulator) {})
	if _, err := alice.Serve(context.Background(), Server{}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	waitEmulatorRunning(t, ev)
	ev.wait(t, "starting mupen64plus with netpak-test.z64 (its log: "+os.Getenv("XDG_CACHE_HOME"))
	// The bridge, not Client.Poll, consumes the polls, so the client's
	// status does not count them; the host's relay does.
	h := alice.cur.h
	hosttest.WaitFor(t, "the core to poll through the bridge", func() bool { return h.Stats().RelayedInputs > 30 })
	if err := alice.Chat("still here"); err != nil {
		t.Error(err)
	}
	ev.wait(t, "<Alice> still here")
	left := make(chan struct{})
	go func() { alice.Leave(); close(left) }()
	select {
	case <-left:
	case <-time.After(launcher.StopTimeout + 5*time.Second):
		t.Fatal("leaving did not stop the emulator")
	}
	log, err := os.ReadFile(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "netpak", "emulator-Alice.log"))
	if err != nil {
		t.Fatalf("emulator log: %v", err)
	}
	for _, want := range []string{
		"Alice's emulator starts netpak-test.z64, ports [1], configuration none",
		"core info: ", // the core's own debug messages
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("emulator log lacks %q:\n%s", want, log)
		}
	}
}

func TestFileSafe(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Alice", "Alice"},
		{"bob_2-x", "bob_2-x"},
		{"../../etc/passwd", "______etc_passwd"},
		{`C:\x*?"<>|`, "C__x______"},
		{"Zoë", "Zoë"},
		{".hidden", "_hidden"},
		{"", "player"},
	}
	for _, tt := range tests {
		if got := fileSafe(tt.name); got != tt.want {
			t.Errorf("fileSafe(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// ownCfg is a player's mupen64plus.cfg with a custom controller and a CPU
// emulator other than the session's.
const ownCfg = `[Core]
Version = 1.010000
R4300Emulator = 1

[Input-SDL-Control1]
name = "8BitDo Pro 2"
A Button = "button(1)"
`

// writeOwnCfg puts ownCfg where mupen64plus keeps it, under the test's
// XDG_CONFIG_HOME, and returns its path.
func writeOwnCfg(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "mupen64plus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, emucfg.CfgFile)
	if err := os.WriteFile(path, []byte(ownCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckEmulator: /check says, before /start, that the emulator can
// start, from which of the player's files, and which of the player's
// settings netplay changes; the player's file stays as it is. It skips
// without the core.
func TestCheckEmulator(t *testing.T) {
	alice, _ := emulatorSession(t, "Alice", func(*Emulator) {})
	cfgPath := writeOwnCfg(t)
	if _, err := alice.Serve(context.Background(), Server{}); err != nil {
		t.Fatal(err)
	}
	ec := alice.CheckEmulator(context.Background())
	if errors.Is(ec.Err, launcher.ErrMissing) {
		t.Skipf("real core not usable here: %v", ec.Err)
	}
	text := EmulatorCheckText(ec)
	for _, want := range []string{
		"your emulator can start netpak-test.z64, with your mupen64plus settings from " + cfgPath,
		"netplay changes 1 of your settings for the game (your file stays as it is):\n  Core/R4300Emulator 1 -> 2: the CPU emulator",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/check says:\n%s\nwant %q", text, want)
		}
	}
	if b, err := os.ReadFile(cfgPath); err != nil || string(b) != ownCfg {
		t.Errorf("the player's mupen64plus.cfg changed (%v):\n%s", err, b)
	}
}

// TestCheckEmulatorFindsProblems: what would keep the emulator from
// starting is found at /check, before /start.
func TestCheckEmulatorFindsProblems(t *testing.T) {
	advice := "libmupen64plus2"
	switch runtime.GOOS {
	case "windows":
		advice = "mupen64plus release"
	case "darwin":
		advice = "mupen64plus.app"
	}
	tests := []struct {
		name   string
		modify func(t *testing.T, e *Emulator)
		says   string
	}{
		{"missing core", func(_ *testing.T, e *Emulator) { e.CoreLib = "/nonexistent/libmupen64plus.so.2" }, advice},
		{"config_dir not a folder", func(t *testing.T, e *Emulator) { e.ConfigDir = filepath.Join(t.TempDir(), "nope") }, "config_dir: "},
		{"damaged config", func(t *testing.T, e *Emulator) {
			e.ConfigDir = t.TempDir()
			if err := os.WriteFile(filepath.Join(e.ConfigDir, emucfg.CfgFile), []byte("[Core]\nR4300Emulator = fast\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "mupen64plus.cfg: line 2: R4300Emulator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, _ := emulatorSession(t, "Alice", func(e *Emulator) { tt.modify(t, e) })
			text := EmulatorCheckText(alice.CheckEmulator(context.Background()))
			if !strings.HasPrefix(text, "your emulator cannot start netpak-test.z64: ") || !strings.Contains(text, tt.says) {
				t.Errorf("/check says:\n%s\nwant the reason, with %q", text, tt.says)
			}
		})
	}
}

// TestStartWithoutCore names the Debian package to install (on Windows,
// where to get the core) and keeps the session usable for chat.
func TestStartWithoutCore(t *testing.T) {
	alice, ev := emulatorSession(t, "Alice", func(e *Emulator) { e.CoreLib = "/nonexistent/libmupen64plus.so.2" })
	if _, err := alice.Serve(context.Background(), Server{}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	line := ev.wait(t, "cannot run the game")
	advice := "libmupen64plus2"
	switch runtime.GOOS { // no packages: where to get it
	case "windows":
		advice = "mupen64plus release"
	case "darwin":
		advice = "mupen64plus.app"
	}
	if !strings.Contains(line, advice) || !strings.Contains(line, "stays open for chat") {
		t.Errorf("missing core reported as %q", line)
	}
	if err := alice.Chat("anyone?"); err != nil {
		t.Error(err)
	}
	ev.wait(t, "<Alice> anyone?")
}

// TestStartWithDamagedConfig: a mupen64plus.cfg netpak cannot read is
// refused with its line, left as it is, and the session stays usable.
func TestStartWithDamagedConfig(t *testing.T) {
	const damaged = "[Core]\nR4300Emulator = fast\n"
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, emucfg.CfgFile)
	if err := os.WriteFile(cfgPath, []byte(damaged), 0o644); err != nil {
		t.Fatal(err)
	}
	alice, ev := emulatorSession(t, "Alice", func(e *Emulator) { e.ConfigDir = dir })
	if _, err := alice.Serve(context.Background(), Server{}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	line := ev.waitAny(t, 20*time.Second, "cannot run the game", "the emulator is running")
	if strings.Contains(line, "core library") {
		t.Skipf("real core not usable here: %s", line)
	}
	if !strings.Contains(line, cfgPath+": line 2: R4300Emulator") || !strings.Contains(line, "stays open for chat") {
		t.Errorf("damaged config reported as %q", line)
	}
	if b, err := os.ReadFile(cfgPath); err != nil || string(b) != damaged {
		t.Errorf("the damaged file changed (%v): %q", err, b)
	}
	if err := alice.Chat("anyone?"); err != nil {
		t.Error(err)
	}
	ev.wait(t, "<Alice> anyone?")
}

// TestServeWithoutROMFile: a ROM that is not there stops hosting, before
// the players are told anything about it.
func TestServeWithoutROMFile(t *testing.T) {
	alice, _ := emulatorSession(t, "Alice", func(e *Emulator) { e.ROM = filepath.Join(t.TempDir(), "gone.z64") })
	_, err := alice.Serve(context.Background(), Server{})
	if err == nil || !strings.Contains(err.Error(), "rom: open "+alice.Settings.Emulator.ROM) {
		t.Errorf("serve without the rom file: %v", err)
	}
}

func TestEmulatorCheckText(t *testing.T) {
	tests := []struct {
		ec   EmulatorCheck
		want string
	}{
		{EmulatorCheck{}, ""},
		{EmulatorCheck{ROM: "mk64.z64", ConfigDir: "/home/a/.config/mupen64plus"},
			"your emulator can start mk64.z64, with mupen64plus' default settings (no mupen64plus.cfg in /home/a/.config/mupen64plus; config_dir can name another folder)"},
		{EmulatorCheck{ROM: "mk64.z64"}, "your emulator can start mk64.z64, with mupen64plus' default settings"},
		{EmulatorCheck{ROM: "mk64.z64", Err: errors.New("RSP plugin x not found")},
			"your emulator cannot start mk64.z64: RSP plugin x not found\nfix this and /check again: /start waits until it works"},
	}
	for _, tt := range tests {
		if got := EmulatorCheckText(tt.ec); got != tt.want {
			t.Errorf("EmulatorCheckText(%+v) =\n%s\nwant\n%s", tt.ec, got, tt.want)
		}
	}
}

// An emulator that stops leaves a player's port empty for the others; a
// spectator holds no port, and is told only that it watches no more.
func TestAfterEmulatorSaysWhatItMeans(t *testing.T) {
	if got := afterEmulator(0); strings.Contains(got, "port") || !strings.Contains(got, "watch no more") {
		t.Errorf("a spectator is told %q", got)
	}
	if got := afterEmulator(0b0010); !strings.Contains(got, "your port reads empty") {
		t.Errorf("a player is told %q", got)
	}
}
