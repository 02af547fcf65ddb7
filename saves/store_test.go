package saves_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpak/netpak/saves"
)

const ootGoodName = "Legend of Zelda, The - Ocarina of Time (U) (V1.0) [!]"

func TestLocateNames(t *testing.T) {
	oot := testGame(t, "THE LEGEND OF ZELDA", ootGoodName)
	colon := testGame(t, "POKEMON STADIUM", "Pokemon: Stadium (U)")
	unknown := testGame(t, "NETPAK TEST", "")
	empty := testGame(t, strings.Repeat(" ", 20), "")
	slashed := testGame(t, "A/B:C", "")
	md5 := func(g saves.Game) string { return g.ROM.MD5Hex()[:8] }
	tests := []struct {
		name string
		em   saves.Emulator
		game saves.Game
		want []string // relative paths, in Locate order
	}{
		{"mupen 2.6 goodname cut to 32 bytes", saves.Mupen64Plus, oot, []string{
			"Legend of Zelda, The - Ocarina o-" + md5(oot) + ".eep", "Legend of Zelda, The - Ocarina o-" + md5(oot) + ".sra",
			"Legend of Zelda, The - Ocarina o-" + md5(oot) + ".fla", "Legend of Zelda, The - Ocarina o-" + md5(oot) + ".mpk"}},
		{"mupen 2.6 sanitises", saves.Mupen64Plus, colon, []string{"Pokemon_ Stadium (U)-" + md5(colon) + ".eep"}},
		{"mupen debian does not sanitise", saves.Mupen64PlusDebian, colon, []string{"Pokemon: Stadium (U)-" + md5(colon) + ".eep"}},
		{"mupen unknown rom", saves.Mupen64Plus, unknown, []string{"NETPAK TEST-" + md5(unknown) + ".eep"}},
		{"mupen empty header", saves.Mupen64Plus, empty, []string{"unknown-" + md5(empty) + ".eep"}},
		{"mupen legacy goodname", saves.Mupen64PlusLegacy, oot, []string{ootGoodName + ".eep"}},
		{"mupen legacy unknown rom", saves.Mupen64PlusLegacy, unknown, []string{"NETPAK TEST (unknown rom).eep"}},
		{"pj64 1.6", saves.PJ64v1, oot, []string{
			"THE LEGEND OF ZELDA.eep", "THE LEGEND OF ZELDA.sra", "THE LEGEND OF ZELDA.fla", "THE LEGEND OF ZELDA.mpk"}},
		{"pj64 1.6 empty header uses file name", saves.PJ64v1, empty, []string{"My Game (U).eep"}},
		{"pj64 2", saves.PJ64v2, oot, []string{
			"THE LEGEND OF ZELDA.eep", "THE LEGEND OF ZELDA.sra", "THE LEGEND OF ZELDA.fla",
			"THE LEGEND OF ZELDA_Cont_1.mpk", "THE LEGEND OF ZELDA_Cont_2.mpk",
			"THE LEGEND OF ZELDA_Cont_3.mpk", "THE LEGEND OF ZELDA_Cont_4.mpk"}},
		{"pj64 3 per-game folder", saves.PJ64v3, oot, []string{
			"THE LEGEND OF ZELDA-" + oot.ROM.PJ64MD5Hex() + "/THE LEGEND OF ZELDA.eep"}},
		{"pj64 3 cleans the name", saves.PJ64v3, slashed, []string{
			"A-B;C-" + slashed.ROM.PJ64MD5Hex() + "/A-B;C.eep"}},
		{"retroarch", saves.RetroArch, oot, []string{"My Game (U).srm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st := saves.Store{Dir: dir, Emulator: tt.em, Game: tt.game}
			files, err := st.Locate()
			if err != nil {
				t.Fatal(err)
			}
			if len(files) < len(tt.want) {
				t.Fatalf("%d files, want at least %d", len(files), len(tt.want))
			}
			for i, w := range tt.want {
				if got := files[i].Path; got != filepath.Join(dir, filepath.FromSlash(w)) || files[i].Exists {
					t.Errorf("file %d: %q (exists %v), want %q", i, got, files[i].Exists, w)
				}
			}
		})
	}
}

func TestLocateUnsafeNames(t *testing.T) {
	evil := testGame(t, "../../etc/passwd", "")
	tests := []struct {
		name string
		em   saves.Emulator
		game saves.Game
	}{
		{"pj64 1.6 header with slashes", saves.PJ64v1, evil},
		{"mupen debian goodname with slashes", saves.Mupen64PlusDebian, testGame(t, "X", "../../../evil")},
		{"mupen legacy", saves.Mupen64PlusLegacy, testGame(t, "X", "a/../../b")},
		{"retroarch content name", saves.RetroArch, saves.Game{ROM: evil.ROM, ContentName: "../x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st := saves.Store{Dir: dir, Emulator: tt.em, Game: tt.game}
			if _, err := st.Locate(); !errors.Is(err, saves.ErrUnsafeName) {
				t.Errorf("Locate: %v, want ErrUnsafeName", err)
			}
			set := fullSet(1, 512)
			if _, err := st.Write(set[:]...); !errors.Is(err, saves.ErrUnsafeName) {
				t.Errorf("Write: %v, want ErrUnsafeName", err)
			}
		})
	}
	// The sanitising conventions turn the same header into a safe name.
	for _, em := range []saves.Emulator{saves.Mupen64Plus, saves.PJ64v3} {
		st := saves.Store{Dir: t.TempDir(), Emulator: em, Game: evil}
		if _, err := st.Locate(); err != nil {
			t.Errorf("%v: %v", em, err)
		}
	}
}

// fixtureFiles lays out set by hand the way emulator em stores it, with the
// quirks of each: Project64 cuts files after the last written byte and
// 1.6 doubles its mempak file; RetroArch packs everything in one .srm.
func fixtureFiles(t *testing.T, em saves.Emulator, dir string, g saves.Game, set saves.Set) {
	md5 := g.ROM.MD5Hex()[:8]
	paks := func() []byte {
		var b []byte
		for i := range 4 {
			b = append(b, set[saves.Mempak1+saves.Kind(i)].Data...)
		}
		return b
	}
	eep, sra, fla := set[saves.EEPROM].Data, le32(set[saves.SRAM].Data), le32(set[saves.FlashRAM].Data)
	pj64Cut := func(b []byte) []byte { // bytes.TrimRight takes UTF-8 cutsets, 0xFF is none
		n := len(b)
		for n > 0 && b[n-1] == 0xFF {
			n--
		}
		return b[:n]
	}
	switch em {
	case saves.Mupen64Plus, saves.Mupen64PlusDebian, saves.Mupen64PlusLegacy:
		base := filepath.Join(dir, strings.ReplaceAll(g.GoodName, ":", "_")[:32]+"-"+md5)
		if em == saves.Mupen64PlusLegacy {
			base = filepath.Join(dir, g.GoodName)
		}
		writeFile(t, base+".eep", eep)
		writeFile(t, base+".sra", sra)
		writeFile(t, base+".fla", fla)
		writeFile(t, base+".mpk", paks())
	case saves.PJ64v1, saves.PJ64v2, saves.PJ64v3:
		base := filepath.Join(dir, g.ROM.Header.Name())
		if em == saves.PJ64v3 {
			base = filepath.Join(dir, g.ROM.Header.Name()+"-"+g.ROM.PJ64MD5Hex(), g.ROM.Header.Name())
		}
		writeFile(t, base+".eep", pj64Cut(eep))
		writeFile(t, base+".sra", pj64Cut(sra))
		writeFile(t, base+".fla", pj64Cut(fla))
		if em == saves.PJ64v1 {
			writeFile(t, base+".mpk", append(paks(), paks()...))
			return
		}
		for i := range 4 {
			writeFile(t, base+"_Cont_"+string(rune('1'+i))+".mpk", set[saves.Mempak1+saves.Kind(i)].Data)
		}
	case saves.RetroArch:
		srm := bytes.Repeat([]byte{0xFF}, 0x800)
		copy(srm, eep)
		srm = append(srm, paks()...)
		srm = append(srm, sra...)
		srm = append(srm, fla...)
		writeFile(t, filepath.Join(dir, retroarchSub, g.ContentName+".srm"), srm)
	}
}

// retroarchSub puts the RetroArch fixture in the "sort saves by core" folder.
const retroarchSub = "Mupen64Plus-Next"

func TestReadFixtures(t *testing.T) {
	g := testGame(t, "THE LEGEND OF ZELDA", ootGoodName)
	g.EEPROMSize = 512
	want := fullSet(7, 512)
	// Erased tails that Project64 would not have written.
	for _, k := range []saves.Kind{saves.SRAM, saves.FlashRAM} {
		d := want[k].Data
		for i := len(d) - 4096; i < len(d); i++ {
			d[i] = 0xFF
		}
	}
	want[saves.Mempak3] = saves.Component{Kind: saves.Mempak3} // pak never used
	want[saves.Mempak3].Data = nil
	for _, em := range allEmulators {
		t.Run(em.String(), func(t *testing.T) {
			dir := t.TempDir()
			fix := want
			fix[saves.Mempak3].Data = make([]byte, saves.MempakSize) // zeros on disk
			fixtureFiles(t, em, dir, g, fix)
			st := saves.Store{Dir: dir, Emulator: em, Game: g}
			got, err := st.Read()
			if err != nil {
				t.Fatal(err)
			}
			for k := range got {
				if got[k].Hash() != want[k].Hash() {
					t.Errorf("%v: hash differs (present %v, %d bytes, path %q)", saves.Kind(k), got[k].Present(), len(got[k].Data), got[k].Path)
				}
			}
			if saves.SetHash(got.Hashes()) != saves.SetHash(want.Hashes()) {
				t.Error("set hash differs")
			}
		})
	}
}

func TestMupenPrefersNonEmptyLegacyFile(t *testing.T) {
	g := testGame(t, "THE LEGEND OF ZELDA", ootGoodName)
	newName := "Legend of Zelda, The - Ocarina o-" + g.ROM.MD5Hex()[:8] + ".eep"
	legacy, current := randomBytes(1, 512), randomBytes(2, 512)
	tests := []struct {
		name       string
		legacyFile []byte
		want       []byte
	}{
		{"legacy non-empty wins", legacy, legacy},
		{"empty legacy ignored", []byte{}, current},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, ootGoodName+".eep"), tt.legacyFile)
			writeFile(t, filepath.Join(dir, newName), current)
			st := saves.Store{Dir: dir, Emulator: saves.Mupen64Plus, Game: g}
			set, err := st.Read()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(set[saves.EEPROM].Data, tt.want) {
				t.Errorf("read %s", set[saves.EEPROM].Path)
			}
		})
	}
}

func TestPJ64v3FallsBackToSaveFolder(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	dir := t.TempDir()
	data := randomBytes(3, 512)
	writeFile(t, filepath.Join(dir, "SUPER TEST.eep"), data) // "Unique Game Dir" off
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v3, Game: g}
	set, err := st.Read()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(set[saves.EEPROM].Data, data) {
		t.Error("eep in the Save folder itself not found")
	}
}

func TestReadRefusesHugeFile(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "SUPER TEST.eep"), make([]byte, 10000))
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v2, Game: g}
	if _, err := st.Read(); !errors.Is(err, saves.ErrTooLarge) {
		t.Errorf("Read: %v, want ErrTooLarge", err)
	}
}

func TestDefaultDir(t *testing.T) {
	if os.PathSeparator != '/' {
		t.Skip("unix folders")
	}
	t.Setenv("XDG_DATA_HOME", "/data")
	t.Setenv("XDG_CONFIG_HOME", "/config")
	tests := []struct {
		em   saves.Emulator
		want string
		err  error
	}{
		{saves.Mupen64Plus, "/data/mupen64plus/save", nil},
		{saves.Mupen64PlusDebian, "/data/mupen64plus/save", nil},
		{saves.RetroArch, "/config/retroarch/saves", nil},
		{saves.PJ64v3, "", saves.ErrNoDefaultDir},
		{0, "", saves.ErrUnknownEmulator},
	}
	for _, tt := range tests {
		t.Run(tt.em.String(), func(t *testing.T) {
			got, err := saves.DefaultDir(tt.em)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("DefaultDir = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseEmulator(t *testing.T) {
	for _, em := range allEmulators {
		got, err := saves.ParseEmulator(em.String())
		if err != nil || got != em {
			t.Errorf("ParseEmulator(%q) = %v, %v", em.String(), got, err)
		}
	}
	if _, err := saves.ParseEmulator("zsnes"); !errors.Is(err, saves.ErrUnknownEmulator) {
		t.Errorf("ParseEmulator(zsnes): %v", err)
	}
}
