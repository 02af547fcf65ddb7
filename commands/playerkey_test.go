package commands

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The player key is made once and read back the same; a damaged file is
// replaced; netpaks that start at once agree on one key.
func TestLoadOrCreatePlayerKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "netpak")
	key, err := LoadOrCreatePlayerKey(dir)
	if err != nil || key == [16]byte{} {
		t.Fatalf("first key: %x, %v", key, err)
	}
	if again, err := LoadOrCreatePlayerKey(dir); err != nil || again != key {
		t.Errorf("read again: %x, %v; want %x", again, err, key)
	}
	path := filepath.Join(dir, PlayerKeyFile)
	if fi, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}

	for _, damaged := range []string{"", "not hex at all, not hex at all!!", "00000000000000000000000000000000\n", hex.EncodeToString(key[:]) + "ff"} {
		if err := os.WriteFile(path, []byte(damaged), 0o600); err != nil {
			t.Fatal(err)
		}
		fresh, err := LoadOrCreatePlayerKey(dir)
		if err != nil || fresh == [16]byte{} || fresh == key {
			t.Errorf("over %q: %x, %v; want a new key", damaged, fresh, err)
		}
		if again, _ := LoadOrCreatePlayerKey(dir); again != fresh {
			t.Errorf("over %q: kept %x, then read %x", damaged, fresh, again)
		}
	}

	racing := filepath.Join(t.TempDir(), "netpak")
	keys := make([][16]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			var err error
			if keys[i], err = LoadOrCreatePlayerKey(racing); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k != keys[0] {
			t.Errorf("netpak %d got %x, netpak 0 %x", i, k, keys[0])
		}
	}
	if left, _ := filepath.Glob(filepath.Join(racing, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
