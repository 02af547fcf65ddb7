package lobby_test

import (
	"testing"

	"github.com/netpak/netpak/host/lobby"
)

// FuzzIsDiscovery: only the one-byte request is a discovery.
func FuzzIsDiscovery(f *testing.F) {
	f.Add([]byte{1})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if lobby.IsDiscovery(b) != (len(b) == 1 && b[0] == 1) {
			t.Fatalf("IsDiscovery(%x) is wrong", b)
		}
	})
}
