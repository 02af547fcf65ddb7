package saves_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netpak/netpak/saves"
	"github.com/netpak/netpak/saves/rom"
	"github.com/netpak/netpak/saves/rom/romtest"
)

// testGame builds a small .v64 ROM: the saves code needs its header and
// hashes, not a verifiable CRC, and small images keep the tests fast.
func testGame(t testing.TB, name, goodName string) saves.Game {
	t.Helper()
	r, err := rom.Parse(romtest.Build(romtest.Options{Size: 0x2000, Name: name, Order: rom.OrderV64}))
	if err != nil {
		t.Fatal(err)
	}
	return saves.Game{ROM: r, GoodName: goodName, ContentName: "My Game (U)"}
}

// randomBytes returns n bytes that are neither all 0x00 nor all 0xFF.
func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// fullSet returns a canonical set with every component present.
func fullSet(seed uint64, eepSize int) saves.Set {
	var s saves.Set
	sizes := []int{eepSize, saves.SRAMSize, saves.FlashRAMSize,
		saves.MempakSize, saves.MempakSize, saves.MempakSize, saves.MempakSize}
	for k := range s {
		s[k] = saves.Component{Kind: saves.Kind(k), Data: randomBytes(seed+uint64(k), sizes[k])}
	}
	return s
}

// le32 converts canonical big-endian words to the files' little-endian words.
func le32(b []byte) []byte {
	out := bytes.Clone(b)
	for i := 0; i+3 < len(out); i += 4 {
		out[i], out[i+1], out[i+2], out[i+3] = out[i+3], out[i+2], out[i+1], out[i]
	}
	return out
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixedNow is the clock of every store in the tests.
func fixedNow() time.Time { return time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC) }

var allEmulators = []saves.Emulator{
	saves.Mupen64Plus, saves.Mupen64PlusDebian, saves.Mupen64PlusLegacy,
	saves.PJ64v1, saves.PJ64v2, saves.PJ64v3, saves.RetroArch,
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
