package check_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/saves"
)

// full is the manifest of a player with a ROM: family, ROM, saves
// (every one absent but EEPROM) and cheats.
func full(rom, eeprom byte, cheats string) *check.Manifest {
	m := saves.Manifest{Family: saves.FamilyMupen64Plus, ROM: [32]byte{rom}, Cheats: cheats}
	for k := range saves.NumKinds {
		m.Saves[k] = saves.AbsentHash(k)
	}
	m.Saves[saves.EEPROM] = [32]byte{eeprom}
	return &check.Manifest{M: m}
}

// savesOnly is what a direct core's uploads tell, as the host builds it:
// mupen64plus, no ROM hash, its saves.
func savesOnly(eeprom byte) *check.Manifest {
	mf := full(0, eeprom, "")
	mf.SavesOnly = true
	return mf
}

// noROM is a player without a ROM: the zero manifest.
func noROM() *check.Manifest { return &check.Manifest{} }

func items(ds []saves.Difference) []saves.Item {
	var out []saves.Item
	for _, d := range ds {
		out = append(out, d.Item)
	}
	return out
}

func TestPlayersReference(t *testing.T) {
	mf := full(1, 1, "")
	tests := []struct {
		name    string
		players []check.Player
		want    uint16 // Ref.ID; 0 for none
	}{
		{"no players", nil, 0},
		{"only skipped", []check.Player{{ID: 1, Port: 0, Skip: true, MF: mf}}, 0},
		{"host on a high port", []check.Player{
			{ID: 1, Port: 0, MF: mf}, {ID: 2, Port: 3, IsHost: true, MF: mf}, {ID: 3, Port: 1, MF: mf}}, 2},
		{"host first", []check.Player{
			{ID: 2, Port: 3, IsHost: true, MF: mf}, {ID: 1, Port: 0, MF: mf}}, 2},
		{"no host: lowest port", []check.Player{
			{ID: 1, Port: 2, MF: mf}, {ID: 2, Port: 1, MF: mf}, {ID: 3, Port: 3, MF: mf}}, 2},
		{"no host: lowest port last", []check.Player{
			{ID: 1, Port: 3, MF: mf}, {ID: 2, Port: 2, MF: mf}, {ID: 3, Port: 0, MF: mf}}, 3},
		{"skipped lowest port", []check.Player{
			{ID: 1, Port: 0, Skip: true, MF: mf}, {ID: 2, Port: 2, MF: mf}, {ID: 3, Port: 1, MF: mf}}, 3},
		{"skipped host", []check.Player{
			{ID: 1, Port: 1, IsHost: true, Skip: true}, {ID: 2, Port: 2, MF: mf}}, 2},
		{"reference that has not announced", []check.Player{
			{ID: 1, Port: 2, IsHost: true}, {ID: 2, Port: 0, MF: mf}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := check.Players(tt.players)
			var got uint16
			if res.Ref != nil {
				got = res.Ref.ID
			}
			if got != tt.want {
				t.Errorf("reference %d, want %d", got, tt.want)
			}
			if res.Mismatches == nil {
				t.Error("nil Mismatches")
			}
		})
	}
}

func TestPlayers(t *testing.T) {
	type want struct {
		id      uint16
		missing bool
		items   []saves.Item
	}
	tests := []struct {
		name      string
		players   []check.Player
		refName   string
		hostIsRef bool
		want      []want
	}{
		{"all alike", []check.Player{
			{ID: 1, Name: "H", IsHost: true, Port: 1, MF: full(1, 1, "c")},
			{ID: 2, Name: "A", Port: 0, MF: full(1, 1, "c")},
		}, "H", true, nil},
		{"each difference against the host", []check.Player{
			{ID: 1, Name: "A", Port: 0, MF: full(2, 1, "c")},
			{ID: 2, Name: "H", IsHost: true, Port: 1, MF: full(1, 1, "c")},
			{ID: 3, Name: "B", Port: 2, MF: full(1, 9, "")},
		}, "H", true, []want{
			{id: 1, items: []saves.Item{saves.ItemROM}},
			{id: 3, items: []saves.Item{saves.ItemSave + saves.Item(saves.EEPROM), saves.ItemCheats}},
		}},
		{"no host: against the lowest port", []check.Player{
			{ID: 1, Name: "A", Port: 1, MF: full(2, 1, "")},
			{ID: 2, Name: "B", Port: 0, MF: full(1, 1, "")},
		}, "B", false, []want{{id: 1, items: []saves.Item{saves.ItemROM}}}},
		{"missing fails closed", []check.Player{
			{ID: 1, Name: "H", IsHost: true, Port: 0, MF: full(1, 1, "")},
			{ID: 2, Name: "A", Port: 1},
		}, "H", true, []want{{id: 2, missing: true}}},
		{"missing reference fails closed", []check.Player{
			{ID: 1, Name: "H", IsHost: true, Port: 0},
			{ID: 2, Name: "A", Port: 1, MF: full(1, 1, "")},
			{ID: 3, Name: "B", Port: 2, MF: full(7, 7, "x")},
		}, "H", true, []want{{id: 1, missing: true}}},
		{"all missing", []check.Player{
			{ID: 1, Name: "A", Port: 0},
			{ID: 2, Name: "B", Port: 1},
		}, "A", false, []want{{id: 1, missing: true}, {id: 2, missing: true}}},
		{"skipped players are neither compared nor missing", []check.Player{
			{ID: 1, Name: "H", IsHost: true, Port: 0, MF: full(1, 1, "")},
			{ID: 2, Name: "core-p2", Port: 1, Skip: true},
			{ID: 3, Name: "core-p3", Port: 2, Skip: true, MF: full(9, 9, "z")},
		}, "H", true, nil},
		{"saves-only reference", []check.Player{
			{ID: 1, Name: "core-p1", Port: 0, MF: savesOnly(1)},
			{ID: 2, Name: "A", Port: 1, MF: full(5, 1, "c")},
			{ID: 3, Name: "B", Port: 2, MF: full(5, 2, "c")},
			{ID: 4, Name: "C", Port: 3, MF: noROM()},
		}, "core-p1", false, []want{{id: 3, items: []saves.Item{saves.ItemSave + saves.Item(saves.EEPROM)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := check.Players(tt.players)
			if got := slices.Sorted(maps.Keys(res.Mismatches)); len(got) != len(tt.want) {
				t.Fatalf("mismatches of %v, want %d", got, len(tt.want))
			}
			for _, w := range tt.want {
				mm := res.Mismatches[w.id]
				if mm == nil {
					t.Fatalf("no mismatch for %d", w.id)
				}
				var name string
				for _, p := range tt.players {
					if p.ID == w.id {
						name = p.Name
					}
				}
				if mm.Member != name || mm.Reference != tt.refName || mm.HostIsReference != tt.hostIsRef {
					t.Errorf("%d: Member %q Reference %q HostIsReference %v; want %q %q %v",
						w.id, mm.Member, mm.Reference, mm.HostIsReference, name, tt.refName, tt.hostIsRef)
				}
				if mm.Missing != w.missing {
					t.Errorf("%d: Missing = %v, want %v", w.id, mm.Missing, w.missing)
				}
				if got := items(mm.Diffs); !slices.Equal(got, w.items) {
					t.Errorf("%d: differs in %v, want %v", w.id, got, w.items)
				}
			}
		})
	}
}

func TestDiff(t *testing.T) {
	save := saves.ItemSave + saves.Item(saves.EEPROM)
	tests := []struct {
		name      string
		want, got *check.Manifest
		items     []saves.Item
	}{
		{"equal", full(1, 1, "c"), full(1, 1, "c"), nil},
		{"everything", full(1, 1, "c"),
			&check.Manifest{M: saves.Manifest{Family: saves.FamilyProject64, ROM: [32]byte{2}, Cheats: "d"}},
			func() []saves.Item {
				out := []saves.Item{saves.ItemFamily, saves.ItemROM}
				for k := range saves.NumKinds {
					out = append(out, saves.ItemSave+saves.Item(k))
				}
				return append(out, saves.ItemCheats)
			}()},
		{"saves-only reference: only saves count", savesOnly(1), full(5, 2, "c"), []saves.Item{save}},
		{"saves-only player: only saves count", full(5, 2, "c"), savesOnly(1), []saves.Item{save}},
		{"saves-only reference, same saves", savesOnly(1), full(5, 1, "c"), nil},
		{"both saves-only", savesOnly(1), savesOnly(2), []saves.Item{save}},
		{"no ROM vs saves-only reference", savesOnly(1), noROM(), nil},
		{"saves-only player vs no-ROM reference", noROM(), savesOnly(1), nil},
		{"no ROM vs a full reference", full(1, 1, "c"), noROM(), func() []saves.Item {
			out := []saves.Item{saves.ItemFamily, saves.ItemROM}
			for k := range saves.NumKinds {
				out = append(out, saves.ItemSave+saves.Item(k))
			}
			return append(out, saves.ItemCheats)
		}()},
		{"no ROM vs no ROM", noROM(), noROM(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := items(check.Diff(tt.want, tt.got)); !slices.Equal(got, tt.items) {
				t.Errorf("Diff = %v, want %v", got, tt.items)
			}
		})
	}
}

func TestNoROM(t *testing.T) {
	if !check.NoROM(saves.Manifest{}) {
		t.Error("NoROM(zero) = false")
	}
	if check.NoROM(full(0, 0, "").M) {
		t.Error("NoROM of a manifest with absent saves = true")
	}
	if check.NoROM(saves.Manifest{Cheats: "x"}) {
		t.Error("NoROM of a manifest with cheats = true")
	}
}

func TestMismatchString(t *testing.T) {
	d := func(is ...saves.Item) []saves.Difference {
		var out []saves.Difference
		for _, i := range is {
			out = append(out, saves.Difference{Item: i})
		}
		return out
	}
	sram := saves.ItemSave + saves.Item(saves.SRAM)
	tests := []struct {
		name string
		mm   check.Mismatch
		want string
	}{
		{"missing", check.Mismatch{Member: "Bob", Reference: "Ann", Missing: true, Diffs: d(saves.ItemROM)},
			"Bob has not said yet which ROM, saves and cheats it uses"},
		{"one item, host", check.Mismatch{Member: "Bob", Reference: "Ann", HostIsReference: true, Diffs: d(sram)},
			"Bob: SRAM differs from the host's; /sync to send the host's data"},
		{"the ROM, host", check.Mismatch{Member: "Bob", Reference: "Ann", HostIsReference: true, Diffs: d(saves.ItemROM, sram)},
			"Bob: ROM and SRAM differ from the host's; Bob must load the host's ROM (saves and cheats follow the ROM: /sync sends none for another)"},
		{"one item, no host", check.Mismatch{Member: "Bob", Reference: "Ann", Diffs: d(sram)},
			"Bob: SRAM differs from Ann's; both must use the same files"},
		{"cheats alone", check.Mismatch{Member: "Bob", Reference: "Ann", HostIsReference: true, Diffs: d(saves.ItemCheats)},
			"Bob: cheats differ from the host's; /sync to send the host's data"},
		{"cheats alone, no host", check.Mismatch{Member: "Bob", Reference: "Ann", Diffs: d(saves.ItemCheats)},
			"Bob: cheats differ from Ann's; both must use the same files"},
		{"two items", check.Mismatch{Member: "Bob", Reference: "Ann", Diffs: d(saves.ItemROM, sram)},
			"Bob: ROM and SRAM differ from Ann's; both must use the same files"},
		{"three items, host", check.Mismatch{Member: "Bob", Reference: "Ann", HostIsReference: true, Diffs: d(saves.ItemFamily, sram, saves.ItemCheats)},
			"Bob: emulator, SRAM and cheats differ from the host's; /sync to send the host's data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mm.String(); got != tt.want {
				t.Errorf("String() =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

func TestJoinAnd(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
		{[]string{"a", "b", "c", "d"}, "a, b, c and d"},
		{[]string{"", ""}, " and "},
	}
	for _, tt := range tests {
		if got := check.JoinAnd(tt.in); got != tt.want {
			t.Errorf("JoinAnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
