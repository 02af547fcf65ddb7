package emucfg

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Dummy names a plugin slot the core fills with its built-in dummy plugin
// (NULL attach). It is valid for video, audio and input, not for the RSP.
const Dummy = "dummy"

// Bounds on what a Config may carry, so the child protocol stays small.
const (
	maxCheats     = 256
	maxCheatCodes = 256
	maxSettings   = 64
	maxWatchAddrs = 64
	maxPorts      = 4
	maxString     = 4096
)

// Emulator modes for [Config.R4300Emulator].
const (
	EmuDynarec           = "dynarec" // the default
	EmuCachedInterpreter = "cached-interpreter"
	EmuPureInterpreter   = "pure-interpreter"
)

// defaultEmulatorSetting is the core's R4300Emulator value for dynarec.
const defaultEmulatorSetting = 2

var emulatorModes = map[string]int{
	"":                   defaultEmulatorSetting,
	EmuPureInterpreter:   0,
	EmuCachedInterpreter: 1,
	EmuDynarec:           2,
}

// ErrConfig reports a Config that [Config.Validate] rejects.
var ErrConfig = errors.New("launcher: invalid config")

// Config says how to run one emulator. The zero value plus a ROM path runs
// the game with Debian's core and plugins, solo, logging nowhere.
type Config struct {
	// ROM is the path of the ROM image (z64, v64 or n64 byte order).
	ROM string

	// CoreLib is the core library, a path or a name for the dynamic
	// loader. Empty means [DefaultCoreLib]; on Windows that name is looked
	// for in the usual install places first (see [Locate]).
	CoreLib string
	// PluginDir holds the plugins named without a path; a plugin may also
	// sit in a subfolder named after its kind (GFX, Audio, Input, RSP), as
	// in an RMG install. Empty means the first of Debian's and the usual
	// install directories that exists, or the folder of the install the
	// core was found in on Windows.
	PluginDir string
	// DataDir holds mupen64plus.ini and mupencheat.txt. Empty means
	// [DefaultDataDir], or the install's data folder on Windows.
	DataDir string
	// ConfigDir is the core's private config directory, which the core
	// may write. Empty means a temporary directory removed when the
	// emulator ends.
	ConfigDir string
	// UserConfigDir is the player's own mupen64plus config directory, as
	// [DefaultUserConfigDir] names it. Its mupen64plus.cfg (controller
	// mappings, resolution, fullscreen and the rest) is copied into
	// ConfigDir and the game starts from the copy, with only the settings
	// netplay forces changed (see [Config.Overrides]); the player's file
	// is never written. A folder without the file, or empty, starts from
	// the core's defaults. It must not be ConfigDir.
	UserConfigDir string
	// SaveDir receives the game's save files. Empty means ConfigDir.
	SaveDir string
	// LogPath receives the core's and plugins' log lines and anything they
	// print. Empty discards them.
	LogPath string

	// Video, Audio, Input and RSP name the plugins: a file in PluginDir, a
	// path, or [Dummy] (not for RSP). Empty means Debian's defaults.
	Video, Audio, Input, RSP string
	// Headless uses the dummy video, audio and input plugins and raises
	// the RDP-done interrupt the dummy video plugin forgets, so games do
	// not stall after their first display list.
	Headless bool

	// R4300Emulator is one of the Emu* modes; empty means dynarec.
	R4300Emulator string
	// Settings are extra core configuration parameters.
	Settings []Setting
	// NoSpeedLimit runs as fast as possible (solo only: netplay turns the
	// limiter back on at every poll).
	NoSpeedLimit bool

	// Cheats are added before netplay starts; the core refuses them after.
	Cheats []Cheat

	// NetplayHost and NetplayPort point the core's netplay at a netpak
	// bridge or host. Empty host means a solo run.
	NetplayHost string
	NetplayPort int
	// Ports are the player numbers (1-4) this emulator controls, in the
	// order of its local controllers. None means a spectator.
	Ports []int
	// RegID is the registration id sent for every port; 0 picks a random
	// non-zero one.
	RegID uint32

	// DoneAddr, when non-zero, is an RDRAM address the child watches; once
	// the word there is non-zero it reports the words at ReportAddrs.
	DoneAddr    uint32
	ReportAddrs []uint32
	// StopWhenDone stops the emulator after that report.
	StopWhenDone bool

	// CheckOnly only checks that the game can start: the child loads the
	// core, reads the player's configuration, opens the ROM, loads each
	// plugin's library, and ends without running anything. See
	// [github.com/netpak/netpak/host/launcher.Check].
	CheckOnly bool

	// Logf receives the parent's diagnostics; nil discards them. It is not
	// sent to the child.
	Logf func(format string, args ...any) `json:"-"`
}

// Setting is one core configuration parameter, e.g. {"Core",
// "CountPerOp", "int", "2"}.
type Setting struct {
	Section string
	Name    string
	Type    string // "int", "bool", "float" or "string"
	Value   string
}

// Cheat is one named cheat of the session's agreed set.
type Cheat struct {
	Name  string
	Codes []CheatCode
}

// CheatCode is one GameShark line: the code word (type and address) and
// its 16-bit value.
type CheatCode struct {
	Addr  uint32
	Value uint16
}

// Key names one core configuration parameter, as a running emulator's
// configuration is read.
type Key struct {
	Section string `json:"section"`
	Name    string `json:"name"`
}

// Validate reports whether c can be run, wrapping [ErrConfig].
func (c *Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

func (c *Config) validate() error {
	if c.ROM == "" {
		return errors.New("no ROM path")
	}
	for _, s := range []string{c.ROM, c.CoreLib, c.PluginDir, c.DataDir, c.ConfigDir, c.UserConfigDir,
		c.SaveDir, c.LogPath, c.Video, c.Audio, c.Input, c.RSP, c.NetplayHost} {
		if len(s) > maxString || strings.ContainsRune(s, 0) {
			return fmt.Errorf("bad path or name %.40q", s)
		}
	}
	if c.UserConfigDir != "" && c.ConfigDir != "" && filepath.Clean(c.UserConfigDir) == filepath.Clean(c.ConfigDir) {
		return errors.New("the player's own config dir cannot be the core's private one: the core writes it")
	}
	if c.RSP == Dummy {
		return errors.New("the RSP plugin cannot be the dummy")
	}
	if _, ok := emulatorModes[c.R4300Emulator]; !ok {
		return fmt.Errorf("unknown R4300 emulator %q", c.R4300Emulator)
	}
	if err := validateSettings(c.Settings); err != nil {
		return err
	}
	if err := validateCheats(c.Cheats); err != nil {
		return err
	}
	if err := c.validateNetplay(); err != nil {
		return err
	}
	if len(c.ReportAddrs) > maxWatchAddrs {
		return fmt.Errorf("%d report addresses, at most %d", len(c.ReportAddrs), maxWatchAddrs)
	}
	return ValidateAddrs(append([]uint32{c.DoneAddr}, c.ReportAddrs...))
}

func (c *Config) validateNetplay() error {
	if c.NetplayHost == "" {
		if len(c.Ports) > 0 {
			return errors.New("ports given without a netplay host")
		}
		return nil
	}
	if c.NetplayPort < 1 || c.NetplayPort > 65535 {
		return fmt.Errorf("netplay port %d out of range", c.NetplayPort)
	}
	if len(c.Ports) > maxPorts {
		return fmt.Errorf("%d ports, at most %d", len(c.Ports), maxPorts)
	}
	seen := map[int]bool{}
	for _, p := range c.Ports {
		if p < 1 || p > 4 || seen[p] {
			return fmt.Errorf("bad or repeated player port %d", p)
		}
		seen[p] = true
	}
	return nil
}

func validateSettings(settings []Setting) error {
	if len(settings) > maxSettings {
		return fmt.Errorf("%d settings, at most %d", len(settings), maxSettings)
	}
	for _, s := range settings {
		if s.Section == "" || s.Name == "" || len(s.Section)+len(s.Name)+len(s.Value) > maxString {
			return fmt.Errorf("setting %q/%q: bad name", s.Section, s.Name)
		}
		if _, err := s.Parse(); err != nil {
			return err
		}
	}
	return nil
}

func validateCheats(cheats []Cheat) error {
	if len(cheats) > maxCheats {
		return fmt.Errorf("%d cheats, at most %d", len(cheats), maxCheats)
	}
	for _, ch := range cheats {
		if ch.Name == "" || len(ch.Name) > maxString || strings.ContainsRune(ch.Name, 0) {
			return fmt.Errorf("cheat %.40q: bad name", ch.Name)
		}
		if len(ch.Codes) == 0 || len(ch.Codes) > maxCheatCodes {
			return fmt.Errorf("cheat %q: %d codes, want 1 to %d", ch.Name, len(ch.Codes), maxCheatCodes)
		}
	}
	return nil
}

// RDRAMSize is the largest RDRAM the core maps (8 MiB with the expansion).
const RDRAMSize = 8 << 20

// ValidateAddrs returns an error unless every address is an aligned word
// of RDRAM, as [Config.DoneAddr], [Config.ReportAddrs] and the addresses
// a running emulator is asked for must be.
func ValidateAddrs(addrs []uint32) error {
	for _, a := range addrs {
		if a%4 != 0 || a >= RDRAMSize {
			return fmt.Errorf("RDRAM address %#x not an aligned word below %#x", a, RDRAMSize)
		}
	}
	return nil
}

// ParamType is the type of a core configuration parameter, numbered as
// mupen64plus-core's m64p_type.
type ParamType int32

// The parameter types.
const (
	TypeInt    ParamType = 1
	TypeFloat  ParamType = 2
	TypeBool   ParamType = 3
	TypeString ParamType = 4
)

// Value is a parsed [Setting], or a parameter read back from the core:
// the field of its Type is set (Int for TypeInt and TypeBool, 0 or 1).
type Value struct {
	Type  ParamType
	Int   int32
	Float float32
	Str   string
}

// Parse checks s's value against its type.
func (s Setting) Parse() (Value, error) {
	bad := func(err error) (Value, error) {
		return Value{}, fmt.Errorf("setting %s/%s: %w", s.Section, s.Name, err)
	}
	switch s.Type {
	case "int":
		n, err := strconv.ParseInt(s.Value, 10, 32)
		if err != nil {
			return bad(err)
		}
		return Value{Type: TypeInt, Int: int32(n)}, nil
	case "bool":
		b, err := strconv.ParseBool(s.Value)
		if err != nil {
			return bad(err)
		}
		v := Value{Type: TypeBool}
		if b {
			v.Int = 1
		}
		return v, nil
	case "float":
		f, err := strconv.ParseFloat(s.Value, 32)
		if err != nil {
			return bad(err)
		}
		return Value{Type: TypeFloat, Float: float32(f)}, nil
	case "string":
		if strings.ContainsRune(s.Value, 0) {
			return bad(errors.New("NUL in value"))
		}
		return Value{Type: TypeString, Str: s.Value}, nil
	}
	return bad(fmt.Errorf("unknown type %q", s.Type))
}

// String writes v as mupen64plus.cfg does: "text" in quotes, True or
// False, numbers.
func (v Value) String() string {
	switch v.Type {
	case TypeBool:
		if v.Int != 0 {
			return "True"
		}
		return "False"
	case TypeFloat:
		return fmt.Sprintf("%f", v.Float)
	case TypeString:
		return `"` + v.Str + `"`
	}
	return fmt.Sprint(v.Int)
}

// Locate returns c with the core library and data directory filled in as
// the emulator will use them: on Windows from the first install found in
// the usual places (netpak.exe's folder, the current folder,
// %LOCALAPPDATA%\Programs\RMG and \mupen64plus, %ProgramFiles%\RMG and
// \mupen64plus), else from [DefaultCoreLib] and [DefaultDataDir].
func Locate(c Config) Config {
	c = locate(c)
	if c.CoreLib == "" {
		c.CoreLib = DefaultCoreLib
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	return c
}

// WithDefaults returns c as the emulator runs it: located (see [Locate])
// and with every other empty field set to its default.
func (c Config) WithDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	c = Locate(c)
	def(&c.Video, DefaultVideo)
	def(&c.Audio, DefaultAudio)
	def(&c.Input, DefaultInput)
	def(&c.RSP, DefaultRSP)
	if c.Headless {
		c.Video, c.Audio, c.Input = Dummy, Dummy, Dummy
	}
	return c
}
