package launcher

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
)

// TestRealAudioInputPlugins attaches Debian's SDL audio and input plugins
// (with SDL's dummy drivers, since tests have no sound card or display)
// next to the dummy video plugin. input-sdl without a joystick gives pad 1
// as a keyboard pad with nothing pressed, so the hash is the dummy one.
func TestRealAudioInputPlugins(t *testing.T) {
	t.Setenv("SDL_AUDIODRIVER", "dummy")
	t.Setenv("SDL_VIDEODRIVER", "dummy")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const polls = 100
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	p := startChild(t, ctx, emucfg.Config{
		ROM: writeROM(t, polls), Video: emucfg.Dummy, NoSpeedLimit: true, LogPath: logPath,
		DoneAddr: testrom.AddrDone, ReportAddrs: []uint32{testrom.AddrCounter, testrom.AddrHash}, StopWhenDone: true,
	})
	select {
	case <-p.Done():
	case <-p.Exited():
		err := p.Wait()
		var miss *MissingError
		if errors.As(err, &miss) {
			t.Skipf("not installed: %v", miss)
		}
		t.Fatalf("emulator ended before the ROM was done: %v", err)
	case <-ctx.Done():
		t.Fatal("ROM not done in time")
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	want := testrom.Hash(testrom.Repeat(testrom.Poll{{Present: true}}, polls))
	if got := p.DoneWords(); got[0] != polls || got[1] != want {
		t.Errorf("counter, hash = %d, %#x, want %d, %#x", got[0], got[1], polls, want)
	}
}
