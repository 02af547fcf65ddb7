package cheats

import (
	"os"
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
}
