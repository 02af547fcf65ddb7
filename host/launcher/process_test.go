package launcher

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
)

// A missing core library must say which Debian package to install, and
// must not need the library to be present anywhere to say it.
func TestMissingCoreLibrary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := startChild(t, ctx, emucfg.Config{
		ROM: writeROM(t, 10), Headless: true,
		CoreLib: filepath.Join(t.TempDir(), "libmupen64plus.so.2"),
	})
	err := p.Wait()
	var miss *MissingError
	if !errors.Is(err, ErrMissing) || !errors.As(err, &miss) {
		t.Fatalf("Wait = %v, want a MissingError", err)
	}
	want := "libmupen64plus2"
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		want = "" // no packages: the message says where to get it
	}
	if miss.Package != want || miss.What != "core library" {
		t.Errorf("missing %+v, want the core library from %q", miss, want)
	}
}

func TestMissingPlugin(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		cfg     emucfg.Config
		what    string
		pkgName string
	}{
		{"rsp", emucfg.Config{Headless: true, RSP: filepath.Join(dir, "mupen64plus-rsp-hle.so")}, "RSP plugin", "mupen64plus-rsp-hle"},
		{"video", emucfg.Config{PluginDir: dir}, "video plugin", "mupen64plus-video-glide64mk2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tt.cfg.ROM = writeROM(t, 10)
			err := startChild(t, ctx, tt.cfg).Wait()
			var miss *MissingError
			if !errors.As(err, &miss) {
				t.Fatalf("Wait = %v, want a MissingError", err)
			}
			if miss.What == "core library" {
				t.Skipf("real core not installed: %v", miss)
			}
			if miss.What != tt.what || miss.Package != tt.pkgName {
				t.Errorf("missing %+v, want %s from %s", miss, tt.what, tt.pkgName)
			}
		})
	}
}

// startCounting runs a ROM that polls far longer than any test waits and
// returns once the emulator executes.
func startCounting(t *testing.T, ctx context.Context) *Process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	p := startChild(t, ctx, emucfg.Config{ROM: writeROM(t, 1<<24), Headless: true, NoSpeedLimit: true, LogPath: logPath})
	select {
	case <-p.Running():
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(t, err)
		t.Fatalf("emulator ended before running: %v", err)
	case <-ctx.Done():
		t.Fatal("emulator not running in time")
	}
	return p
}

// TestReadWordsWhileRunning reads the ROM's results while it runs and
// sees the counter advance, then stops the emulator cleanly.
func TestReadWordsWhileRunning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := startCounting(t, ctx)
	var first uint32
	for {
		w, err := p.ReadWords(ctx, []uint32{testrom.AddrMagic, testrom.AddrPolls, testrom.AddrCounter})
		if err != nil {
			t.Fatalf("ReadWords: %v", err)
		}
		if w[0] != testrom.Magic {
			continue // stage 2 has not started yet
		}
		if w[1] != 1<<24 {
			t.Fatalf("N = %d, want %d", w[1], 1<<24)
		}
		if first == 0 {
			first = w[2] + 1
		} else if w[2] > first {
			break // the counter advances
		}
	}
	if _, err := p.ReadWords(ctx, []uint32{3}); err == nil {
		t.Error("unaligned read succeeded")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := p.ReadWords(ctx, []uint32{0}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("read after stop = %v, want ErrNotRunning", err)
	}
}

// TestStopPaths checks every way a session can end: the context, the
// parent's stdin closing (netpak quit or died), and Stop.
func TestStopPaths(t *testing.T) {
	tests := []struct {
		name string
		end  func(p *Process, cancel context.CancelFunc)
	}{
		{"context cancelled", func(p *Process, cancel context.CancelFunc) { cancel() }},
		{"stdin closed", func(p *Process, cancel context.CancelFunc) { p.stdin.Close() }},
		{"Stop", func(p *Process, cancel context.CancelFunc) { p.Stop() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			p := startCounting(t, runCtx)
			tt.end(p, stop)
			select {
			case <-p.Exited():
			case <-ctx.Done():
				t.Fatal("emulator did not stop in time")
			}
			if err := p.Wait(); err != nil {
				t.Errorf("Wait = %v, want a clean stop", err)
			}
		})
	}
}

// TestChildRejectsBadConfig sends a config the parent would never send
// and expects the child's ErrConfig back, not a crash.
func TestChildRejectsBadConfig(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	p := newProcess(exe, t.Logf, inR, outW, inW)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	go p.readLoop(outR)
	if err := p.write([]byte(`{"ROM":"/x","Ports":[9]}` + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); !errors.Is(err, emucfg.ErrConfig) {
		t.Errorf("Wait = %v, want emucfg.ErrConfig", err)
	}
}

// TestKill ends a running emulator the hard way: Wait reports a child that
// died, and a second Kill of the dead child is harmless.
func TestKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := startCounting(t, ctx)
	if err := p.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	select {
	case <-p.Exited():
	case <-ctx.Done():
		t.Fatal("killed emulator did not exit")
	}
	if err := p.Wait(); !errors.Is(err, ErrChild) {
		t.Errorf("Wait = %v, want ErrChild", err)
	}
	if err := p.Kill(); err != nil {
		t.Errorf("second Kill: %v", err)
	}
}
