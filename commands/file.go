package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// maxFileSize bounds a session file; real ones are a few hundred bytes.
const maxFileSize = 64 << 10

// maxNesting bounds how deep arrays and tables nest in a session file. The
// deepest real value is a table inside an array of tables, depth 2 or 3;
// the TOML decoder needs time and memory growing fast with depth: 10,000
// nested inline tables in 60 KB took it 33 s and 4 GB, a dotted key of
// 20,000 parts in 40 KB 83 s.
const maxNesting = 16

// maxFileErrors bounds the mistakes ParseFile reports. Finding the line of
// each reads the whole text, so a file of nothing but unknown keys took
// seconds and gave an error of 600 KB.
const maxFileErrors = 20

// FileError is a problem in a session file, at a line (0 if unknown) and
// key ("" for a syntax error outside any key).
type FileError struct {
	File string
	Line int
	Key  string
	Err  error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	return b.String() + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// fileKey is one key of a session file: its doc comment, how to set it from
// a TOML value, and how to write its value.
type fileKey struct {
	name  string
	doc   string
	set   func(s *Settings, v any) error
	value func(s *Settings) string
}

// isTable reports whether k is an array of tables ([[cheat]]), which TOML
// wants after every plain key: examples show it last.
func (k *fileKey) isTable() bool { return k.name == "cheat" }

// fileKeys lists every session-file key in the order `netpak init` writes
// them. Keys read like the console commands.
var fileKeys = []fileKey{
	{"name", "The name others see (like /name); empty means your login name.",
		setString(func(s *Settings) *string { return &s.Name }), quoteString(func(s *Settings) string { return s.Name })},
	{"server", "Host a session and join it as its own player (like /server).",
		setBool(func(s *Settings) *bool { return &s.Server }), showBool(func(s *Settings) bool { return s.Server })},
	{"port", "The port to host on, TCP and UDP (0 picks a free one).",
		setInt(func(s *Settings) *int { return &s.Port }), showInt(func(s *Settings) int { return s.Port })},
	{"bind", "The address to host on; empty means every address of this machine.",
		setString(func(s *Settings) *string { return &s.Bind }), quoteString(func(s *Settings) string { return s.Bind })},
	{"connect", "Join the session at HOST[:PORT], or through the built-in VPN with an invite \"netpak1...\" (like /connect); empty joins nothing.",
		setString(func(s *Settings) *string { return &s.Connect }), quoteString(func(s *Settings) string { return s.Connect })},
	{"room", "With connect the address of a netpak server (lobby port 45000 unless given), join its room of this name (like /connect HOST room NAME); empty joins connect's session directly.",
		setString(func(s *Settings) *string { return &s.Room }), quoteString(func(s *Settings) string { return s.Room })},
	{"room_password", "The password of room, one word; empty for a room without one.",
		setString(func(s *Settings) *string { return &s.RoomPassword }), quoteString(func(s *Settings) string { return s.RoomPassword })},
	{"lag", "Everyone's lag in polls, 0-255 (like /lag).",
		setInt(func(s *Settings) *int { return &s.Lag }), showInt(func(s *Settings) int { return s.Lag })},
	{"autolag", "The host follows the network with the lag: the smallest lag that holds full speed for every pair of players, measured twice a second and announced (like /autolag). lag is then only where it starts; a player's /lag N turns it off.",
		setBool(func(s *Settings) *bool { return &s.AutoLag }), showBool(func(s *Settings) bool { return s.AutoLag })},
	{"golf", "Golf mode on from the start (like /golf).",
		setBool(func(s *Settings) *bool { return &s.Golf }), showBool(func(s *Settings) bool { return s.Golf })},
	{"golf_button", "The button that takes the golf seat: A, B, Z, L, R, Start, DUp, DDown, DLeft, DRight, CUp, CDown, CLeft or CRight.",
		setString(func(s *Settings) *string { return &s.GolfButton }), quoteString(func(s *Settings) string { return s.GolfButton })},
	{"autostart", "Start the game when this many players have joined, 0-4 (0 waits for /start).",
		setInt(func(s *Settings) *int { return &s.AutoStart }), showInt(func(s *Settings) int { return s.AutoStart })},
	{"drop_timeout", "Drop a member who sends nothing for this long (0.5s to 60s).",
		setDuration, func(s *Settings) string { return strconv.Quote(s.DropTimeout.String()) }},
	{"spectator", "Join as a spectator: watch, hold no controller port, never hold up the game.",
		setBool(func(s *Settings) *bool { return &s.Spectator }), showBool(func(s *Settings) bool { return s.Spectator })},
	{"ports", "The controller ports you want, 1-4, e.g. [1, 2] for two players on this machine; [] takes the next free one.",
		setPorts, showPorts},
	{"vpn", "Host through the built-in VPN too (like /server PORT vpn): players join with the invite /invite prints.",
		setBool(func(s *Settings) *bool { return &s.VPN }), showBool(func(s *Settings) bool { return s.VPN })},
	{"vpn_port", "The VPN's UDP port, the one port to forward on your router (0 picks a free one). Inside the tunnel the session is on port 6400.",
		setInt(func(s *Settings) *int { return &s.VPNPort }), showInt(func(s *Settings) int { return s.VPNPort })},
	{"vpn_only", "With vpn: serve the session only through the VPN (and on loopback for your own player), not on port.",
		setBool(func(s *Settings) *bool { return &s.VPNOnly }), showBool(func(s *Settings) bool { return s.VPNOnly })},
	{"vpn_endpoint", "The address invites tell players to reach, IP or IP:PORT (your router's public address when the port is forwarded); empty lists this machine's addresses.",
		setString(func(s *Settings) *string { return &s.VPNEndpoint }), quoteString(func(s *Settings) string { return s.VPNEndpoint })},
	{"rendezvous", "Rendezvous servers (\"HOST:PORT\", see netpak rendezvous) that pair players with a VPN host that has no open port, and relay when nothing else works; host and players list the same.",
		setStrings(maxRendezvous, func(s *Settings) *[]string { return &s.Rendezvous }), showStrings(func(s *Settings) []string { return s.Rendezvous })},
	{"stun", "STUN servers (\"HOST:PORT\") that tell a VPN host or player its public address, for invites and answer codes without a rendezvous server; rendezvous servers answer STUN too.",
		setStrings(maxRendezvous, func(s *Settings) *[]string { return &s.STUN }), showStrings(func(s *Settings) []string { return s.STUN })},
	{"port_mapping", "A VPN host asks the router to forward its UDP port (UPnP-IGD, NAT-PMP) and removes the mapping when the session ends.",
		setBool(func(s *Settings) *bool { return &s.PortMapping }), showBool(func(s *Settings) bool { return s.PortMapping })},
	{"rom", "The ROM image /start runs in mupen64plus (z64, v64 or n64); empty plays netpak's simulated game.",
		setString(func(s *Settings) *string { return &s.Emulator.ROM }), quoteString(func(s *Settings) string { return s.Emulator.ROM })},
	{"core_lib", "The mupen64plus core library, a path or a library name (Debian: libmupen64plus2).",
		setString(func(s *Settings) *string { return &s.Emulator.CoreLib }), quoteString(func(s *Settings) string { return s.Emulator.CoreLib })},
	{"plugin_dir", "Where the plugins are; empty finds Debian's /usr/lib/<arch>/mupen64plus.",
		setString(func(s *Settings) *string { return &s.Emulator.PluginDir }), quoteString(func(s *Settings) string { return s.Emulator.PluginDir })},
	{"data_dir", "mupen64plus' data directory, with mupen64plus.ini (Debian: mupen64plus-data).",
		setString(func(s *Settings) *string { return &s.Emulator.DataDir }), quoteString(func(s *Settings) string { return s.Emulator.DataDir })},
	{"config_dir", "Your mupen64plus configuration folder: the game starts from a copy of its mupen64plus.cfg (controller mappings, resolution, fullscreen), with only what netplay needs every player to agree on changed (/check lists it); your file is never written. Empty is mupen64plus' usual one (~/.config/mupen64plus, %APPDATA%\\Mupen64Plus on Windows).",
		setString(func(s *Settings) *string { return &s.Emulator.ConfigDir }), quoteString(func(s *Settings) string { return s.Emulator.ConfigDir })},
	{"save_dir", "Where the game's save files are kept; empty is netpak's data directory (~/.local/share/netpak).",
		setString(func(s *Settings) *string { return &s.Emulator.SaveDir }), quoteString(func(s *Settings) string { return s.Emulator.SaveDir })},
	{"emulator", "The save-file convention of save_dir: " + strings.Join(saveConventions(), ", ") + ". /check compares saves in it and /sync writes them in it.",
		setString(func(s *Settings) *string { return &s.Emulator.Saves }), quoteString(func(s *Settings) string { return s.Emulator.Saves })},
	{"cheat_files", "Cheat databases (mupencheat.txt, Project64 .cht, RMG/Project64 3 per-game .cht, simple64 cheats.json) the [[cheat]] names are looked up in, first match wins; [] uses Debian's " + debianCheats + " when installed.",
		setStrings(maxCheatFiles, func(s *Settings) *[]string { return &s.Emulator.CheatFiles }), showStrings(func(s *Settings) []string { return s.Emulator.CheatFiles })},
	{"host_wins", "/start sends the host's saves and cheats to every player who differs, then starts (like /sync, then /start), instead of refusing; with autostart, the host sends them once autostart's players are in, and autostart starts when they match.",
		setBool(func(s *Settings) *bool { return &s.HostWins }), showBool(func(s *Settings) bool { return s.HostWins })},
	{"video_plugin", "The video plugin: a file in plugin_dir, a path, or \"dummy\" for none.",
		setString(func(s *Settings) *string { return &s.Emulator.Video }), quoteString(func(s *Settings) string { return s.Emulator.Video })},
	{"audio_plugin", "The audio plugin: a file in plugin_dir, a path, or \"dummy\" for none.",
		setString(func(s *Settings) *string { return &s.Emulator.Audio }), quoteString(func(s *Settings) string { return s.Emulator.Audio })},
	{"input_plugin", "The input plugin: a file in plugin_dir, a path, or \"dummy\" for none.",
		setString(func(s *Settings) *string { return &s.Emulator.Input }), quoteString(func(s *Settings) string { return s.Emulator.Input })},
	{"rsp_plugin", "The RSP plugin: a file in plugin_dir or a path.",
		setString(func(s *Settings) *string { return &s.Emulator.RSP }), quoteString(func(s *Settings) string { return s.Emulator.RSP })},
	{"headless", "Run the emulator without video, sound or controllers (dummy plugins), e.g. on a server.",
		setBool(func(s *Settings) *bool { return &s.Emulator.Headless }), showBool(func(s *Settings) bool { return s.Emulator.Headless })},
	{"r4300_emulator", "The CPU emulator: dynarec, cached-interpreter or pure-interpreter. Every player must use the same.",
		setString(func(s *Settings) *string { return &s.Emulator.R4300 }), quoteString(func(s *Settings) string { return s.Emulator.R4300 })},
	{"cheat", "An enabled GameShark cheat of the ROM's game, one [[cheat]] table each: name as the cheat database writes it (\\ separates folders) and option, the label of the value for cheats that take one. Every player enables the same; /check compares them.",
		setCheats, showCheats},
}

// LoadFile reads a session file over base (usually Defaults()). Unknown
// keys, wrong types and out-of-range values are *FileError values naming
// the file, line and key; the first 20 of them are reported, joined.
func LoadFile(path string, base Settings) (Settings, error) {
	f, err := os.Open(path)
	if err != nil {
		return base, fmt.Errorf("read session file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return base, fmt.Errorf("read session file %s: %w", path, err)
	}
	if len(b) > maxFileSize {
		return base, &FileError{File: path, Err: fmt.Errorf("larger than %d bytes", maxFileSize)}
	}
	return ParseFile(path, string(b), base)
}

// ParseFile is LoadFile on the text of a file; name is for error messages.
// Text larger than 64 KiB, or with arrays, tables and dotted keys nested
// deeper than 16, is refused before it is decoded.
func ParseFile(name, text string, base Settings) (Settings, error) {
	if len(text) > maxFileSize {
		return base, &FileError{File: name, Err: fmt.Errorf("larger than %d bytes", maxFileSize)}
	}
	if line, ok := checkNesting(text, maxNesting); !ok {
		return base, &FileError{File: name, Line: line, Err: fmt.Errorf("arrays, tables or dotted keys nested deeper than %d", maxNesting)}
	}
	var raw map[string]any
	md, err := toml.Decode(text, &raw)
	if err != nil {
		return base, syntaxError(name, err)
	}
	s := base
	var errs []error
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		if seen[k[0]] {
			continue // a key inside a table reported with the table
		}
		if len(errs) == maxFileErrors {
			errs = append(errs, &FileError{File: name, Err: errors.New("more mistakes not shown")})
			break
		}
		seen[k[0]] = true
		if err := setKey(&s, k[0], raw[k[0]]); err != nil {
			line := keyLine(text, k[0])
			var ee *entryError
			if errors.As(err, &ee) {
				line = tableLine(text, k[0], ee.index)
			}
			errs = append(errs, &FileError{File: name, Line: line, Key: k[0], Err: err})
		}
	}
	if len(errs) > 0 {
		return base, errors.Join(errs...)
	}
	if err := s.Validate(); err != nil {
		var se *SettingError
		if errors.As(err, &se) {
			return base, &FileError{File: name, Line: keyLine(text, se.Key), Key: se.Key, Err: se.Err}
		}
		return base, &FileError{File: name, Err: err}
	}
	return s, nil
}

// checkNesting reports whether no array or table in the TOML text nests
// deeper than limit, and if one does, the line where it goes too deep. The
// decoder needs time and memory growing fast with depth, so this runs
// first, in one pass; the decoder reports every other mistake afterwards.
//
// Outside strings and comments, each bracket or brace opens a level, and
// so does each dot of a key: "a.b.c = {d = 1}" is depth 2 at "c" (tables
// a and b) and 3 inside the braces. A dot in a value, as in 1.5, counts as
// well. Table headers count too: "[[cheat]]" is depth 2, "[a.b]" also.
func checkNesting(text string, limit int) (line int, ok bool) {
	// open holds the depth outside each open bracket: levels can be
	// several deep at once ("a.b = [" opens 3), so closing one goes back
	// to the depth it started from. It never holds more than limit.
	open := make([]int, 0, limit)
	depth := 0
	dots := 0 // since the key started: "a.b = [" opens 3 levels
	line = 1
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\n':
			line++
			dots = 0
		case ',':
			dots = 0
		case '.':
			dots++
			if depth+dots > limit {
				return line, false
			}
		case '#':
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			var n int
			i, n = skipString(text, i)
			line += n
		case '[', '{':
			if depth+dots+1 > limit {
				return line, false
			}
			open = append(open, depth)
			depth, dots = depth+dots+1, 0
		case ']', '}':
			if len(open) > 0 {
				depth = open[len(open)-1]
				open = open[:len(open)-1]
			}
			dots = 0
		}
	}
	return 0, true
}

// skipString skips the TOML string that opens at text[i] (a quote) and
// returns the index of its last byte and how many newlines it spans. Basic
// strings, in double quotes, have backslash escapes; literal ones, in
// single quotes, do not. Either kind is multi-line between three quotes.
// One-line strings end at a newline, which the decoder reports as an error.
func skipString(text string, i int) (end, lines int) {
	q := text[i]
	if triple(text, i, q) {
		// Multi-line: up to two more quotes before the closing three belong
		// to the string, so the string ends after the run of quotes.
		for j := i + 3; j < len(text); j++ {
			switch text[j] {
			case '\n':
				lines++
			case '\\':
				if q == '"' {
					if j+1 < len(text) && text[j+1] == '\n' {
						lines++
					}
					j++
				}
			case q:
				if triple(text, j, q) {
					for j+1 < len(text) && text[j+1] == q {
						j++
					}
					return j, lines
				}
			}
		}
		return len(text) - 1, lines
	}
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\n':
			return j - 1, 0
		case '\\':
			if q == '"' && j+1 < len(text) && text[j+1] != '\n' {
				j++
			}
		case q:
			return j, 0
		}
	}
	return len(text) - 1, 0
}

// triple reports whether text[i:] starts with three quotes q.
func triple(text string, i int, q byte) bool {
	return i+2 < len(text) && text[i] == q && text[i+1] == q && text[i+2] == q
}

func syntaxError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: name, Line: pe.Position.Line, Key: pe.LastKey, Err: errors.New(pe.Message)}
	}
	return &FileError{File: name, Err: err}
}

func setKey(s *Settings, name string, v any) error {
	for _, k := range fileKeys {
		if k.name == name {
			return k.set(s, v)
		}
	}
	if _, ok := v.(map[string]any); ok {
		return fmt.Errorf("unknown table; the only table is [[cheat]]")
	}
	if _, ok := v.([]map[string]any); ok {
		return fmt.Errorf("unknown table; the only table is [[cheat]]")
	}
	if sug := suggestKey(name); sug != "" {
		return fmt.Errorf("unknown key; did you mean %s?", sug)
	}
	return fmt.Errorf("unknown key (netpak init writes a file with every key)")
}

func suggestKey(name string) string {
	for _, k := range fileKeys {
		if distance(strings.ToLower(name), k.name) <= 2 {
			return k.name
		}
	}
	return ""
}

// keyLine finds the line where a top-level key or table is defined, or 0.
func keyLine(text, key string) int {
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		l = strings.TrimLeft(l, "[")
		for _, form := range []string{key, strconv.Quote(key), "'" + key + "'"} {
			rest, ok := strings.CutPrefix(l, form)
			if !ok {
				continue
			}
			rest = strings.TrimSpace(rest)
			if rest == "" || strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "]") {
				return i + 1
			}
		}
	}
	return 0
}

func typeError(want string, v any) error {
	return fmt.Errorf("wants %s, not %s", want, tomlType(v))
}

func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func setString(field func(*Settings) *string) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		x, ok := v.(string)
		if !ok {
			return typeError("a string", v)
		}
		*field(s) = x
		return nil
	}
}

func setBool(field func(*Settings) *bool) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		x, ok := v.(bool)
		if !ok {
			return typeError("true or false", v)
		}
		*field(s) = x
		return nil
	}
}

func setInt(field func(*Settings) *int) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		x, ok := v.(int64)
		if !ok {
			return typeError("an integer", v)
		}
		if x < -1<<31 || x > 1<<31 {
			return fmt.Errorf("%d is out of range", x)
		}
		*field(s) = int(x)
		return nil
	}
}

func setDuration(s *Settings, v any) error {
	x, ok := v.(string)
	if !ok {
		return typeError(`a duration such as "3s"`, v)
	}
	d, err := time.ParseDuration(x)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"3s\" or \"1500ms\"", x)
	}
	s.DropTimeout = d
	return nil
}

func setPorts(s *Settings, v any) error {
	xs, ok := v.([]any)
	if !ok {
		return typeError("an array of port numbers, e.g. [1, 2]", v)
	}
	if len(xs) > 4 {
		return fmt.Errorf("more than 4 ports")
	}
	ports := []int{}
	for _, x := range xs {
		n, ok := x.(int64)
		if !ok {
			return typeError("port numbers 1-4", x)
		}
		ports = append(ports, int(n))
	}
	s.Ports = ports
	return nil
}

func setStrings(limit int, field func(*Settings) *[]string) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		xs, ok := v.([]any)
		if !ok {
			return typeError("an array of strings", v)
		}
		if len(xs) > limit {
			return fmt.Errorf("more than %d entries", limit)
		}
		out := []string{}
		for _, x := range xs {
			str, ok := x.(string)
			if !ok {
				return typeError("strings", x)
			}
			out = append(out, str)
		}
		*field(s) = out
		return nil
	}
}

func showStrings(get func(*Settings) []string) func(*Settings) string {
	return func(s *Settings) string {
		parts := []string{}
		for _, x := range get(s) {
			parts = append(parts, strconv.Quote(x))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
}

func quoteString(get func(*Settings) string) func(*Settings) string {
	return func(s *Settings) string { return strconv.Quote(get(s)) }
}

func showBool(get func(*Settings) bool) func(*Settings) string {
	return func(s *Settings) string { return strconv.FormatBool(get(s)) }
}

func showInt(get func(*Settings) int) func(*Settings) string {
	return func(s *Settings) string { return strconv.Itoa(get(s)) }
}

func showPorts(s *Settings) string {
	var parts []string
	for _, p := range s.Ports {
		parts = append(parts, strconv.Itoa(p))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// WriteExample writes a commented session file with every key set to its
// default, as `netpak init` does.
func WriteExample(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# netpak session file: the same session you would type at the console.\n")
	b.WriteString("# Run it with: netpak -c FILE   (or netpak host -c FILE for a host without a console)\n")
	b.WriteString("# Every key is shown with its default; delete the ones you do not change.\n")
	b.WriteString("# Command-line flags override this file.\n")
	d := Defaults()
	for _, k := range fileKeys {
		if !k.isTable() {
			fmt.Fprintf(&b, "\n# %s\n%s = %s\n", k.doc, k.name, k.value(&d))
		}
	}
	for _, k := range fileKeys {
		if k.isTable() {
			fmt.Fprintf(&b, "\n# %s\n%s", k.doc, k.value(&d))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFileReference writes the session-file reference for the README,
// generated from the same table as the parser.
func WriteFileReference(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Key | Default | Meaning |\n|---|---|---|\n")
	d := Defaults()
	for _, k := range fileKeys {
		name, value := k.name, k.value(&d)
		if k.isTable() {
			name, value = "[["+k.name+"]]", "none"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", name, value, strings.ReplaceAll(k.doc, "|", "\\|"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
