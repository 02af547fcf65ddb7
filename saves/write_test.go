package saves_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/saves"
)

// TestRoundTripAcrossEmulators writes a save set in one emulator's
// convention, reads it back, writes what was read in another emulator's
// convention and reads that: every hash must survive.
func TestRoundTripAcrossEmulators(t *testing.T) {
	g := testGame(t, "THE LEGEND OF ZELDA", ootGoodName)
	for _, eep := range []int{512, 2048} {
		want := fullSet(uint64(eep), eep)
		want[saves.Mempak4] = saves.Component{Kind: saves.Mempak4} // no pak 4
		for _, from := range allEmulators {
			targets := allEmulators
			if eep == 2048 {
				targets = []saves.Emulator{saves.PJ64v3} // the full matrix runs once; fsyncs are slow
			}
			for _, to := range targets {
				t.Run(fmt.Sprintf("eep%d/%v->%v", eep, from, to), func(t *testing.T) {
					t.Parallel()
					roundTrip(t, g, want, from, to)
				})
			}
		}
	}
}

func roundTrip(t *testing.T, g saves.Game, want saves.Set, from, to saves.Emulator) {
	src := saves.Store{Dir: t.TempDir(), Emulator: from, Game: g, Now: fixedNow}
	if _, err := src.Write(want[:]...); err != nil {
		t.Fatalf("write %v: %v", from, err)
	}
	mid, err := src.Read()
	if err != nil {
		t.Fatalf("read %v: %v", from, err)
	}
	dst := saves.Store{Dir: t.TempDir(), Emulator: to, Game: g, Now: fixedNow}
	if _, err := dst.Write(mid[:]...); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Read()
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if got[k].Hash() != want[k].Hash() {
			t.Errorf("%v differs", saves.Kind(k))
		}
	}
}

// TestWriteFileFormats checks the bytes on disk, not just the round trip.
func TestWriteFileFormats(t *testing.T) {
	g := testGame(t, "SUPER TEST", "Super Test (U)")
	set := fullSet(9, 512)
	dir := t.TempDir()
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v2, Game: g, Now: fixedNow}
	if _, err := st.Write(set[:]...); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "SUPER TEST.sra")); !bytes.Equal(got, le32(set[saves.SRAM].Data)) {
		t.Error(".sra is not 32 KiB of little-endian words")
	}
	if got := readFile(t, filepath.Join(dir, "SUPER TEST.eep")); !bytes.Equal(got, set[saves.EEPROM].Data) {
		t.Error(".eep is not the plain 512 bytes")
	}
	if got := readFile(t, filepath.Join(dir, "SUPER TEST_Cont_3.mpk")); !bytes.Equal(got, set[saves.Mempak3].Data) {
		t.Error("_Cont_3.mpk is not pak 3")
	}
	mdir := t.TempDir()
	mst := saves.Store{Dir: mdir, Emulator: saves.Mupen64Plus, Game: g, Now: fixedNow}
	if _, err := mst.Write(set[:]...); err != nil {
		t.Fatal(err)
	}
	mpk := readFile(t, filepath.Join(mdir, "Super Test (U)-"+g.ROM.MD5Hex()[:8]+".mpk"))
	if len(mpk) != 4*saves.MempakSize || !bytes.Equal(mpk[saves.MempakSize:2*saves.MempakSize], set[saves.Mempak2].Data) {
		t.Error(".mpk is not four paks in a row")
	}
	rdir := t.TempDir()
	rst := saves.Store{Dir: rdir, Emulator: saves.RetroArch, Game: g, Now: fixedNow}
	if _, err := rst.Write(set[:]...); err != nil {
		t.Fatal(err)
	}
	if srm := readFile(t, filepath.Join(rdir, g.ContentName+".srm")); len(srm) != 0x48800 {
		t.Errorf(".srm of %d bytes, want 0x48800", len(srm))
	}
}

func TestWriteKeepsBackups(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	dir := t.TempDir()
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v2, Game: g, Now: fixedNow}
	path := filepath.Join(dir, "SUPER TEST.sra")
	versions := [][]byte{randomBytes(1, saves.SRAMSize), randomBytes(2, saves.SRAMSize), randomBytes(3, saves.SRAMSize)}
	var backups []string
	for i, v := range versions {
		ch, err := st.Write(saves.Component{Kind: saves.SRAM, Data: v})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch) != 1 || ch[0].Path != path {
			t.Fatalf("write %d: changes %+v", i, ch)
		}
		if i == 0 && ch[0].Backup != "" {
			t.Errorf("first write made backup %q of nothing", ch[0].Backup)
		}
		if i > 0 {
			backups = append(backups, ch[0].Backup)
			if got := readFile(t, ch[0].Backup); !bytes.Equal(got, le32(versions[i-1])) {
				t.Errorf("backup %d does not hold the previous bytes", i)
			}
		}
	}
	wantNames := []string{"SUPER TEST.sra.20261121-103000.000.bak", "SUPER TEST.sra.20261121-103000.000-1.bak"}
	for i, b := range backups {
		if filepath.Base(b) != wantNames[i] {
			t.Errorf("backup %d named %q, want %q", i, filepath.Base(b), wantNames[i])
		}
	}
	// An absent SRAM removes the file, keeping it as a backup.
	ch, err := st.Write(saves.Component{Kind: saves.SRAM})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) || len(ch) != 1 || !ch[0].Removed {
		t.Fatalf("absent SRAM: stat %v, changes %+v", err, ch)
	}
	if got := readFile(t, ch[0].Backup); !bytes.Equal(got, le32(versions[2])) {
		t.Error("removed file's backup lost the bytes")
	}
	set, err := st.Read()
	if err != nil || set[saves.SRAM].Present() {
		t.Errorf("after removal: %v, present %v", err, set[saves.SRAM].Present())
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".netpak-*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteOnePakKeepsTheOthers(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	for _, em := range []saves.Emulator{saves.Mupen64Plus, saves.PJ64v1, saves.RetroArch} {
		t.Run(em.String(), func(t *testing.T) {
			st := saves.Store{Dir: t.TempDir(), Emulator: em, Game: g, Now: fixedNow}
			set := fullSet(11, 2048)
			if _, err := st.Write(set[:]...); err != nil {
				t.Fatal(err)
			}
			newPak := saves.Component{Kind: saves.Mempak2, Data: randomBytes(99, saves.MempakSize)}
			ch, err := st.Write(newPak)
			if err != nil || len(ch) != 1 || ch[0].Backup == "" {
				t.Fatalf("write pak 2: %v %+v", err, ch)
			}
			got, err := st.Read()
			if err != nil {
				t.Fatal(err)
			}
			set[saves.Mempak2] = newPak
			for k := range got {
				if got[k].Hash() != set[k].Hash() {
					t.Errorf("%v changed", saves.Kind(k))
				}
			}
		})
	}
}

// TestWriteRefusesBadDataWithoutChanges: a received save bigger than its
// type allows fails the whole write before any file is touched.
func TestWriteRefusesBadDataWithoutChanges(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	dir := t.TempDir()
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v3, Game: g, Now: fixedNow}
	set := fullSet(5, 512)
	if _, err := st.Write(set[:]...); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	_, err := st.Write(
		saves.Component{Kind: saves.EEPROM, Data: randomBytes(6, 512)},
		saves.Component{Kind: saves.SRAM, Data: randomBytes(6, 4*saves.SRAMSize)},
	)
	if !errors.Is(err, saves.ErrTooLarge) {
		t.Fatalf("Write: %v, want ErrTooLarge", err)
	}
	if after := snapshot(t, dir); !maps(before, after) {
		t.Error("a refused write changed files")
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestInterruptedWriteLosesNothing simulates netpak killed after the backup
// link and before the rename (a stray temp file and a backup exist): the
// save still reads as the old bytes and the next write succeeds.
func TestInterruptedWriteLosesNothing(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	dir := t.TempDir()
	st := saves.Store{Dir: dir, Emulator: saves.PJ64v2, Game: g, Now: fixedNow}
	old := saves.Component{Kind: saves.SRAM, Data: randomBytes(1, saves.SRAMSize)}
	if _, err := st.Write(old); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "SUPER TEST.sra")
	writeFile(t, filepath.Join(dir, ".netpak-123.tmp"), randomBytes(2, 100))
	if err := os.Link(path, path+".20261121-103000.000.bak"); err != nil {
		t.Fatal(err)
	}
	set, err := st.Read()
	if err != nil || set[saves.SRAM].Hash() != old.Hash() {
		t.Fatalf("after interruption: %v", err)
	}
	ch, err := st.Write(saves.Component{Kind: saves.SRAM, Data: randomBytes(3, saves.SRAMSize)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ch[0].Backup, "-1.bak") || !bytes.Equal(readFile(t, ch[0].Backup), le32(old.Data)) {
		t.Errorf("backup %q after an interrupted write", ch[0].Backup)
	}
}

func TestReplaceFileCreatesFolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "x.eep")
	backup, err := saves.ReplaceFile(path, []byte("new"), time.Unix(0, 0))
	if err != nil || backup != "" {
		t.Fatalf("ReplaceFile: %q, %v", backup, err)
	}
	if got := readFile(t, path); string(got) != "new" {
		t.Errorf("contents %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"x.eep"}) {
		t.Errorf("folder holds %v", names)
	}
}

// TestWriteKeepsBoundedBackups: a host that pushes saves without end leaves
// at most MaxBackups+1 backups per file. The oldest, the player's own save
// from before any push, is never removed, whatever the clock does; the
// newest previous versions are kept.
func TestWriteKeepsBoundedBackups(t *testing.T) {
	g := testGame(t, "SUPER TEST", "")
	start := fixedNow()
	for _, tc := range []struct {
		name string
		now  func(i int) time.Time
	}{
		{"same millisecond", func(int) time.Time { return start }},
		{"clock runs", func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) }},
		{"clock runs back", func(i int) time.Time { return start.Add(-time.Duration(i) * time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			i := 0
			st := saves.Store{Dir: dir, Emulator: saves.PJ64v2, Game: g, Now: func() time.Time { return tc.now(i) }}
			path := filepath.Join(dir, "SUPER TEST.eep")
			own := randomBytes(1000, saves.EEPROM4KSize)
			writeFile(t, path, own)
			// Enough writes that the backups' try numbers (same
			// millisecond, clock runs back) go from one digit to three,
			// where a string sort would put -100 before -99.
			const writes = 110
			versions := make([][]byte, writes)
			for i = range writes {
				versions[i] = randomBytes(uint64(i), saves.EEPROM4KSize)
				ch, err := st.Write(saves.Component{Kind: saves.EEPROM, Data: versions[i]})
				if err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				if ch[0].Backup == "" {
					t.Fatalf("write %d made no backup", i)
				}
			}
			backups := backupFiles(t, dir)
			if len(backups) != saves.MaxBackups+1 {
				t.Fatalf("%d writes left %d backups, want %d: %v", writes, len(backups), saves.MaxBackups+1, backups)
			}
			if got := readFile(t, backups[0]); !bytes.Equal(got, own) {
				t.Error("the oldest backup is not the player's own save")
			}
			for j, b := range backups[1:] {
				want := versions[writes-1-saves.MaxBackups+j]
				if got := readFile(t, b); !bytes.Equal(got, want) {
					t.Errorf("backup %s does not hold version %d", filepath.Base(b), writes-1-saves.MaxBackups+j)
				}
			}
			if got := readFile(t, path); !bytes.Equal(got, versions[writes-1]) {
				t.Error("the save is not the last version written")
			}
			// Removing the save keeps it as a backup and prunes too.
			i++
			ch, err := st.Write(saves.Component{Kind: saves.EEPROM})
			if err != nil || len(ch) != 1 || !ch[0].Removed {
				t.Fatalf("remove: %+v, %v", ch, err)
			}
			backups = backupFiles(t, dir)
			if len(backups) != saves.MaxBackups+1 || !bytes.Equal(readFile(t, backups[0]), own) {
				t.Fatalf("after removal: %v", backups)
			}
			if last := backups[len(backups)-1]; last != ch[0].Backup || !bytes.Equal(readFile(t, last), versions[writes-1]) {
				t.Errorf("removal backup %s, newest %s", ch[0].Backup, last)
			}
			if left := tempFiles(t, dir); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// backupFiles returns the backups in dir in the order they were made: the
// names sort by time, then try number.
func backupFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.bak"))
	if err != nil {
		t.Fatal(err)
	}
	key := func(name string) string {
		stamp, try, _ := strings.Cut(strings.TrimSuffix(filepath.Base(name), ".bak")[len("SUPER TEST.eep."):], "-")
		return fmt.Sprintf("%s-%09s", stamp, try)
	}
	slices.SortFunc(m, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return m
}

// TestBackupsOfOtherFilesStay: pruning one file's backups leaves the
// backups of files whose names it starts with, and files that only look
// like backups.
func TestBackupsOfOtherFilesStay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.eep")
	others := []string{
		"x.eep.x.20261121-103000.000.bak", // backup of "x.eep.x"
		"x.eep.20261121-103000.000-01.bak",
		"x.eep.2026112a-103000.000.bak",
		"x.eep.20261121-103000.000.bak.txt",
	}
	for _, o := range others {
		writeFile(t, filepath.Join(dir, o), []byte("keep"))
	}
	for i := range 3 * saves.MaxBackups {
		if _, err := saves.ReplaceFile(path, []byte{byte(i)}, fixedNow()); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range others {
		if got := readFile(t, filepath.Join(dir, o)); string(got) != "keep" {
			t.Errorf("%s changed", o)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "x.eep.20261121-103000.000*.bak")); len(m) != saves.MaxBackups+2 {
		t.Errorf("backups %v, want %d of x.eep and one other", m, saves.MaxBackups+1)
	}
}
