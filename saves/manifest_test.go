package saves_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/netpak/netpak/saves"
)

// goldenManifest has recognisable bytes: ROM hash 0x11…, save hashes 0xA0+k….
func goldenManifest() saves.Manifest {
	m := saves.Manifest{Family: saves.FamilyProject64, Cheats: "c1:ab12"}
	for i := range m.ROM {
		m.ROM[i] = 0x11
	}
	for k := range m.Saves {
		for i := range m.Saves[k] {
			m.Saves[k][i] = byte(0xA0 + k)
		}
	}
	return m
}

func TestManifestGolden(t *testing.T) {
	want := "4e504d31" + "02" + strings.Repeat("11", 32) + "07" +
		strings.Repeat("a0", 32) + strings.Repeat("a1", 32) + strings.Repeat("a2", 32) + strings.Repeat("a3", 32) +
		strings.Repeat("a4", 32) + strings.Repeat("a5", 32) + strings.Repeat("a6", 32) +
		"07" + hex.EncodeToString([]byte("c1:ab12"))
	b, err := goldenManifest().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding\n got %s\nwant %s", got, want)
	}
	m, err := saves.ParseManifest(b)
	if err != nil || m != goldenManifest() {
		t.Fatalf("round trip: %v, %+v", err, m)
	}
}

func TestManifestNoCheats(t *testing.T) {
	set := fullSet(1, 512)
	in := saves.NewManifest(saves.FamilyMupen64Plus, [32]byte{1}, &set, "")
	b, err := in.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var out saves.Manifest
	if err := out.UnmarshalBinary(b); err != nil || out != in {
		t.Fatalf("round trip: %v", err)
	}
}

func TestParseManifestErrors(t *testing.T) {
	good, _ := goldenManifest().MarshalBinary()
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", good[:100]},
		{"cut in cheats", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 'x')},
		{"wrong magic", mod(func(b []byte) []byte { b[3] = '2'; return b })},
		{"unknown family", mod(func(b []byte) []byte { b[4] = 9; return b })},
		{"wrong count", mod(func(b []byte) []byte { b[37] = 8; return b })},
		{"cheats length too long", mod(func(b []byte) []byte { b[38+7*32] = 200; return b })},
		{"cheats with a space", mod(func(b []byte) []byte { b[len(b)-2] = ' '; return b })},
		{"cheats with a newline", mod(func(b []byte) []byte { b[len(b)-1] = '\n'; return b })},
		{"over the size limit", make([]byte, saves.ManifestSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goldenManifest()
			err := m.UnmarshalBinary(tt.b)
			if !errors.Is(err, saves.ErrBadManifest) {
				t.Errorf("error %v, want ErrBadManifest", err)
			}
			if m != goldenManifest() {
				t.Error("failed UnmarshalBinary changed the manifest")
			}
		})
	}
	long := goldenManifest()
	long.Cheats = strings.Repeat("x", saves.MaxCheatsLen+1)
	if _, err := long.MarshalBinary(); !errors.Is(err, saves.ErrBadManifest) {
		t.Errorf("marshal of long cheats: %v", err)
	}
	max := goldenManifest()
	max.Cheats = strings.Repeat("x", saves.MaxCheatsLen)
	if b, err := max.MarshalBinary(); err != nil || len(b) != saves.ManifestSize {
		t.Errorf("largest manifest: %d bytes, %v; want %d", len(b), err, saves.ManifestSize)
	}
}

func TestCompare(t *testing.T) {
	host := fullSet(1, 512)
	host[saves.FlashRAM] = saves.Component{Kind: saves.FlashRAM}
	bob := host
	bob[saves.SRAM] = saves.Component{Kind: saves.SRAM, Data: randomBytes(50, saves.SRAMSize)}
	bob[saves.Mempak2] = saves.Component{Kind: saves.Mempak2}
	bob[saves.FlashRAM] = saves.Component{Kind: saves.FlashRAM, Data: randomBytes(3, saves.FlashRAMSize)}
	romHash := [32]byte{7}
	want := saves.NewManifest(saves.FamilyMupen64Plus, romHash, &host, "abc")
	tests := []struct {
		name string
		got  saves.Manifest
		want []string
	}{
		{"same", saves.NewManifest(saves.FamilyMupen64Plus, romHash, &host, "abc"), nil},
		{"saves and cheats", saves.NewManifest(saves.FamilyMupen64Plus, romHash, &bob, ""), []string{
			"SRAM: host has", "FlashRAM: host has none, player has", "Controller Pak 2: host has", "cheats: host has abc, player has none"}},
		{"rom and family", saves.NewManifest(saves.FamilyRetroArch, [32]byte{8}, &host, "abc"), []string{
			"emulator: host has mupen64plus, player has retroarch", "ROM: host has 07000000, player has 08000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs := saves.Compare(want, tt.got)
			if len(diffs) != len(tt.want) {
				t.Fatalf("differences %v, want %d", diffs, len(tt.want))
			}
			for i, d := range diffs {
				if !strings.HasPrefix(d.String(), tt.want[i]) {
					t.Errorf("difference %d = %q, want prefix %q", i, d, tt.want[i])
				}
			}
		})
	}
	diffs := saves.Compare(want, saves.NewManifest(saves.FamilyMupen64Plus, romHash, &bob, "abc"))
	if k, ok := diffs[len(diffs)-1].Item.Kind(); !ok || k != saves.Mempak2 || !strings.HasSuffix(diffs[len(diffs)-1].String(), "player has none") {
		t.Errorf("last difference %v", diffs[len(diffs)-1])
	}
}

func TestCheckFileName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"Super Mario 64 (U) [!]-635A2BFF.eep", true},
		{"Pokemon: Stadium (U)-12345678.sra", true},
		{"ZELDA;OOT.sra", true},
		{"...srm", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../escape.eep", false},
		{"a/b.eep", false},
		{`a\b.eep`, false},
		{"nul\x00.eep", false},
		{"tab\t.eep", false},
		{strings.Repeat("x", 256), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := saves.CheckFileName(tt.name)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, saves.ErrUnsafeName)) {
				t.Errorf("CheckFileName(%q) = %v, want ok %v", tt.name, err, tt.ok)
			}
		})
	}
}
