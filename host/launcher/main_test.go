package launcher

import (
	"os"
	"strings"
	"testing"

	"github.com/netpak/netpak/host/launcher/corechild"
)

// TestMain turns the test binary into the emulator child when Start runs
// it, so the tests exercise the real parent-child path.
func TestMain(m *testing.M) {
	if os.Getenv(ChildEnv) == "1" {
		os.Exit(corechild.Main(os.Args[1:]))
	}
	quickChildExit()
	os.Exit(m.Run())
}

// quickChildExit lets this binary's children, -race builds of it like
// itself, exit at once: the race runtime otherwise sleeps atexit_sleep_ms
// (1 s) at every exit so that other threads can finish a report, and the
// tests wait for each child to exit. A race a child hits while it runs is
// still reported and still fails its exit status. An explicit
// atexit_sleep_ms in GORACE is kept.
func quickChildExit() {
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
}
