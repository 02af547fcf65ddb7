package commands

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
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

	// Damaged files, as a crash long ago left them, are replaced.
	old := time.Now().Add(-time.Hour)
	for _, damaged := range []string{"", "not hex at all, not hex at all!!", "00000000000000000000000000000000\n", hex.EncodeToString(key[:]) + "ff"} {
		if err := os.WriteFile(path, []byte(damaged), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, old, old)
		fresh, err := LoadOrCreatePlayerKey(dir)
		if err != nil || fresh == [16]byte{} || fresh == key {
			t.Errorf("over %q: %x, %v; want a new key", damaged, fresh, err)
		}
		if again, _ := LoadOrCreatePlayerKey(dir); again != fresh {
			t.Errorf("over %q: kept %x, then read %x", damaged, fresh, again)
		}
	}
}

// Netpaks that start at once, with no key yet, agree on one; one that
// finds a key file another is still writing waits for it.
func TestPlayerKeyRace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "netpak")
	keys := make([][16]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			var err error
			if keys[i], err = LoadOrCreatePlayerKey(dir); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k != keys[0] || k == [16]byte{} {
			t.Errorf("netpak %d got %x, netpak 0 %x", i, k, keys[0])
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in netpak's folder, want the key alone", len(entries))
	}

	path := filepath.Join(dir, PlayerKeyFile)
	if err := os.WriteFile(path, nil, 0o600); err != nil { // made, not written yet
		t.Fatal(err)
	}
	want := [16]byte{0: 0xaa, 15: 0x55}
	time.AfterFunc(100*time.Millisecond, func() { os.WriteFile(path, []byte(hex.EncodeToString(want[:])+"\n"), 0o600) })
	if got, err := LoadOrCreatePlayerKey(dir); got != want || err != nil {
		t.Errorf("with a key being written: %x, %v; want the one written, %x", got, err, want)
	}
}

// A key file's contents either parse to a key that writes back as the same
// hex, or are refused; nothing panics.
func FuzzParsePlayerKey(f *testing.F) {
	f.Add([]byte("00112233445566778899aabbccddeeff\n"))
	f.Add([]byte(" 0011223344556677889900112233445566 "))
	f.Add([]byte("00000000000000000000000000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, ok := parsePlayerKey(b)
		if !ok {
			if key != [16]byte{} {
				t.Fatalf("refused %q, yet gave key %x", b, key)
			}
			return
		}
		if key == [16]byte{} || !strings.EqualFold(hex.EncodeToString(key[:]), strings.TrimSpace(string(b))) {
			t.Fatalf("%q parsed to %x", b, key)
		}
	})
}
