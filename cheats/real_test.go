package cheats

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// debianCheats is where Debian's mupen64plus-data installs the database.
const debianCheats = "/usr/share/games/mupen64plus/mupencheat.txt"

func TestDebianMupencheat(t *testing.T) {
	f, err := os.Open(debianCheats)
	if err != nil {
		t.Skipf("mupen64plus-data not installed: %v", err)
	}
	defer f.Close()
	db, err := ParseMupencheat(f)
	if err != nil {
		t.Fatal(err)
	}
	codes, opts := 0, 0
	for _, g := range db.Games {
		for _, c := range g.Cheats {
			codes += len(c.Codes)
			opts += len(c.Options)
		}
	}
	t.Logf("%s: %d games, %d cheats, %d code lines, %d options", debianCheats, len(db.Games), db.NumCheats(), codes, opts)
	if len(db.Games) < 500 || db.NumCheats() < 9000 {
		t.Errorf("only %d games and %d cheats; the Debian file has 556 distinct games and 9230 cheats in them", len(db.Games), db.NumCheats())
	}
	resolveAll(t, db)
}

// resolveAll resolves every cheat alone (first option where it has any)
// and counts what is refused and why.
func resolveAll(t *testing.T, db *Database) {
	var ok, button, unknown, bad, other int
	for _, g := range db.Games {
		for _, c := range g.Cheats {
			sel := Selection{Game: g.Key, Name: c.Name}
			if c.HasOptions() {
				sel.Option = firstOption(c)
			}
			_, err := Resolve(g.Key, []Selection{sel}, db)
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrButtonCode):
				button++
			case errors.Is(err, ErrUnknownType):
				unknown++
			case errors.Is(err, ErrBadCode), errors.Is(err, ErrOption):
				bad++
				t.Logf("refused: %v", err)
			default:
				other++
				t.Errorf("game %v: %v", g.Key, err)
			}
		}
	}
	t.Logf("resolved %d cheats; refused %d with GameShark-button codes, %d with unknown types, %d malformed", ok, button, unknown, bad)
	if ok < db.NumCheats()*9/10 {
		t.Errorf("only %d of %d cheats resolve", ok, db.NumCheats())
	}
}

func BenchmarkParseMupencheat(b *testing.B) {
	data, err := os.ReadFile(debianCheats)
	if err != nil {
		b.Skipf("mupen64plus-data not installed: %v", err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseMupencheat(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveAndHash(b *testing.B) {
	db, err := ParseMupencheat(strings.NewReader(aeroMupencheat))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := Resolve(aeroKey, aeroSelections, db)
		if err != nil {
			b.Fatal(err)
		}
		s.Hash(FamilyMupen64Plus)
	}
}
