package emucfg

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	ok := func() Config { return Config{ROM: "/tmp/x.z64"} }
	tests := []struct {
		name   string
		modify func(c *Config)
		valid  bool
	}{
		{"minimal", func(c *Config) {}, true},
		{"full netplay", func(c *Config) {
			c.NetplayHost, c.NetplayPort, c.Ports = "127.0.0.1", 45000, []int{1, 3}
			c.Cheats = []Cheat{{Name: "moon jump", Codes: []CheatCode{{0xD033AFA1, 0x0020}, {0x8133B1BC, 0x4220}}}}
			c.Settings = []Setting{{"Core", "CountPerOp", "int", "2"}, {"Core", "DisableExtraMem", "bool", "false"}}
			c.DoneAddr, c.ReportAddrs = 0x10000C, []uint32{0x100004, 0x100008}
		}, true},
		{"no ROM", func(c *Config) { c.ROM = "" }, false},
		{"NUL in path", func(c *Config) { c.LogPath = "a\x00b" }, false},
		{"dummy RSP", func(c *Config) { c.RSP = Dummy }, false},
		{"unknown emulator", func(c *Config) { c.R4300Emulator = "turbo" }, false},
		{"ports without host", func(c *Config) { c.Ports = []int{1} }, false},
		{"port 0", func(c *Config) { c.NetplayHost, c.NetplayPort = "h", 0 }, false},
		{"player 5", func(c *Config) { c.NetplayHost, c.NetplayPort, c.Ports = "h", 1, []int{5} }, false},
		{"player twice", func(c *Config) { c.NetplayHost, c.NetplayPort, c.Ports = "h", 1, []int{2, 2} }, false},
		{"bad int setting", func(c *Config) { c.Settings = []Setting{{"Core", "CountPerOp", "int", "two"}} }, false},
		{"unknown setting type", func(c *Config) { c.Settings = []Setting{{"Core", "X", "list", "1"}} }, false},
		{"setting without section", func(c *Config) { c.Settings = []Setting{{"", "X", "int", "1"}} }, false},
		{"cheat without codes", func(c *Config) { c.Cheats = []Cheat{{Name: "x"}} }, false},
		{"cheat without name", func(c *Config) { c.Cheats = []Cheat{{Codes: []CheatCode{{1, 2}}}} }, false},
		{"too many cheats", func(c *Config) { c.Cheats = make([]Cheat, maxCheats+1) }, false},
		{"unaligned done address", func(c *Config) { c.DoneAddr = 0x10000E }, false},
		{"report address past RDRAM", func(c *Config) { c.ReportAddrs = []uint32{RDRAMSize} }, false},
		{"huge path", func(c *Config) { c.ROM = strings.Repeat("a", maxString+1) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.modify(&c)
			err := c.Validate()
			if tt.valid && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
			if !tt.valid && !errors.Is(err, ErrConfig) {
				t.Errorf("Validate = %v, want ErrConfig", err)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	c := Config{ROM: "x"}.WithDefaults()
	if c.CoreLib != DefaultCoreLib || c.Video != DefaultVideo || c.Audio != DefaultAudio ||
		c.Input != DefaultInput || c.RSP != DefaultRSP || c.DataDir != DefaultDataDir {
		t.Errorf("defaults not applied: %+v", c)
	}
	h := Config{ROM: "x", Headless: true, Video: "mine.so"}.WithDefaults()
	if h.Video != Dummy || h.Audio != Dummy || h.Input != Dummy || h.RSP != DefaultRSP {
		t.Errorf("headless plugins = %q %q %q %q", h.Video, h.Audio, h.Input, h.RSP)
	}
}

func TestSettingParse(t *testing.T) {
	tests := []struct {
		set  Setting
		want Value
	}{
		{Setting{"Core", "CountPerOp", "int", "-1"}, Value{Type: TypeInt, Int: -1}},
		{Setting{"Core", "NoCompiledJump", "bool", "true"}, Value{Type: TypeBool, Int: 1}},
		{Setting{"Core", "NoCompiledJump", "bool", "0"}, Value{Type: TypeBool}},
		{Setting{"Video", "Gamma", "float", "1.5"}, Value{Type: TypeFloat, Float: 1.5}},
		{Setting{"Core", "SaveSRAMPath", "string", "/tmp/"}, Value{Type: TypeString, Str: "/tmp/"}},
	}
	for _, tt := range tests {
		t.Run(tt.set.Name+"="+tt.set.Value, func(t *testing.T) {
			got, err := tt.set.Parse()
			if err != nil || got != tt.want {
				t.Errorf("parse = %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDebianPackage(t *testing.T) {
	tests := []struct{ path, want string }{
		{"libmupen64plus.so.2", "libmupen64plus2"},
		{"/usr/lib/x86_64-linux-gnu/libmupen64plus.so.2.0.0", "libmupen64plus2"},
		{"/usr/lib/x86_64-linux-gnu/mupen64plus/mupen64plus-rsp-hle.so", "mupen64plus-rsp-hle"},
		{"mupen64plus-video-glide64mk2.so", "mupen64plus-video-glide64mk2"},
		{"mupen64plus-input-sdl.so", "mupen64plus-input-sdl"},
		{"/opt/weird.so", "the package that provides weird.so"},
	}
	for _, tt := range tests {
		if got := debianPackage(tt.path); got != tt.want {
			t.Errorf("debianPackage(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestResolvePlugin(t *testing.T) {
	abs := filepath.Join(string(filepath.Separator)+"abs", "p.so")
	if got := resolvePlugin("/x", abs); got != abs {
		t.Errorf("path kept: got %q", got)
	}
	if got := resolvePlugin("/x", "p.so"); got != filepath.Join("/x", "p.so") {
		t.Errorf("plugin dir: got %q", got)
	}
	dir := t.TempDir()
	rsp := filepath.Join(dir, "RSP", "p.so")
	if err := os.MkdirAll(filepath.Dir(rsp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rsp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := resolvePlugin(dir, "p.so"); got != rsp {
		t.Errorf("kind subfolder: got %q, want %q", got, rsp)
	}
	if runtime.GOOS == "windows" {
		return // no Debian search
	}
	if got := resolvePlugin("", "no-such-plugin.so"); !strings.HasSuffix(got, "/mupen64plus/no-such-plugin.so") {
		t.Errorf("search: got %q", got)
	}
}
