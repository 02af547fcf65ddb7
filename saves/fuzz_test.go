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

func FuzzMempaksFromFile(f *testing.F) {
	f.Add(randomBytes(1, 100))
	f.Add(make([]byte, 40000))
	f.Fuzz(func(t *testing.T, b []byte) {
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
	f.Add(randomBytes(1, 3000), 0)
	f.Add(randomBytes(2, 0x21000), 2048)
	f.Fuzz(func(t *testing.T, b []byte, nominal int) {
		s := saves.SRMFromFile(b, nominal)
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
