package commands

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/launcher"
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
	s, ev := newTestSession(t, name)
	s.Settings.Emulator.ROM = writeTestROM(t, 100000)
	s.Settings.Emulator.Headless = true
	emu(&s.Settings.Emulator)
	return s, ev
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
	line := ev.waitAny(t, 20*time.Second, "the emulator is running", "cannot run the game")
	if strings.Contains(line, "cannot run the game") {
		t.Skipf("real core not usable here: %s", line)
	}
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
	log, err := os.ReadFile(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "netpak", "emulator.log"))
	if err != nil || len(log) == 0 {
		t.Errorf("emulator log: %d bytes, %v", len(log), err)
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

// TestServeWithoutROMFile: a ROM that is not there stops hosting, before
// the players are told anything about it.
func TestServeWithoutROMFile(t *testing.T) {
	alice, _ := emulatorSession(t, "Alice", func(e *Emulator) { e.ROM = filepath.Join(t.TempDir(), "gone.z64") })
	_, err := alice.Serve(context.Background(), Server{})
	if err == nil || !strings.Contains(err.Error(), "rom: open "+alice.Settings.Emulator.ROM) {
		t.Errorf("serve without the rom file: %v", err)
	}
}
