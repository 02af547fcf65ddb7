package saves_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/netpak/netpak/saves"
)

// checkCanonical asserts the invariants every reader promises.
func checkCanonical(t *testing.T, c saves.Component) {
	t.Helper()
	if c.Present() {
		if err := c.Validate(); err != nil {
			t.Fatalf("reader produced an invalid component: %v", err)
		}
	}
	_ = c.Hash()
}

func FuzzEEPROMFromFile(f *testing.F) {
	f.Add(randomBytes(1, 512), 0)
	f.Add(randomBytes(1, 2048), 512)
	f.Add(bytes.Repeat([]byte{0xFF}, 600), 2048)
	f.Fuzz(func(t *testing.T, b []byte, nominal int) {
		checkCanonical(t, saves.EEPROMFromFile(b, nominal))
	})
}

func FuzzWordsFromFile(f *testing.F) {
	f.Add(randomBytes(1, 64), true)
	f.Add([]byte{1, 2, 3}, false)
	f.Fuzz(func(t *testing.T, b []byte, flash bool) {
		k := saves.SRAM
		if flash {
			k = saves.FlashRAM
		}
		c := saves.WordsFromFile(k, b)
		checkCanonical(t, c)
		if c.Kind != k {
			t.Fatalf("kind %v", c.Kind)
		}
	})
}

// srmFileSize is the size of a whole RetroArch .srm, the largest save file.
const srmFileSize = 0x48800

// fills are what withFill appends: a file's worth of data, of zeros and
// of 0xFF, the three things a region of a save file can hold.
var fills = [3][]byte{
	randomBytes(7, srmFileSize+1),
	make([]byte, srmFileSize+1),
	bytes.Repeat([]byte{0xFF}, srmFileSize+1),
}

// withFill returns b followed by n%(srmFileSize+2) bytes of fills[kind%3].
// The targets for files of several components take their input this way
// so that a few mutated bytes reach every region of files up to 290 KiB:
// the fuzzer mutates and minimizes raw inputs byte by byte, in time
// growing with the square of their length, and the 40 KiB and 132 KiB
// seeds stalled it.
func withFill(b []byte, n uint32, kind uint8) []byte {
	f := fills[kind%3]
	return append(b[:len(b):len(b)], f[:n%uint32(len(f)+1)]...)
}

func FuzzMempaksFromFile(f *testing.F) {
	f.Add(randomBytes(1, 100), uint32(0), uint8(0))
	f.Add([]byte{}, uint32(40000), uint8(1))
	f.Add(randomBytes(2, 10), uint32(4*saves.MempakSize), uint8(0))
	f.Add([]byte{0, 1}, uint32(8*saves.MempakSize), uint8(2))
	f.Fuzz(func(t *testing.T, head []byte, n uint32, kind uint8) {
		b := withFill(head, n, kind)
		for i, c := range saves.MempaksFromFile(b) {
			checkCanonical(t, c)
			if c.Kind != saves.Mempak1+saves.Kind(i) {
				t.Fatalf("pak %d kind %v", i, c.Kind)
			}
		}
		checkCanonical(t, saves.MempakFromFile(len(b)%4, b))
	})
}

func FuzzSRMFromFile(f *testing.F) {
	f.Add(randomBytes(1, 30), uint32(3000), uint8(0), 0)
	f.Add(randomBytes(2, 30), uint32(0x21000), uint8(0), 2048)
	f.Add([]byte{1}, uint32(srmFileSize), uint8(2), 512)
	f.Add([]byte{}, uint32(srmFileSize+1), uint8(1), 0)
	f.Fuzz(func(t *testing.T, head []byte, n uint32, kind uint8, nominal int) {
		s := saves.SRMFromFile(withFill(head, n, kind), nominal)
		for k, c := range s {
			checkCanonical(t, c)
			if c.Kind != saves.Kind(k) {
				t.Fatalf("slot %d holds %v", k, c.Kind)
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	good, _ := goldenManifest().MarshalBinary()
	f.Add(good)
	f.Add(good[:50])
	f.Add([]byte("NPM1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := saves.ParseManifest(b)
		if err != nil {
			if !errors.Is(err, saves.ErrBadManifest) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		out, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

func FuzzCheckFileName(f *testing.F) {
	f.Add("Super Mario 64 (U) [!]-635A2BFF.eep")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, name string) {
		if saves.CheckFileName(name) != nil {
			return
		}
		if strings.ContainsAny(name, `/\`) || name == ".." || name == "." {
			t.Fatalf("accepted %q", name)
		}
	})
}
