package saves_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/netpak/netpak/saves"
)

const sampleDB = `; comment
[A56B15FAF24389DD375E7AFB03A7D3C1]
GoodName=Some Game (U)
CRC=B2242748 FFBD61DA
SaveType=Eeprom 16KB

[0846FFFDA3081821EA0DCBB7D4DEAAA3]
GoodName=Some Game (U) [t1]
CRC=5B6AC01B 8D1A562A
RefMD5=a56b15faf24389dd375e7afb03a7d3c1

[11111111111111111111111111111111]
GoodName=Default Save Game (E)
CRC=01020304 05060708
`

func TestROMDBLookup(t *testing.T) {
	db, err := saves.ParseROMDB(strings.NewReader(sampleDB))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		md5        string
		crc1, crc2 uint32
		wantName   string
		wantEEP    int
	}{
		{"by md5", "A56B15FAF24389DD375E7AFB03A7D3C1", 0, 0, "Some Game (U)", 2048},
		{"lower-case md5", "a56b15faf24389dd375e7afb03a7d3c1", 0, 0, "Some Game (U)", 2048},
		{"refmd5 inherits save type", "0846FFFDA3081821EA0DCBB7D4DEAAA3", 0, 0, "Some Game (U) [t1]", 2048},
		{"default eeprom 4k", "11111111111111111111111111111111", 0, 0, "Default Save Game (E)", 512},
		{"by crc", "FFFF", 0xB2242748, 0xFFBD61DA, "Some Game (U)", 2048},
		{"unknown", "FFFF", 1, 2, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := db.Lookup(tt.md5, tt.crc1, tt.crc2)
			if ok != (tt.wantName != "") || e.GoodName != tt.wantName || (ok && e.EEPROMSize() != tt.wantEEP) {
				t.Errorf("Lookup = %+v, %v", e, ok)
			}
		})
	}
}

func TestROMDBErrors(t *testing.T) {
	for name, text := range map[string]string{
		"bad crc":   "[AA]\nCRC=nothex 1\n",
		"long line": "[AA]\nGoodName=" + strings.Repeat("x", 5000) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := saves.ParseROMDB(strings.NewReader(text)); !errors.Is(err, saves.ErrBadROMDB) {
				t.Errorf("ParseROMDB: %v", err)
			}
		})
	}
}

// TestDebianROMDB parses the real database when mupen64plus-data is installed.
func TestDebianROMDB(t *testing.T) {
	f, err := os.Open(saves.DebianROMDB)
	if err != nil {
		t.Skip("mupen64plus-data not installed:", err)
	}
	defer f.Close()
	db, err := saves.ParseROMDB(f)
	if err != nil {
		t.Fatal(err)
	}
	if db.Len() < 3000 {
		t.Errorf("%d entries, want the full database", db.Len())
	}
	t.Logf("%d entries in %s", db.Len(), saves.DebianROMDB)
	// 007 - The World is Not Enough (U) [t1] refers to the [!] dump, which has no save.
	e, ok := db.Lookup("0846FFFDA3081821EA0DCBB7D4DEAAA3", 0, 0)
	if !ok || e.SaveType != "None" || e.EEPROMSize() != 0 {
		t.Errorf("RefMD5 entry: %+v, %v", e, ok)
	}
}

func FuzzParseROMDB(f *testing.F) {
	f.Add(sampleDB)
	f.Add("[X]\nRefMD5=X\n")
	f.Fuzz(func(t *testing.T, text string) {
		db, err := saves.ParseROMDB(strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, saves.ErrBadROMDB) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		db.Lookup("X", 0, 0)
	})
}
