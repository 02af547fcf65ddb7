package launcher

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
)

// writeROM builds the test ROM for polls polls into a temporary file.
func writeROM(t *testing.T, polls int) string {
	t.Helper()
	return writeROMWith(t, testrom.Options{Polls: polls})
}

func writeROMWith(t *testing.T, opts testrom.Options) string {
	t.Helper()
	path, err := testrom.WriteFile(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// startChild starts the test binary as an emulator child; it skips the
// test when the core library is not installed.
func startChild(t *testing.T, ctx context.Context, cfg emucfg.Config) *Process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logf = t.Logf
	p, err := Start(ctx, exe, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { p.Stop() })
	return p
}

func skipIfMissing(t *testing.T, err error) {
	t.Helper()
	var miss *MissingError
	if errors.As(err, &miss) {
		t.Skipf("real core not usable here: %v", miss)
	}
}

// resultAddrs are the ROM's results plus two words only cheats write.
var resultAddrs = []uint32{testrom.AddrMagic, testrom.AddrCounter, testrom.AddrHash, testrom.AddrDone, testrom.AddrPolls, 0x100040, 0x100044}

// soloCheats write the two extra words (8-bit and 16-bit GameShark writes),
// proving the cheats reached the core.
var soloCheats = []emucfg.Cheat{
	{Name: "byte", Codes: []emucfg.CheatCode{{Addr: 0x80100040, Value: 0x00AB}}},
	{Name: "half", Codes: []emucfg.CheatCode{{Addr: 0x81100044, Value: 0xBEEF}}},
}

// TestSoloTestROM runs the homebrew ROM on the real core, headless and
// solo, and checks the core's RDRAM against the hash computed in Go for
// the dummy input plugin: pad 1 present with no buttons, pads 2-4 absent.
// Two cheats write words the ROM never touches.
func TestSoloTestROM(t *testing.T) {
	tests := []struct {
		emu    string
		polls  int
		cheats bool // the core starts applying cheats some 60-300 VIs in
	}{
		{emucfg.EmuDynarec, 300, true},
		{emucfg.EmuCachedInterpreter, 60, false}, // about 8x slower per poll
	}
	for _, tt := range tests {
		polls := tt.polls
		t.Run(tt.emu, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			logPath := filepath.Join(t.TempDir(), "core.log")
			logOnFailure(t, logPath)
			cfg := emucfg.Config{
				ROM: writeROM(t, polls), Headless: true, NoSpeedLimit: true, R4300Emulator: tt.emu,
				LogPath: logPath, DoneAddr: testrom.AddrDone, ReportAddrs: resultAddrs, StopWhenDone: true,
			}
			want := []uint32{testrom.Magic, uint32(polls), testrom.Hash(testrom.Repeat(testrom.Poll{{Present: true}}, polls)), 1, uint32(polls), 0, 0}
			if tt.cheats {
				cfg.Cheats = soloCheats
				want[5], want[6] = 0xAB000000, 0xBEEF0000
			}
			p := startChild(t, ctx, cfg)
			select {
			case <-p.Done():
			case <-p.Exited():
				err := p.Wait()
				skipIfMissing(t, err)
				t.Fatalf("emulator ended before the ROM was done: %v\n%s", err, readFile(logPath))
			case <-ctx.Done():
				t.Fatalf("ROM not done in time\n%s", readFile(logPath))
			}
			if err := p.Wait(); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			got := p.DoneWords()
			if len(got) != len(want) {
				t.Fatalf("done words %x, want %x", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("word at %#x = %#x, want %#x", resultAddrs[i], got[i], want[i])
				}
			}
		})
	}
}

// logOnFailure shows the end of the emulator's log if the test fails.
func logOnFailure(t *testing.T, path string) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log:\n%s", readFile(path))
		}
	})
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 8192 {
		b = b[len(b)-8192:]
	}
	return string(b)
}

// TestHeadlessRaisesRDPDone runs the ROM variant that, like a libultra
// game, waits for the RDP-done interrupt after each display-list task.
// The core's dummy video plugin never raises it; headless mode must, or
// the ROM hangs before its first poll.
func TestHeadlessRaisesRDPDone(t *testing.T) {
	const polls = 100
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	p := startChild(t, ctx, emucfg.Config{
		ROM: writeROMWith(t, testrom.Options{Polls: polls, GfxTasks: true}), Headless: true, NoSpeedLimit: true,
		LogPath: logPath, DoneAddr: testrom.AddrDone, ReportAddrs: []uint32{testrom.AddrCounter, testrom.AddrGfx, testrom.AddrHash},
		StopWhenDone: true,
	})
	select {
	case <-p.Done():
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(t, err)
		t.Fatalf("emulator ended before the ROM was done: %v", err)
	case <-ctx.Done():
		t.Fatal("ROM not done in time: no RDP-done interrupt?")
	}
	want := []uint32{polls, polls, testrom.Hash(testrom.Repeat(testrom.Poll{{Present: true}}, polls))}
	if got := p.DoneWords(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("counter, gfx tasks, hash = %x, want %x", got, want)
	}
}
