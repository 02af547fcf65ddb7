package cheats

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
)

// source is one way to get a database and the selections to resolve.
type source struct {
	name  string
	parse func() (*Database, []Selection, error)
}

func textSource(name string, parse func(r *strings.Reader) (*Database, error), text string) source {
	return source{name, func() (*Database, []Selection, error) {
		db, err := parse(strings.NewReader(text))
		return db, aeroSelections, err
	}}
}

func aeroSources() []source {
	return []source{
		textSource("mupencheat", func(r *strings.Reader) (*Database, error) { return ParseMupencheat(r) }, aeroMupencheat),
		textSource("pj64 1.6", func(r *strings.Reader) (*Database, error) { return ParseProject64Legacy(r) }, aeroPJ64Legacy),
		textSource("pj64 2.x", func(r *strings.Reader) (*Database, error) { return ParseProject64v2(r) }, aeroPJ64v2),
		textSource("pj64 3.x", func(r *strings.Reader) (*Database, error) { return ParseProject64v3(r) }, aeroPJ64v3),
		textSource("simple64", func(r *strings.Reader) (*Database, error) { return ParseSimple64(r) }, aeroSimple64),
		{"rmg lobby", func() (*Database, []Selection, error) { return ParseRMGLobby([]byte(aeroRMGLobby), aeroKey) }},
		{"simple64 room", func() (*Database, []Selection, error) { return ParseSimple64Room([]byte(aeroSimple64Room), aeroKey) }},
	}
}

// codeLines drops the "# name" lines, which are not hashed.
func codeLines(s *CodeSet) []string {
	return slices.DeleteFunc(s.Lines(), func(l string) bool { return strings.HasPrefix(l, "# ") })
}

func TestSameCheatsEveryFormatHashTheSame(t *testing.T) {
	want := slices.DeleteFunc(slices.Clone(aeroLines), func(l string) bool { return strings.HasPrefix(l, "# ") })
	var first [32]byte
	for i, src := range aeroSources() {
		t.Run(src.name, func(t *testing.T) {
			db, sels, err := src.parse()
			if err != nil {
				t.Fatal(err)
			}
			set, err := Resolve(aeroKey, sels, db)
			if err != nil {
				t.Fatal(err)
			}
			if got := codeLines(set); !slices.Equal(got, want) {
				t.Errorf("codes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if set.OrderSensitive {
				t.Error("order-sensitive; the cheats touch disjoint memory")
			}
			h := set.Hash(FamilyMupen64Plus)
			if i == 0 {
				first = h
			} else if h != first {
				t.Errorf("hash %x, mupencheat.txt gives %x", h, first)
			}
		})
	}
}

func TestHashSeparatesWhatMatters(t *testing.T) {
	db, err := ParseMupencheat(strings.NewReader(aeroMupencheat))
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(sels []Selection) *CodeSet {
		t.Helper()
		s, err := Resolve(aeroKey, sels, db)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := resolve(aeroSelections).Hash(FamilyMupen64Plus)
	reversed := slices.Clone(aeroSelections)
	slices.Reverse(reversed)
	otherOption := slices.Clone(aeroSelections)
	otherOption[2].Option = "2 Laps"
	byValue := slices.Clone(aeroSelections)
	byValue[2].Option = "0x3"
	twice := append(slices.Clone(aeroSelections), aeroSelections[1])
	otherGame := resolve(aeroSelections)
	otherGame.Game.Country = 0x45
	tests := []struct {
		name string
		hash [32]byte
		same bool
	}{
		{"reversed selection order", resolve(reversed).Hash(FamilyMupen64Plus), true},
		{"option by value", resolve(byValue).Hash(FamilyMupen64Plus), true},
		{"cheat selected twice", resolve(twice).Hash(FamilyMupen64Plus), true},
		{"other option", resolve(otherOption).Hash(FamilyMupen64Plus), false},
		{"one cheat fewer", resolve(aeroSelections[1:]).Hash(FamilyMupen64Plus), false},
		{"other family", resolve(aeroSelections).Hash(FamilyProject64), false},
		{"other game", otherGame.Hash(FamilyMupen64Plus), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.hash == base) != tt.same {
				t.Errorf("same hash = %v, want %v", tt.hash == base, tt.same)
			}
		})
	}
}

const overlapDB = `crc 11111111-22222222-C:45
gn Test
 cn Health 99
  80100000 0063
 cn Health 1
  80100000 0001
 cn If dead then revive
  D0100000 0000
  80100001 0001
 cn Elsewhere
  81200000 1234
 cn Big repeater
  50000A02 0001
  810FFFF0 0000
`

func TestOrderSensitivity(t *testing.T) {
	key := GameKey{CRC1: 0x11111111, CRC2: 0x22222222, Country: 0x45}
	db, err := ParseMupencheat(strings.NewReader(overlapDB))
	if err != nil {
		t.Fatal(err)
	}
	sel := func(names ...string) []Selection {
		var out []Selection
		for _, n := range names {
			out = append(out, Selection{Game: key, Name: n})
		}
		return out
	}
	tests := []struct {
		name          string
		a, b          []Selection
		sensitive     bool
		sameWhenSwap  bool
		firstInResult string
	}{
		{"disjoint", sel("Health 99", "Elsewhere"), sel("Elsewhere", "Health 99"), false, true, "Health 99"},
		{"same byte written", sel("Health 99", "Health 1"), sel("Health 1", "Health 99"), true, false, "Health 99"},
		{"write read by a condition", sel("Health 1", "If dead then revive"), sel("If dead then revive", "Health 1"), true, false, "Health 1"},
		{"repeater reaches another cheat", sel("Big repeater", "Health 99"), sel("Health 99", "Big repeater"), true, false, "Big repeater"},
		{"repeater clear of another cheat", sel("Big repeater", "Elsewhere"), sel("Elsewhere", "Big repeater"), false, true, "Elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Resolve(key, tt.a, db)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Resolve(key, tt.b, db)
			if err != nil {
				t.Fatal(err)
			}
			if a.OrderSensitive != tt.sensitive {
				t.Errorf("OrderSensitive = %v, want %v", a.OrderSensitive, tt.sensitive)
			}
			if same := a.Hash(FamilyMupen64Plus) == b.Hash(FamilyMupen64Plus); same != tt.sameWhenSwap {
				t.Errorf("same hash after swapping = %v, want %v", same, tt.sameWhenSwap)
			}
			if a.Cheats[0].Name != tt.firstInResult {
				t.Errorf("first cheat %q, want %q", a.Cheats[0].Name, tt.firstInResult)
			}
		})
	}
}

const refuseDB = `crc 11111111-22222222-C:45
gn Test
 cn Button
  80100000 0001
  88100000 0001
 cn Button condition
  D8100000 0001
  80100000 0001
 cn Xplorer button
  A8000000 0000
 cn Unknown
  2A100000 0001
 cn Repeater at end
  80100000 0001
  50000402 0000
 cn Repeater then condition
  50000402 0000
  D0100000 0001
 cn Digits
  8010000 ?? 0001:"a"
 cn Two digits
  801000FF 00?? 0001:"one",0100:"too big"
 cn Enabler only
  DE000400 0000
  FF000000 0000
`

func TestResolveRefuses(t *testing.T) {
	key := GameKey{CRC1: 0x11111111, CRC2: 0x22222222, Country: 0x45}
	db, err := ParseMupencheat(strings.NewReader(strings.Replace(refuseDB, " cn Digits\n  8010000 ?? 0001:\"a\"\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cheat, option string
		game                GameKey
		want                error
		wantText            string
	}{
		{"gs button write", "Button", "", key, ErrButtonCode, "line 5: code 88100000 0001"},
		{"gs button condition", "Button condition", "", key, ErrButtonCode, "line 7: code D8100000 0001"},
		{"xplorer button", "Xplorer button", "", key, ErrButtonCode, "line 10"},
		{"unknown type", "Unknown", "", key, ErrUnknownType, "line 12: code 2A100000 0001"},
		{"repeater at end", "Repeater at end", "", key, ErrBadCode, "ends with a 50 repeater"},
		{"repeater then condition", "Repeater then condition", "", key, ErrBadCode, "line 18"},
		{"missing option", "Two digits", "", key, ErrOption, `"one"`},
		{"unknown option", "Two digits", "three", key, ErrOption, `no option "three"`},
		{"option too big", "Two digits", "too big", key, ErrOption, "line 20"},
		{"option on a plain cheat", "Button", "x", key, ErrOption, "has none"},
		{"unknown cheat", "Nope", "", key, ErrUnknownCheat, `"Nope"`},
		{"unknown game", "Button", "", GameKey{CRC1: 1}, ErrUnknownGame, "00000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(tt.game, []Selection{{Game: tt.game, Name: tt.cheat, Option: tt.option}}, db)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
	t.Run("no-op cheat resolves to nothing", func(t *testing.T) {
		s, err := Resolve(key, []Selection{{Game: key, Name: "Enabler only"}}, db)
		if err != nil || len(s.Cheats) != 0 {
			t.Fatalf("Resolve = %+v, %v; want an empty set", s, err)
		}
	})
}

func TestCanonCode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		repeat bool
		want   string // "" when dropped
		err    error
	}{
		{"plain 8-bit", "80123456 0012", false, "80123456 0012", nil},
		{"8-bit junk high byte", "80123456 FF12", false, "80123456 0012", nil},
		{"uncached 16-bit", "A1123456 BEEF", false, "81123456 BEEF", nil},
		{"xplorer plain", "31123456 BEEF", false, "81123456 BEEF", nil},
		{"xplorer encrypted", "E85E2854 5959", false, "8008D1FC 0001", nil},
		{"xplorer uncached", "C85E2854 5959", false, "8008D1FC 0001", nil},
		{"xplorer condition", "B95E2854 5959", false, "D108D1FC 0001", nil},
		{"repeater target 10", "10123456 0012", true, "80123456 0012", nil},
		{"10 alone", "10123456 0012", false, "", ErrUnknownType},
		{"boot 8-bit", "F0123456 FF01", false, "F0123456 0001", nil},
		{"boot 16-bit", "F1123456 1234", false, "F1123456 1234", nil},
		{"expansion pak off", "EE000000 0000", false, "EE000000 0000", nil},
		{"enabler DE", "DE000400 0000", false, "", nil},
		{"enabler FF", "FF000400 0000", false, "", nil},
		{"exception CC", "CC000000 0000", false, "", nil},
		{"clear 20", "20000000 0000", false, "", nil},
		{"zero line", "00000000 0000", false, "", nil},
		{"zero type with address", "00000010 0000", false, "", ErrUnknownType},
		{"button 89", "89123456 0001", false, "", ErrButtonCode},
		{"button DB", "DB123456 0001", false, "", ErrButtonCode},
		{"3C", "3C123456 0001", false, "", ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, _, err := parseCode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			c, keep, err := canonCode(rc.Address, rc.Value, tt.repeat, func(string) {})
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			got := ""
			if keep {
				got = c.String()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	key := GameKey{CRC1: 1, CRC2: 2, Country: 0x45}
	db, err := ParseMupencheat(strings.NewReader("crc 00000001-00000002-C:45\n cn C\n  D0100000 0101\n  81100001 0002\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Resolve(key, []Selection{{Game: key, Name: "C"}}, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 2 || !strings.Contains(s.Warnings[0], "line 3") || !strings.Contains(s.Warnings[1], "odd address") {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestXplorerDecode(t *testing.T) {
	tests := []struct{ addr, wantAddr uint32 }{
		{0x5E2854, 0x08D1FC},
		{0x672462, 0x13CD0E},
	}
	for _, tt := range tests {
		if got, _ := decodeXplorer(tt.addr, 0); got != tt.wantAddr {
			t.Errorf("decodeXplorer(%06X) = %06X, want %06X", tt.addr, got, tt.wantAddr)
		}
	}
	if _, v := decodeXplorer(0, 0x5959); v != 1 {
		t.Errorf("value 5959 decodes to %04X, want 0001", v)
	}
}

func TestParseGameKey(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"80F41131-384645F6-C:4A", "80F41131-384645F6-C:4A", true},
		{"80f41131-384645f6-C:4a", "80F41131-384645F6-C:4A", true},
		{"3A089BBC-54AB2C06-C:0", "3A089BBC-54AB2C06-C:00", true},
		{"3A089BBC-54AB2C06-C: 0", "3A089BBC-54AB2C06-C:00", true},
		{"80F41131-384645F6-4A", "80F41131-384645F6-C:4A", true},
		{"0123456789abcdef0123456789ABCDEF", "0123456789ABCDEF0123456789ABCDEF", true},
		{"00000000000000000000000000000000", "", false},
		{"80F41131-384645F6-C:4A4", "", false},
		{"80F41131-384645F6-C:", "", false},
		{"80F4113-384645F6-C:4A", "", false},
		{"80F41131-384645F6", "", false},
		{"80F4113G-384645F6-C:4A", "", false},
		{"+0F41131-384645F6-C:4A", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, err := ParseGameKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && k.String() != tt.want {
				t.Errorf("String() = %q, want %q", k, tt.want)
			}
		})
	}
}

func TestCoreCheats(t *testing.T) {
	s := &CodeSet{Cheats: []CheatCodes{
		{Name: "A", Codes: []Code{{0x50, 0x000402, 0}, {0x81, 0x13D058, 0xBEEF}}},
		{Name: "A", Codes: []Code{{0x80, 0x08D1FC, 1}}},
		{Name: "", Codes: []Code{{0xF1, 0x000010, 2}}},
	}}
	got := s.CoreCheats()
	want := []CoreCheat{
		{"A", []CoreCode{{0x50000402, 0}, {0x8113D058, 0xBEEF}}},
		{"A (2)", []CoreCode{{0x8008D1FC, 1}}},
		{"cheat", []CoreCode{{0xF1000010, 2}}},
	}
	if !slices.EqualFunc(got, want, func(a, b CoreCheat) bool { return a.Name == b.Name && slices.Equal(a.Codes, b.Codes) }) {
		t.Errorf("CoreCheats = %+v\nwant %+v", got, want)
	}
}

// aeroGoldenWire is the wire form of the AeroGauge set.
var aeroGoldenWire = "0100" + "0180f41131384645f64a" + "0004" +
	"1e" + hexName("Unlock All Tracks and Vehicles") + "0001" + "8008d1fc0001" +
	"0c" + hexName("Laps Of Race") + "0001" + "8013cd0e0003" +
	"12" + hexName(`No Damage\Player 1`) + "0002" + "500004020000" + "8113d0580000" +
	"15" + hexName("Freeze All Lap Timers") + "0003" + "8013cd210001" + "8013cd250001" + "8013cd290001" +
	"0000"

func hexName(s string) string { return hex.EncodeToString([]byte(s)) }

func TestWireGolden(t *testing.T) {
	db, err := ParseMupencheat(strings.NewReader(aeroMupencheat))
	if err != nil {
		t.Fatal(err)
	}
	set, err := Resolve(aeroKey, aeroSelections, db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := set.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != aeroGoldenWire {
		t.Fatalf("wire form\n got %s\nwant %s", got, aeroGoldenWire)
	}
	back, err := ParseCodeSet(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash(FamilyMupen64Plus) != set.Hash(FamilyMupen64Plus) || !slices.Equal(back.Lines(), set.Lines()) {
		t.Errorf("round trip changed the set:\n%q\n%q", back.Lines(), set.Lines())
	}
}

func TestParseCodeSetRejects(t *testing.T) {
	golden, _ := hex.DecodeString(aeroGoldenWire)
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(golden)) }
	codeAt := bytes.Index(golden, []byte{0x80, 0x08, 0xd1, 0xfc})
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"truncated", golden[:len(golden)-1]},
		{"trailing byte", append(bytes.Clone(golden), 0)},
		{"bad version", mutate(func(b []byte) []byte { b[0] = 2; return b })},
		{"bad flags", mutate(func(b []byte) []byte { b[1] = 2; return b })},
		{"wrong order flag", mutate(func(b []byte) []byte { b[1] = 1; return b })},
		{"bad key kind", mutate(func(b []byte) []byte { b[2] = 3; return b })},
		{"button code", mutate(func(b []byte) []byte { b[codeAt] = 0x88; return b })},
		{"uncached alias", mutate(func(b []byte) []byte { b[codeAt] = 0xA0; return b })},
		{"8-bit with high byte", mutate(func(b []byte) []byte { b[codeAt+4] = 1; return b })},
		{"cheats out of order", mutate(func(b []byte) []byte { b[codeAt+1] = 0x20; return b })},
		{"too many cheats", mutate(func(b []byte) []byte { b[12] = 0xFF; return b })},
		{"huge", make([]byte, MaxWireSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCodeSet(tt.in); !errors.Is(err, ErrWire) {
				t.Errorf("err = %v, want ErrWire", err)
			}
		})
	}
}

func TestPatches(t *testing.T) {
	p, err := ParsePatch("HACK0", "D109A814 0320,8109A814 0000,D109A816 F809,8109A816 0000")
	if err != nil {
		t.Fatal(err)
	}
	s := &CodeSet{Game: aeroKey}
	before := s.Hash(FamilyMupen64Plus)
	s.Patches = append(s.Patches, p)
	if s.Hash(FamilyMupen64Plus) == before {
		t.Error("a patch does not change the hash")
	}
	if len(s.CoreCheats()) != 0 {
		t.Error("patches rendered for CoreAddCheat; the core applies its own")
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := ParseCodeSet(b); err != nil || back.Hash(FamilyMupen64Plus) != s.Hash(FamilyMupen64Plus) {
		t.Errorf("patch lost over the wire: %v", err)
	}
	if _, err := ParsePatch("bad", "88000000 0001"); !errors.Is(err, ErrButtonCode) {
		t.Errorf("button patch: err = %v", err)
	}
	if _, err := ParsePatch("bad", "8000000 1"); !errors.Is(err, ErrSyntax) {
		t.Errorf("malformed patch: err = %v", err)
	}
}
