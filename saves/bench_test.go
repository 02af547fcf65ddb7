package saves_test

import (
	"testing"

	"github.com/netpak/netpak/saves"
)

// BenchmarkReadSet reads a full mupen64plus save set (eep, sra, fla, mpk)
// into canonical form and hashes it: the work of one manifest.
func BenchmarkReadSet(b *testing.B) {
	g := testGame(b, "SUPER TEST", "Super Test (U)")
	st := saves.Store{Dir: b.TempDir(), Emulator: saves.Mupen64Plus, Game: g, Now: fixedNow}
	set := fullSet(1, 512)
	if _, err := st.Write(set[:]...); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(512 + saves.SRAMSize + saves.FlashRAMSize + 4*saves.MempakSize)
	for b.Loop() {
		got, err := st.Read()
		if err != nil {
			b.Fatal(err)
		}
		saves.SetHash(got.Hashes())
	}
}
