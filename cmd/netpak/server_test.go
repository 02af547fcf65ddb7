package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "server.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The operator file overrides the defaults, and the flags set override
// the file.
func TestServerArgs(t *testing.T) {
	p := writeFile(t, `lobby = "127.0.0.1:46000"
game_ports = "46001-46004"
motd = "hello"
status_page = false
lag = 3
begin_timeout = "30s"
[limits]
rooms_per_address = 1
`)
	f, err := parseServerArgs([]string{"-c", p, "-lag", "7", "-rooms", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.Lobby != "127.0.0.1:46000" || f.GamePorts != "46001-46004" || f.MOTD != "hello" || f.Lag != 7 ||
		f.Limits.Rooms != 2 || f.Limits.RoomsPerAddress != 1 || f.BeginTimeout.Duration != 30*time.Second {
		t.Fatalf("settings %+v", f)
	}
	cfg, err := f.lobbyConfig(t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GamePortFirst != 46001 || cfg.GamePortLast != 46004 || cfg.GameHost != "127.0.0.1" || cfg.Lag != 7 || !cfg.NoStatusPage {
		t.Fatalf("lobby config %+v", cfg)
	}
}

func TestServerArgsRefuse(t *testing.T) {
	for name, tc := range map[string]struct {
		file string
		args []string
		want string
	}{
		"unknown key":    {`lobbby = ":1"`, nil, "unknown key lobbby"},
		"bad range":      {``, []string{"-game-ports", "45010-45001"}, "FIRST-LAST"},
		"lag too large":  {`lag = 300`, nil, "0-255"},
		"bad duration":   {`begin_timeout = "soon"`, nil, "soon"},
		"not TOML":       {`lag = = 1`, nil, "operator file"},
		"negative limit": {"[limits]\nrooms = -1", nil, "negative"},
		"vpn endpoint":   {"vpn = true\nvpn_endpoint = \"here\"", nil, "vpn_endpoint"},
		"vpn port":       {``, []string{"-vpn", "-vpn-port", "70000"}, "vpn_port"},
		"rendezvous":     {"vpn = true\nrendezvous = [\"nowhere\"]", nil, "rendezvous"},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := parseServerArgs(append([]string{"-c", writeFile(t, tc.file)}, tc.args...), io.Discard)
			if err == nil {
				_, err = f.lobbyConfig(t.Logf)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// The printed entry is what an RMG player pastes.
func TestServerEntry(t *testing.T) {
	f := serverDefaults()
	f.Public, f.CreateKey = "203.0.113.7", "friends"
	var b bytes.Buffer
	printServerEntry(&b, &f, 45000)
	for _, want := range []string{"http://203.0.113.7:45000/servers.json", `{"netpak": "ws://203.0.113.7:45000"}`,
		"ws://203.0.113.7:45000/friends", "TCP+UDP 45001-45010", "in a browser:  http://203.0.113.7:45000/status\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the entry lacks %q:\n%s", want, b.String())
		}
	}
}

// The README's example operator file is valid.
func TestReadmeServerFile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skipf("no README: %v", err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Running a server for RMG")
	if !ok {
		t.Fatal("README.md has no server section")
	}
	_, rest, ok = strings.Cut(rest, "```toml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("the server section has no toml example")
	}
	f, err := parseServerArgs([]string{"-c", writeFile(t, example)}, io.Discard)
	if err == nil {
		_, err = f.lobbyConfig(t.Logf)
	}
	if err != nil {
		t.Fatalf("the README's operator file: %v", err)
	}
}

func TestOperatorCommands(t *testing.T) {
	srv, err := lobby.New(lobby.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct{ line, out, err string }{
		{"/rooms", "no rooms", ""},
		{"/help", "/kick PORT NAME", ""},
		{"/ban 192.0.2.7", "", ""},
		{"/unban 192.0.2.7", "", ""},
		{"/ban nowhere", "", "/ban ADDRESS"},
		{"/kick x bob", "", "not a port number"},
		{"/kick 45001 bob", "", "no such room"},
		{"/frob", "", "unknown command"},
		{"", "", ""},
	} {
		var b bytes.Buffer
		err := (&operator{srv: srv}).command(tc.line, &b)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
		}
		if !strings.Contains(b.String(), tc.out) {
			t.Errorf("%q printed %q, want %q", tc.line, b.String(), tc.out)
		}
	}
}

// The VPN admits four players per room unless vpn_players says.
func TestServerVPNPlayers(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 40},
		{[]string{"-rooms", "3"}, 12},
		{[]string{"-game-ports", "45001-45004"}, 16},
		{[]string{"-game-ports", "0"}, 40},
		{[]string{"-vpn-players", "7"}, 7},
		{[]string{"-vpn-players", "900"}, 253},
		{[]string{"-rooms", "100"}, 253},
	} {
		f, err := parseServerArgs(tc.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.vpnPlayers(); got != tc.want {
			t.Errorf("%q: %d VPN players, want %d", tc.args, got, tc.want)
		}
	}
}
