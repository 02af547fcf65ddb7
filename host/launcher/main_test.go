package launcher

import (
	"os"
	"testing"
)

// TestMain turns the test binary into the emulator child when Start runs
// it, so the tests exercise the real parent-child path.
func TestMain(m *testing.M) {
	if os.Getenv(ChildEnv) == "1" {
		os.Exit(ChildMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}
