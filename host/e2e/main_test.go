package e2e

import (
	"os"
	"testing"

	"github.com/netpak/netpak/host/launcher"
)

// TestMain turns the test binary into an emulator child when the
// launcher starts it, so every core runs in its own process.
func TestMain(m *testing.M) {
	if os.Getenv(launcher.ChildEnv) == "1" {
		os.Exit(launcher.ChildMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}
