package cheats

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
)

// checkDatabase resolves every cheat of a parsed database, alone and all
// together per game, and checks that whatever resolves survives the wire.
func checkDatabase(t *testing.T, db *Database) {
	for _, g := range db.Games {
		var all []Selection
		for _, c := range g.Cheats {
			sel := Selection{Game: g.Key, Name: c.Name}
			if c.HasOptions() {
				sel.Option = firstOption(c)
			}
			all = append(all, sel)
			checkResolve(t, g.Key, []Selection{sel}, db)
		}
		checkResolve(t, g.Key, all, db)
	}
}

func checkResolve(t *testing.T, k GameKey, sels []Selection, db *Database) {
	s, err := Resolve(k, sels, db)
	if err != nil {
		return
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatalf("marshal a resolved set: %v", err)
	}
	back, err := ParseCodeSet(b)
	if err != nil {
		t.Fatalf("a resolved set does not decode: %v\n%q", err, s.Lines())
	}
	if back.Hash(FamilyMupen64Plus) != s.Hash(FamilyMupen64Plus) {
		t.Fatal("hash changed over the wire")
	}
	_ = s.CoreCheats()
}

func fuzzText(f *testing.F, parse func(io.Reader) (*Database, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		db, err := parse(strings.NewReader(text))
		if err != nil {
			if db != nil {
				t.Fatal("database returned with an error")
			}
			return
		}
		checkDatabase(t, db)
	})
}

func FuzzParseMupencheat(f *testing.F) {
	fuzzText(f, ParseMupencheat, aeroMupencheat, overlapDB, refuseDB, "crc 00000001-00000002-C:45\n cn A\n  80000000 ?? 1\n")
}

func FuzzParseProject64Legacy(f *testing.F) {
	fuzzText(f, ParseProject64Legacy, aeroPJ64Legacy, "[00000001-00000002-C:45]\nCheat0=\"A\",80000000 ??00\nCheat0_O=1 x,2 y\n")
}

func FuzzParseProject64v2(f *testing.F) {
	fuzzText(f, ParseProject64v2, aeroPJ64v2)
}

func FuzzParseProject64v3(f *testing.F) {
	fuzzText(f, ParseProject64v3, aeroPJ64v3, "[0123456789ABCDEF0123456789ABCDEF]\n$A\n50000202 0001\n81000000 ??00\nF 1\n")
}

func FuzzParseSimple64(f *testing.F) {
	fuzzText(f, ParseSimple64, aeroSimple64)
}

func FuzzParseRMGLobby(f *testing.F) {
	f.Add(aeroRMGLobby)
	f.Add(`[{"name":"A","has_options":true,"codes":[{"address":2147483648,"value":0,"use_option":true,"option_index":0,"option_size":1}],"option":{"name":"x","size":1,"value":15}}]`)
	f.Fuzz(func(t *testing.T, text string) {
		db, sels, err := ParseRMGLobby([]byte(text), aeroKey)
		if err == nil {
			checkDatabase(t, db)
			checkResolve(t, aeroKey, sels, db)
		}
	})
}

func FuzzParseSimple64Room(f *testing.F) {
	f.Add(aeroSimple64Room)
	f.Fuzz(func(t *testing.T, text string) {
		db, sels, err := ParseSimple64Room([]byte(text), aeroKey)
		if err == nil {
			checkResolve(t, aeroKey, sels, db)
		}
	})
}

func FuzzParseCodeSet(f *testing.F) {
	golden, _ := hex.DecodeString(aeroGoldenWire)
	f.Add(golden)
	f.Add([]byte{1, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 2,
		0, 0, 1, 0x80, 0, 0, 1, 0, 1, 0, 0, 1, 0x81, 0, 0, 0, 0, 2, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseCodeSet(b)
		if err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded set re-encodes differently: %v\n%x\n%x", err, b, again)
		}
	})
}

func FuzzParseGameKey(f *testing.F) {
	for _, s := range []string{"80F41131-384645F6-C:4A", "3A089BBC-54AB2C06-C: 0", "80F41131-384645F6-4A", "0123456789abcdef0123456789ABCDEF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseGameKey(s)
		if err != nil {
			return
		}
		back, err := ParseGameKey(k.String())
		if err != nil || back != k {
			t.Fatalf("%q -> %v -> %v, %v", s, k, back, err)
		}
	})
}

// firstOption names a cheat's first option, by value when its label is
// empty (mupencheat.txt has such options), or 0 when it lists none.
func firstOption(c *Cheat) string {
	if len(c.Options) == 0 {
		return "0x0"
	}
	if o := c.Options[0]; o.Label != "" {
		return o.Label
	}
	return fmt.Sprintf("0x%X", c.Options[0].Value)
}
