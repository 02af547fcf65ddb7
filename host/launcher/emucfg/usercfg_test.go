package emucfg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userCfg returns testdata/mupen64plus.cfg, a player's mupen64plus.cfg as
// the core writes one (behind a byte-order mark and a CRLF an editor
// left), with a custom controller mapping, a custom resolution, and three
// settings netplay must force set to other values. host/launcher's tests
// give the same file to the real core.
func userCfg(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", CfgFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseCfg(t *testing.T) {
	c, err := parseCfg([]byte(userCfg(t)))
	if err != nil {
		t.Fatalf("parseCfg: %v", err)
	}
	checks := []struct {
		section, name string
		typ           ParamType
		raw           string
	}{
		{"Core", "Version", TypeFloat, "1.010000"},
		{"core", "r4300emulator", TypeInt, "1"},
		{"Core", "DisableExtraMem", TypeBool, "False"},
		{"Core", "SaveSRAMPath", TypeString, `""`},
		{"Video-General", "ScreenWidth", TypeInt, "1280"},
		{"Input-SDL-Control1", "A Button", TypeString, `"button(1)"`},
		{"Input-SDL-Control1", `Cheat "Moon = Jump" Enabled`, TypeBool, "True"},
	}
	for _, ch := range checks {
		v, ok := c.lookup(ch.section, ch.name)
		if !ok || v.typ != ch.typ || v.raw != ch.raw {
			t.Errorf("%s/%s = %+v, %v; want type %d %q", ch.section, ch.name, v, ok, ch.typ, ch.raw)
		}
	}
	if _, ok := c.lookup("Core", "ScreenWidth"); ok {
		t.Error("a parameter of another section found in Core")
	}
}

func TestParseCfgRefuses(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no section", "Version = 1.0\n", "line 1: parameter"},
		{"no equals", "[Core]\njust words\n", "line 2: \"just words\" is neither"},
		{"open section", "[Core\n", "line 1"},
		{"empty section", "[ ]\n", "line 1"},
		{"unclosed string", "[Core]\nScreenshotPath = \"/tmp\n", "line 2: ScreenshotPath: string"},
		{"not a value", "[Core]\nR4300Emulator = dynarec\n", "line 2: R4300Emulator: \"dynarec\" is not a number"},
		{"bad float", "[Core]\nVersion = 1.0.0\n", "line 2: Version"},
		{"huge int", "[Core]\nCountPerOp = 99999999999\n", "line 2: CountPerOp"},
		{"empty name", "[Core]\n = 1\n", "line 2"},
		{"NUL", "[Core]\nA = \"x\x00\"\n", "NUL"},
		{"too large", "[Core]\n" + strings.Repeat("#", maxCfgSize), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCfg([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseCfg = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// FuzzParseCfg: any text parses or is refused without a panic, and what
// parses has every parameter inside a section with a typed value.
func FuzzParseCfg(f *testing.F) {
	f.Add([]byte(userCfg(f)))
	f.Add([]byte("[Core]\nVersion = 1.01\nX = \"a\"\nY = True\nZ = -3\n"))
	f.Add([]byte("[]\n= \n\"\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := parseCfg(text)
		if err != nil {
			return
		}
		for _, s := range c.sections {
			if s.name == "" {
				t.Fatal("a section without a name")
			}
			for _, p := range s.params {
				if p.name == "" || p.value.typ < TypeInt || p.value.typ > TypeString {
					t.Fatalf("parameter %+v", p)
				}
				if _, err := parseCfgValue(p.value.raw); err != nil {
					t.Fatalf("value %q parsed once, not twice: %v", p.value.raw, err)
				}
			}
		}
	})
}

func writeUserCfg(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CfgFile), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOverrides(t *testing.T) {
	dir := writeUserCfg(t, userCfg(t))
	c := Config{ROM: "x", UserConfigDir: dir, SaveDir: "/srv/saves", R4300Emulator: EmuDynarec}
	got, err := c.Overrides()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range got {
		lines = append(lines, o.Section+"/"+o.Name+" "+o.Yours+" -> "+o.Game)
	}
	// DisableExtraMem agrees; the empty save path is mupen64plus' default
	// place, not a choice; the screenshot path is not forced.
	want := []string{"Core/R4300Emulator 1 -> 2", "Core/CountPerOp 3 -> 0", "Core/EnableDebugger True -> False"}
	if strings.Join(lines, "; ") != strings.Join(want, "; ") {
		t.Errorf("overrides %q, want %q", lines, want)
	}
	if s := got[0].String(); !strings.Contains(s, "r4300_emulator") {
		t.Errorf("override says %q, want the setting that chooses it", s)
	}

	c.R4300Emulator = EmuCachedInterpreter
	if got, _ := c.Overrides(); len(got) != 2 || got[0].Name != "CountPerOp" {
		t.Errorf("with the player's own CPU emulator, overrides %v", got)
	}
	saves := writeUserCfg(t, "[Core]\nSaveSRAMPath = \"/home/alice/saves/\"\n")
	c.UserConfigDir = saves
	if got, _ := c.Overrides(); len(got) != 1 || got[0].Name != "SaveSRAMPath" || got[0].Game != `"/srv/saves`+string(os.PathSeparator)+`"` {
		t.Errorf("a chosen save folder: overrides %v", got)
	}

	for _, dir := range []string{"", t.TempDir()} { // none, or a folder without the file
		if got, err := (Config{UserConfigDir: dir}).Overrides(); got != nil || err != nil {
			t.Errorf("UserConfigDir %q: %v, %v; want nothing", dir, got, err)
		}
	}
	broken := writeUserCfg(t, "[Core]\nR4300Emulator = fast\n")
	if _, err := (Config{UserConfigDir: broken}).Overrides(); !errors.Is(err, ErrUserConfig) ||
		!strings.Contains(err.Error(), filepath.Join(broken, CfgFile)+": line 2") {
		t.Errorf("damaged file: %v, want ErrUserConfig naming the file and line", err)
	}
}
