package commands

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestShippedExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("examples/*.toml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := LoadFile(f, Defaults())
			if err != nil {
				t.Fatal(err)
			}
			if s.Server == (s.Connect != "") {
				t.Errorf("%s neither hosts nor connects: %+v", f, s)
			}
		})
	}
}

func TestExampleValues(t *testing.T) {
	s, err := LoadFile("examples/couch.toml", Defaults())
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.Name, want.Connect, want.Ports = "Dave-and-Erin", "netpak.example.org", []int{3, 4}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("couch.toml = %+v, want %+v", s, want)
	}
	if got := s.ClientConfig().Ports; got != 4|8 {
		t.Errorf("ports mask %v, want 3,4", got)
	}
	s, err = LoadFile("examples/game.toml", Defaults())
	wantCheats := []CheatChoice{{Name: "Have Bonus Mode and All Gold Cups"}, {Name: "All Players Can Choose The Same Character"}}
	if err != nil || !reflect.DeepEqual(s.Emulator.Cheats, wantCheats) || s.Emulator.Saves != "mupen64plus-debian" || s.HostWins {
		t.Errorf("game.toml = %+v, %v", s.Emulator, err)
	}
	s, err = LoadFile("examples/headless.toml", Defaults())
	if err != nil || s.AutoStart != 4 || s.DropTimeout != 5*time.Second {
		t.Errorf("headless.toml = %+v, %v", s, err)
	}
}

// TestInitExample checks that `netpak init`'s file has every key, and reads
// back as the defaults.
func TestInitExample(t *testing.T) {
	var b bytes.Buffer
	if err := WriteExample(&b); err != nil {
		t.Fatal(err)
	}
	for _, k := range fileKeys {
		if k.isTable() {
			if !strings.Contains(b.String(), "\n# [["+k.name+"]]\n") {
				t.Errorf("example lacks [[%s]]", k.name)
			}
		} else if !strings.Contains(b.String(), "\n"+k.name+" = ") {
			t.Errorf("example lacks %s", k.name)
		}
	}
	s, err := ParseFile("init.toml", b.String(), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	d.Ports, d.Rendezvous, d.STUN, d.Emulator.CheatFiles = []int{}, []string{}, []string{}, []string{} // the file writes [] for them
	if !reflect.DeepEqual(s, d) {
		t.Errorf("example reads as %+v, want the defaults %+v", s, d)
	}
}

func TestBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		line int
		key  string
		msg  string
	}{
		{"unknown key", "name = \"a\"\nlgg = 3\n", 2, "lgg", "unknown key; did you mean lag?"},
		{"unknown far key", "\n\nwallpaper = \"x.png\"\n", 3, "wallpaper", "unknown key"},
		{"unknown table", "lag = 1\n[kaillera]\nkey = 1\n", 2, "kaillera", "unknown table"},
		{"vpn_only without vpn", "vpn_only = true", 1, "vpn_only", "needs vpn = true"},
		{"vpn and connect", "vpn = true\nconnect = \"10.0.0.1\"", 1, "vpn", "to join through one"},
		{"vpn port out of range", "vpn = true\nvpn_port = -1", 2, "vpn_port", "not a port number"},
		{"bad vpn endpoint", "vpn_endpoint = \"router.example\"", 1, "vpn_endpoint", "not an IP address or IP:PORT"},
		{"mangled invite", "connect = \"netpak1ab cd\"", 1, "connect", "not a whole invite"},
		{"bad r4300", "r4300_emulator = \"fast\"", 1, "r4300_emulator", `"fast" is not one of`},
		{"dummy rsp", "rsp_plugin = \"dummy\"", 1, "rsp_plugin", "cannot be the dummy"},
		{"bad rendezvous", "rendezvous = [\"rv.example.org\"]", 1, "rendezvous", "not HOST:PORT"},
		{"rendezvous not strings", "rendezvous = [6465]", 1, "rendezvous", "wants strings"},
		{"headless not bool", "headless = \"yes\"", 1, "headless", "wants true or false"},
		{"dotted key", "lag = 1\nsaves.dir = \"x\"\n", 2, "saves", "unknown table"},
		{"wrong type int", "lag = \"three\"\n", 1, "lag", "wants an integer, not a string"},
		{"wrong type bool", "\ngolf = 1\n", 2, "golf", "wants true or false, not an integer"},
		{"wrong type string", "name = 7", 1, "name", "wants a string, not an integer"},
		{"float for int", "autostart = 2.5", 1, "autostart", "wants an integer, not a float"},
		{"lag out of range", "# comment\nlag = 300\n", 2, "lag", "300 is not a number from 0 to 255"},
		{"port out of range", "port = 70000", 1, "port", "not a port number"},
		{"autostart out of range", "autostart = 5", 1, "autostart", "not a number from 0 to 4"},
		{"drop timeout text", "drop_timeout = \"soon\"", 1, "drop_timeout", "not a duration"},
		{"drop timeout short", "drop_timeout = \"10ms\"", 1, "drop_timeout", "not between 0.5s and 60s"},
		{"bad button", "golf_button = \"X\"", 1, "golf_button", `"X" is not a button`},
		{"bad ports", "ports = [1, 5]", 1, "ports", "5 is not a controller port"},
		{"twice a port", "ports = [2, 2]", 1, "ports", "listed twice"},
		{"ports not array", "ports = 1", 1, "ports", "wants an array"},
		{"spectator with ports", "spectator = true\nports = [1]", 2, "ports", "a spectator holds no controller ports"},
		{"server and connect", "server = true\nconnect = \"a\"", 2, "connect", "not both"},
		{"bad connect", "connect = \"a:b:c\"", 1, "connect", "not HOST:PORT"},
		{"bad name", "name = \"two words\"", 1, "name", "spaces"},
		{"bad bind", "bind = \"localhost\"", 1, "bind", "not an IP address"},
		{"syntax", "name = \"a\"\nlag = = 3\n", 2, "lag", "expected value"},
		{"duplicate key", "lag = 1\nlag = 2\n", 2, "lag", "already been defined"},
		{"bad stun", "stun = [\"stun.example.org\"]", 1, "stun", "not HOST:PORT"},
		{"stun not array", "stun = \"stun.example.org:3478\"", 1, "stun", "wants an array of strings"},
		{"too many stun", "stun = [" + strings.Repeat("\"a:1\", ", 9) + "]", 1, "stun", "more than 8 entries"},
		{"port_mapping not bool", "\nport_mapping = \"upnp\"", 2, "port_mapping", "wants true or false"},
		{"bad emulator", "lag = 1\nemulator = \"zsnes\"\n", 2, "emulator", `"zsnes" is not one of mupen64plus`},
		{"emulator not string", "emulator = 64", 1, "emulator", "wants a string"},
		{"cheat_files not array", "cheat_files = \"a.txt\"", 1, "cheat_files", "wants an array of strings"},
		{"cheat_files empty name", "cheat_files = [\"\"]", 1, "cheat_files", "an empty file name"},
		{"too many cheat_files", "cheat_files = [" + strings.Repeat("\"a\", ", 9) + "]", 1, "cheat_files", "more than 8 entries"},
		{"host_wins not bool", "host_wins = \"yes\"", 1, "host_wins", "wants true or false"},
		{"cheat not a table", "cheat = \"Infinite Lives\"", 1, "cheat", "wants [[cheat]] tables"},
		{"cheat without name", "lag = 1\n[[cheat]]\nname = \"A\"\n\n[[cheat]]\noption = \"High\"\n", 5, "cheat", "entry 2: a cheat needs a name"},
		{"cheat unknown key", "[[cheat]]\nname = \"A\"\nopt = \"x\"\n", 1, "cheat", `unknown key "opt"`},
		{"cheat name not string", "[[cheat]]\nname = 3\n", 1, "cheat", "name wants a string, not an integer"},
		{"cheat twice", "[[cheat]]\nname = \"A\"\n[[cheat]]\nname = \"A\"\n", 3, "cheat", "enabled twice"},
		{"cheat control chars", "[[cheat]]\nname = \"A\\u0007\"\n", 1, "cheat", "control characters"},
		{"other table array", "[[cheats]]\nname = \"A\"\n", 1, "cheats", "the only table is [[cheat]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := Defaults()
			s, err := ParseFile("bad.toml", tc.text, base)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFile = %+v, %v; want a *FileError", s, err)
			}
			if fe.File != "bad.toml" || fe.Line != tc.line || fe.Key != tc.key || !strings.Contains(fe.Err.Error(), tc.msg) {
				t.Errorf("error %q: file %q line %d key %q; want line %d key %q with %q", err, fe.File, fe.Line, fe.Key, tc.line, tc.key, tc.msg)
			}
			if !reflect.DeepEqual(s, base) {
				t.Errorf("a bad file changed the settings: %+v", s)
			}
		})
	}
}

func TestFileErrorFormat(t *testing.T) {
	_, err := ParseFile("evening.toml", "lag = 300\n", Defaults())
	if want := "evening.toml:1: lag: 300 is not a number from 0 to 255"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestLoadFileMissingAndHuge(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadFile(filepath.Join(dir, "none.toml"), Defaults()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	huge := filepath.Join(dir, "huge.toml")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("# x\n"), maxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	var fe *FileError
	if _, err := LoadFile(huge, Defaults()); !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge file: %v", err)
	}
}

// nestingBomb returns "a = {a = {a = ... 1 ... }}}" with depth inline
// tables: at depth 10,000 (60 KB) it cost the TOML decoder 33 s and 4 GB.
func nestingBomb(depth int) string {
	return "a = " + strings.Repeat("{a = ", depth) + "1" + strings.Repeat("}", depth) + "\n"
}

// TestNestingBombRefused checks that the 60 KB bomb is refused by the
// scanner that runs before the decoder, so the decoder never sees it; so
// are 40 KB of dotted key, which took the decoder 83 s.
func TestNestingBombRefused(t *testing.T) {
	bomb := nestingBomb(10000)
	if line, ok := checkNesting(bomb, maxNesting); ok || line != 1 {
		t.Errorf("checkNesting(bomb) = %d, %v; want line 1, refused", line, ok)
	}
	for _, dotted := range []string{
		strings.Repeat("a.", 20000) + "a = 1\n",
		"[" + strings.Repeat("a.", 20000) + "a]\n",
		"x = {" + strings.Repeat("a.", 20000) + "a = 1}\n",
	} {
		_, err := ParseFile("dots.toml", dotted, Defaults())
		if want := "dots.toml:1: arrays, tables or dotted keys nested deeper than 16"; err == nil || err.Error() != want {
			t.Errorf("ParseFile(%.20q...) = %v, want %q", dotted, err, want)
		}
	}
	base := Defaults()
	s, err := ParseFile("bomb.toml", "lag = 2\n# {{{{\n"+bomb, base)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 3 {
		t.Fatalf("ParseFile(bomb) = %v; want a *FileError at line 3", err)
	}
	if want := "bomb.toml:3: arrays, tables or dotted keys nested deeper than 16"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if !reflect.DeepEqual(s, base) {
		t.Errorf("a refused file changed the settings: %+v", s)
	}
	big := strings.Repeat("# x\n", maxFileSize/4+1)
	if _, err := ParseFile("big.toml", big, base); !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ParseFile of %d bytes: %v", len(big), err)
	}
}

func TestCheckNesting(t *testing.T) {
	deep := func(n int) string { return "a = " + strings.Repeat("[", n) + strings.Repeat("]", n) }
	open := strings.Repeat("[", 40) + strings.Repeat("{", 40)
	for _, tc := range []struct {
		name string
		text string
		line int // 0: accepted
	}{
		{"empty", "", 0},
		{"session file", "ports = [1, 2]\n[[cheat]]\nname = \"A\"\n", 0},
		{"at the limit", deep(maxNesting), 0},
		{"over the limit", deep(maxNesting + 1), 1},
		{"inline tables", "\n\n" + nestingBomb(maxNesting+1), 3},
		{"sequential, not nested", strings.Repeat("a = [[[[]]]]\n", 100), 0},
		{"closing more than opened", "a = ]]]]\n" + deep(maxNesting+1), 2},
		{"basic string", `a = "` + open + `"`, 0},
		{"escaped quote", `a = "\"` + open + `"`, 0},
		{"escaped backslash ends the string", `a = "\\"` + deep(17), 1},
		{"literal string", "a = '" + open + "'", 0},
		{"literal backslash ends the string", `a = '\'` + deep(17), 1},
		{"comment", "# " + open + "\nb = 1", 0},
		{"comment ends at the line", "# \"\n" + deep(17), 2},
		{"quote in a comment", "# '\n" + deep(17), 2},
		{"multi-line basic", "a = \"\"\"\n" + open + "\n\"\"\"\n" + deep(17), 4},
		{"multi-line basic with quotes", `a = """""` + open + `"""""` + "\n" + deep(17), 2},
		{"multi-line escaped quotes", `a = """\"""` + open + `"""`, 0},
		{"line continuation", "a = \"\"\"x\\\n" + open + "\"\"\"\n" + deep(17), 3},
		{"multi-line literal", "a = '''\n" + open + "\\'''\n" + deep(17), 3},
		{"unterminated string ends at the line", "a = \"" + open + "\n" + deep(17), 2},
		{"unterminated multi-line", "a = '''" + open, 0},
		{"table headers count", "[[" + strings.Repeat("[", 15) + "a", 1},
		{"dotted key", strings.Repeat("a.", maxNesting) + "a = 1", 0},
		{"dotted key too deep", "\n" + strings.Repeat("a.", maxNesting+1) + "a = 1", 2},
		{"dotted key bomb", strings.Repeat("a.", 20000) + "a = 1", 1},
		{"dotted key opens the value", strings.Repeat("a.", maxNesting-1) + "a = [1]", 0},
		{"dotted key opens the value too deep", strings.Repeat("a.", maxNesting) + "a = [1]", 1},
		{"dotted key in an inline table", "x = {" + strings.Repeat("a.", maxNesting) + "a = 1}", 1},
		{"dotted table header", "[" + strings.Repeat("a.", maxNesting) + "a]", 1},
		{"dots end at a comma", "x = {" + strings.Repeat("a.b = 1, ", 100) + "c = 1}", 0},
		{"dots end at the line", strings.Repeat("a.b.c.d = 1\n", 100), 0},
		{"closing goes back to the key", "a.b.c = [[1], [2]]\n" + strings.Repeat("a.", 13) + "a = [[[1]]]", 0},
		{"closing goes back to the key, too deep", "a.b.c = [[1], [2]]\n" + strings.Repeat("a.", 14) + "a = [[[1]]]", 2},
		{"floats", "a = [" + strings.Repeat("1.5, ", 100) + "2.5]\nb = 1979-05-27T07:32:00.999Z", 0},
		{"dots in strings and comments", `a = "` + strings.Repeat(".", 40) + `" # ` + strings.Repeat(".", 40) + "\nb.'c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r'.\"s.t.u.v.w.x.y.z.1.2.3\" = 1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, ok := checkNesting(tc.text, maxNesting)
			if ok != (tc.line == 0) || line != tc.line {
				t.Errorf("checkNesting(%q) = %d, %v; want line %d", tc.text, line, ok, tc.line)
			}
		})
	}
}

func FuzzParseFile(f *testing.F) {
	// Small bombs: the 10,000-deep one would make every mutation 60 KB.
	f.Add(nestingBomb(maxNesting + 1))
	f.Add(nestingBomb(maxNesting))
	f.Add("a = \"\"\"\n[[\"\"\"\nb = '''{{'''\n# [\nc = '[' # ]")
	f.Add(strings.Repeat("a.", maxNesting) + "a = 1.5")
	for _, s := range []string{"", "lag = 3", "ports = [1, 2]", "[x]\ny=1", "name = \"\\u0000\"", "drop_timeout = \"1s\"", "lag = 99999999999999999999",
		"[[cheat]]\nname = \"A\"\noption = \"B\"", "[[cheat]]\n[[cheat]]\nname = 1", "cheat = [1]", "stun = [\"a:1\"]\nport_mapping = false", "emulator = \"pj64-3\"\nhost_wins = true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		base := Defaults()
		s, err := ParseFile("f.toml", text, base)
		if err != nil {
			if !reflect.DeepEqual(s, base) {
				t.Fatalf("error %v but settings changed: %+v", err, s)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted settings fail Validate: %v", err)
		}
	})
}

// TestManyMistakesReportedBounded: a file of nothing but unknown keys gets
// a bounded report; finding the line of each mistake reads the whole text.
func TestManyMistakesReportedBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < maxFileSize-20; i++ {
		fmt.Fprintf(&b, "k%d = 1\n", i)
	}
	_, err := ParseFile("keys.toml", b.String(), Defaults())
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("ParseFile = %v, want joined errors", err)
	}
	errs := joined.Unwrap()
	if len(errs) != maxFileErrors+1 || !strings.Contains(errs[maxFileErrors].Error(), "more mistakes not shown") {
		t.Fatalf("%d errors, last %v; want %d and a note", len(errs), errs[len(errs)-1], maxFileErrors+1)
	}
	var fe *FileError
	if !errors.As(errs[0], &fe) || fe.Line != 1 || fe.Key != "k0" {
		t.Errorf("first error %v", errs[0])
	}
}
