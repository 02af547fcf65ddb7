package cheats

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// textParsers are the parsers that read a file.
var textParsers = map[string]func(io.Reader) (*Database, error){
	"mupencheat": ParseMupencheat,
	"pj64 1.6":   ParseProject64Legacy,
	"pj64 2.x":   ParseProject64v2,
	"pj64 3.x":   ParseProject64v3,
	"simple64":   ParseSimple64,
}

func TestBadFilesNameTheLine(t *testing.T) {
	tests := []struct {
		name, parser, text string
		line               int
		want               error
	}{
		{"mupen bad key", "mupencheat", "// x\ncrc 1234-5678-C:45\n", 2, ErrSyntax},
		{"mupen code before cheat", "mupencheat", "crc 00000001-00000002-C:45\n80000000 0001\n", 2, ErrSyntax},
		{"mupen cheat before section", "mupencheat", "\n cn Foo\n", 2, ErrSyntax},
		{"mupen bad address", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  8000000G 0001\n", 3, ErrSyntax},
		{"mupen bad value", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  80000000 00X1\n", 3, ErrSyntax},
		{"mupen split option digits", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  80000000 ?0?0\n", 3, ErrSyntax},
		{"mupen options on fixed code", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  80000000 0001 0001:\"x\"\n", 3, ErrSyntax},
		{"mupen unterminated label", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  80000000 ???? 0001:\"x\n", 3, ErrSyntax},
		{"mupen bad option value", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n  80000000 ???? 00001:\"x\"\n", 3, ErrSyntax},
		{"mupen note before cheat", "mupencheat", "crc 00000001-00000002-C:45\n cd note\n", 2, ErrSyntax},
		{"mupen empty cheat name", "mupencheat", "crc 00000001-00000002-C:45\ncn  \n", 2, ErrSyntax},
		{"mupen invalid utf-8", "mupencheat", "crc 00000001-00000002-C:45\n cn \xff\n", 2, ErrSyntax},
		{"mupen long line", "mupencheat", "crc 00000001-00000002-C:45\n cn " + strings.Repeat("x", MaxLineLength) + "\n", 2, ErrTooLarge},
		{"mupen long name", "mupencheat", "crc 00000001-00000002-C:45\n cn " + strings.Repeat("x", MaxNameLength+1) + "\n", 2, ErrTooLarge},
		{"mupen too many codes", "mupencheat", "crc 00000001-00000002-C:45\n cn A\n" + strings.Repeat("80000000 0001\n", MaxCodesPerCheat+1), 3 + MaxCodesPerCheat, ErrTooLarge},
		{"pj64 not key=value", "pj64 1.6", "[00000001-00000002-C:45]\nName=x\nwhat\n", 3, ErrSyntax},
		{"pj64 unquoted name", "pj64 1.6", "[00000001-00000002-C:45]\nCheat0=Foo,80000000 0001\n", 2, ErrSyntax},
		{"pj64 bad code", "pj64 2.x", "[00000001-00000002-C:45]\nCheat0=\"Foo\",80000000 0001,E800000 0001\n", 2, ErrSyntax},
		{"pj64 options before cheat", "pj64 2.x", "[00000001-00000002-C:45]\nCheat0_O=$01 x\n", 2, ErrSyntax},
		{"pj64 bad option", "pj64 1.6", "[00000001-00000002-C:45]\nCheat0=\"Foo\",80000000 00??\nCheat0_O=x y\n", 3, ErrSyntax},
		{"pj64 cheat twice", "pj64 1.6", "[00000001-00000002-C:45]\nCheat0=\"A\"\nCheat0=\"B\"\n", 3, ErrSyntax},
		{"pj64 unclosed section", "pj64 1.6", "[00000001-00000002-C:45\n", 1, ErrSyntax},
		{"v3 bad section", "pj64 3.x", "[Meta]\n", 1, ErrSyntax},
		{"v3 junk in cheat", "pj64 3.x", "[00000001-00000002-C:45]\n$A\n80000000 0001\nhello there\n", 4, ErrSyntax},
		{"v3 code outside cheat", "pj64 3.x", "[00000001-00000002-C:45]\n\n80000000 0001\n", 3, ErrSyntax},
		{"v3 line before section", "pj64 3.x", "Name=x\n", 1, ErrSyntax},
		{"v3 bad restore", "pj64 3.x", "[00000001-00000002-C:45]\n$A\n80000000 0001:00\n", 3, ErrSyntax},
		{"simple64 syntax", "simple64", "{\n \"00000001-00000002-C:45\": {\n  \"A\": {\"data\": [\"80000000 0001\",]}\n }\n}", 3, ErrSyntax},
		{"simple64 wrong type", "simple64", "{\n \"00000001-00000002-C:45\": []\n}", 2, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := textParsers[tt.parser](strings.NewReader(tt.text))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want line %d and %v", err, tt.line, tt.want)
			}
		})
	}
}

func TestJSONSemanticErrors(t *testing.T) {
	tests := []struct {
		name  string
		parse func() error
	}{
		{"simple64 bad key", func() error {
			_, err := ParseSimple64(strings.NewReader(`{"nokey": {}}`))
			return err
		}},
		{"simple64 bad code", func() error {
			_, err := ParseSimple64(strings.NewReader(`{"00000001-00000002-C:45": {"A": {"data": ["8000 1"]}}}`))
			return err
		}},
		{"simple64 bad option", func() error {
			_, err := ParseSimple64(strings.NewReader(`{"00000001-00000002-C:45": {"A": {"data": ["80000000 00??"], "options": {"x": "zz"}}}}`))
			return err
		}},
		{"rmg value out of range", func() error {
			_, _, err := ParseRMGLobby([]byte(`[{"name":"A","codes":[{"address":1,"value":65536}]}]`), aeroKey)
			return err
		}},
		{"rmg option digits outside value", func() error {
			_, _, err := ParseRMGLobby([]byte(`[{"name":"A","codes":[{"address":1,"value":0,"use_option":true,"option_index":3,"option_size":2}]}]`), aeroKey)
			return err
		}},
		{"rmg not an array", func() error {
			_, _, err := ParseRMGLobby([]byte(`{"name":"A"}`), aeroKey)
			return err
		}},
		{"simple64 room bad code", func() error {
			_, _, err := ParseSimple64Room([]byte(`{"A":["80000000 0001 x"]}`), aeroKey)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.parse(); !errors.Is(err, ErrSyntax) {
				t.Errorf("err = %v, want ErrSyntax", err)
			}
		})
	}
}

func TestFileTooLarge(t *testing.T) {
	for name, parse := range textParsers {
		t.Run(name, func(t *testing.T) {
			r := io.LimitReader(zeros{}, MaxFileSize+1)
			if _, err := parse(r); !errors.Is(err, ErrTooLarge) {
				t.Errorf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestDuplicateSectionFirstWins(t *testing.T) {
	db, err := ParseMupencheat(strings.NewReader("crc 00000001-00000002-C:45\ngn First\n cn A\n  80000000 0001\n" +
		"crc 00000001-00000002-C:45\ngn Second\n cn B\n  80000000 0002\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := db.Game(GameKey{CRC1: 1, CRC2: 2, Country: 0x45})
	if len(db.Games) != 1 || g.Name != "First" || g.Cheat("A") == nil || g.Cheat("B") != nil {
		t.Errorf("games = %d, first = %+v", len(db.Games), g)
	}
}

func TestParsedDetails(t *testing.T) {
	db, err := ParseProject64Legacy(strings.NewReader(aeroPJ64Legacy + "Cheat4=\"Commas\",8013CD0E 00??\nCheat4_O=$01 a, b,2 c\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := db.Game(aeroKey)
	if g.Name != "AeroGauge (J) (V1.1)" || g.Cheat("Laps Of Race").Note != "how many laps" {
		t.Errorf("game %q, note %q", g.Name, g.Cheat("Laps Of Race").Note)
	}
	opts := g.Cheat("Commas").Options
	if len(opts) != 2 || opts[0] != (Option{"a, b", 1}) || opts[1] != (Option{"c", 2}) {
		t.Errorf("options = %+v", opts)
	}
	v3, err := ParseProject64v3(strings.NewReader(aeroPJ64v3))
	if err != nil {
		t.Fatal(err)
	}
	laps := v3.Game(aeroKey).Cheat("Laps Of Race")
	if laps.Note != "how many laps" || len(laps.Options) != 2 || laps.Codes[0].String() != "8013CD0E 00??" || laps.Codes[0].Pos != 11 {
		t.Errorf("laps = %+v", laps)
	}
	mup, err := ParseMupencheat(strings.NewReader(aeroMupencheat))
	if err != nil {
		t.Fatal(err)
	}
	if o := mup.Game(aeroKey).Cheat("Laps Of Race").Options; len(o) != 4 || o[3].Label != `Never "Ending" Laps` {
		t.Errorf("mupencheat options = %+v", o)
	}
}
