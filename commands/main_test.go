package commands

import (
	"os"
	"testing"

	"github.com/netpak/netpak/host/launcher"
)

// TestMain turns the test binary into the emulator child when a Session
// starts one, as netpak's main does, so the tests run the real path.
func TestMain(m *testing.M) {
	if os.Getenv(launcher.ChildEnv) == "1" {
		os.Exit(launcher.ChildMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}
