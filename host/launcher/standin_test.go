package launcher

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// StandInEnv names a folder holding the stand-in core and plugin built
// for Windows from testdata/standin_core.c and standin_rsp.c, as
// mupen64plus.dll and mupen64plus-rsp-hle.dll. .ci/wine builds them with
// mingw-w64 and sets it when it runs this package's tests under Wine.
const standInEnv = "NETPAK_STANDIN_DIR"

// standInInstall lays out an install with the stand-in core and RSP
// plugin in root, the way RMG lays out its own (Core, Plugin\RSP, Data),
// and returns the core's path. Elsewhere than on Windows it builds the
// stand-ins with cc. It skips the test when they cannot be had.
func standInInstall(t *testing.T, root string) string {
	t.Helper()
	core := filepath.Join(root, "Core", emucfg.DefaultCoreLib)
	rsp := filepath.Join(root, "Plugin", "RSP", emucfg.DefaultRSP)
	for _, d := range []string{filepath.Dir(core), filepath.Dir(rsp), filepath.Join(root, "Data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "Data", "mupen64plus.ini"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		dir := os.Getenv(standInEnv)
		if dir == "" {
			t.Skipf("%s not set: .ci/wine builds the stand-in DLLs with mingw-w64 and runs this under Wine", standInEnv)
		}
		copyFile(t, filepath.Join(dir, emucfg.DefaultCoreLib), core)
		copyFile(t, filepath.Join(dir, emucfg.DefaultRSP), rsp)
		return core
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler to build the stand-in core: %v", err)
	}
	for _, b := range []struct{ src, out string }{{"standin_core.c", core}, {"standin_rsp.c", rsp}} {
		out, err := exec.Command(cc, "-shared", "-fPIC", "-O2", "-o", b.out, filepath.Join("testdata", b.src)).CombinedOutput()
		if err != nil {
			t.Skipf("cannot build the stand-in %s: %v\n%s", b.src, err, out)
		}
	}
	return core
}

// libraryDir is a temporary folder for libraries a child process
// loaded. Wine refuses to delete a DLL for a moment after the process
// that mapped it ended, so removal is retried for a while.
func libraryDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "netpak-standin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("leaving %s: %v", dir, err)
	})
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.WriteFile(to, readBytes(t, from), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestStandInCore runs a netplay session against the stand-in core: the
// library must be found (on Windows without naming it: in an RMG layout
// in the current folder), loaded, configured and started with the
// bridge's host and port and the player's ports, then stopped and shut
// down in the core's order. The stand-in logs every call it gets.
func TestStandInCore(t *testing.T) {
	root := libraryDir(t)
	core := standInInstall(t, root)
	cfgDir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "core.log")
	logOnFailure(t, logPath)
	const port, regID = 45123, 0x5EED
	cfg := emucfg.Config{
		ROM: writeROM(t, 60), Headless: true, ConfigDir: cfgDir, LogPath: logPath,
		Settings:    []emucfg.Setting{{Section: "Core", Name: "CountPerOp", Type: "int", Value: "2"}},
		Cheats:      []emucfg.Cheat{{Name: "byte", Codes: []emucfg.CheatCode{{Addr: 0x80100040, Value: 0x00AB}}}},
		NetplayHost: "127.0.0.1", NetplayPort: port, Ports: []int{2, 4}, RegID: regID,
		DoneAddr: 0x10000C, ReportAddrs: []uint32{0x100000, 0x100004, 0x100008}, StopWhenDone: true,
	}
	if runtime.GOOS == "windows" {
		t.Chdir(root) // emucfg.Locate finds the install in the current folder
	} else {
		cfg.CoreLib, cfg.PluginDir, cfg.DataDir = core, filepath.Join(root, "Plugin"), filepath.Join(root, "Data")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := startChild(t, ctx, cfg)
	select {
	case <-p.Done():
	case <-p.Exited():
		t.Fatalf("stand-in ended before it was done: %v", p.Wait())
	case <-ctx.Done():
		t.Fatal("stand-in not done in time")
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got, want := p.DoneWords(), []uint32{0x4E45544B, 2, port}; !equalWords(got, want) {
		t.Errorf("done words %x, want %x (magic, players, netplay port)", got, want)
	}
	calls, err := os.ReadFile(filepath.Join(cfgDir, "standin.log"))
	if err != nil {
		t.Fatalf("the stand-in core left no log: %v", err)
	}
	sep := string(os.PathSeparator)
	wantCalls := []string{
		"startup api=0x20102 config=" + cfgDir + " data=" + filepath.Join(root, "Data"),
		"set Core/R4300Emulator int 2",
		"set Core/SaveSRAMPath string " + cfgDir + sep,
		"set Core/CountPerOp int 2",
		"rom open size=1048576 magic=80371240",
		"attach 2 dummy", "attach 3 dummy", "attach 4 dummy", "attach 1 plugin ok=1",
		"cheat byte n=1 first=80100040 00AB",
		"netplay version",
		"netplay init 127.0.0.1:45123",
		"netplay control player 2 regid=0x5eed",
		"netplay control player 4 regid=0x5eed",
		"frame callback set",
		"execute",
		"frame callback mi_intr_dp=1",
		"stop",
		"execute returns",
		"netplay close", "rom close", "detach 1", "shutdown",
	}
	checkInOrder(t, "stand-in calls", string(calls), wantCalls)
	log := readFile(logPath)
	checkInOrder(t, "emulator log", log, []string{
		"core info: standin core: debug callback works",
		"rsp info: standin rsp: core handle resolves CoreDoCommand",
	})
	if !strings.Contains(log, "this line must reach the log") {
		t.Errorf("the core's stdout did not reach the log:\n%s", log)
	}
}

func equalWords(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkInOrder reports the first of want that text lacks after the
// previous one.
func checkInOrder(t *testing.T, what, text string, want []string) {
	t.Helper()
	rest := text
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s: missing %q after the earlier ones:\n%s", what, w, text)
			return
		}
		rest = rest[i+len(w):]
	}
}
