package commands

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want Cmd
		err  string // substring of the error, if one is expected
	}{
		{"empty", "   ", nil, ""},
		{"chat", "hello there", Say{Text: "hello there"}, ""},
		{"chat keeps inner spaces", "  gg  wp", Say{Text: "  gg  wp"}, ""},
		{"double slash is chat", "//lag is bad", Say{Text: "/lag is bad"}, ""},
		{"name", "/name Bob", Name{Name: "Bob"}, ""},
		{"name twice", "/name Bob Jr", nil, "usage: /name NAME"},
		{"name too long", "/name " + strings.Repeat("x", 25), nil, "longer than 24"},
		{"name missing", "/name", nil, "usage: /name NAME"},
		{"server default", "/server", Server{Port: 6400}, ""},
		{"server port", "/server 7000", Server{Port: 7000}, ""},
		{"server free port", "/server 0", Server{Port: 0}, ""},
		{"host alias", "/host 7000", Server{Port: 7000}, ""},
		{"server bad port", "/server 70000", nil, "usage: /server [PORT]"},
		{"server word", "/server six", nil, `"six" is not a port number`},
		{"connect host", "/connect example.org", Connect{Host: "example.org", Port: 6400}, ""},
		{"connect host:port", "/connect 10.0.0.5:7000", Connect{Host: "10.0.0.5", Port: 7000}, ""},
		{"connect host port", "/connect 10.0.0.5 7000", Connect{Host: "10.0.0.5", Port: 7000}, ""},
		{"join alias", "/join example.org:6401", Connect{Host: "example.org", Port: 6401}, ""},
		{"connect ipv6", "/connect ::1", Connect{Host: "::1", Port: 6400}, ""},
		{"connect ipv6 port", "/connect [::1]:7000", Connect{Host: "::1", Port: 7000}, ""},
		{"connect ipv6 space port", "/connect [::1] 7000", Connect{Host: "::1", Port: 7000}, ""},
		{"connect port twice", "/connect a:1 2", nil, "give the port once"},
		{"connect nothing", "/connect", nil, "usage: /connect HOST[:PORT]"},
		{"connect bad host", "/connect a/b", nil, "not a host name"},
		{"connect port zero", "/connect a:0", nil, "not a port number from 1"},
		{"start", "/start", Start{}, ""},
		{"start args", "/start now", nil, "takes no arguments; usage: /start"},
		{"lag", "/lag 4", Lag{Frames: 4}, ""},
		{"lag zero", "/lag 0", Lag{Frames: 0}, ""},
		{"lag max", "/lag 255", Lag{Frames: 255}, ""},
		{"lag too big", "/lag 256", nil, `"256" is not a number from 0 to 255; usage: /lag [N]`},
		{"lag negative", "/lag -1", nil, "usage: /lag [N]"},
		{"lag shown", "/lag", ShowLag{}, ""},
		{"lag twice", "/lag 1 2", nil, "give one number; usage: /lag [N]"},
		{"upper case", "/LAG 3", Lag{Frames: 3}, ""},
		{"golf", "/golf", Golf{}, ""},
		{"who", "/who", Who{}, ""},
		{"help", "/help", Help{}, ""},
		{"help topic", "/help lag", Help{Topic: "lag"}, ""},
		{"help alias topic", "/help /join", Help{Topic: "connect"}, ""},
		{"help unknown topic", "/help lga", nil, "did you mean /lag?"},
		{"quit", "/quit", Quit{}, ""},
		{"exit alias", "/exit", Quit{}, ""},
		{"leave", "/leave", Leave{}, ""},
		{"leave args", "/leave now", nil, "takes no arguments; usage: /leave"},
		{"spectate", "/spectate", Spectate{}, ""},
		{"spectate typo", "/spectat", nil, "did you mean /spectate?"},
		{"typo", "/lga 3", nil, "unknown command /lga: did you mean /lag?"},
		{"typo long", "/conect x", nil, "did you mean /connect?"},
		{"prefix", "/sta", nil, "did you mean /start?"},
		{"far off", "/xyzzy", nil, "unknown command /xyzzy (/help lists"},
		{"tie", "/heat", nil, "did you mean /host or /help?"},
		{"alias once", "/exot", nil, "did you mean /exit? ("},
		{"unique prefix", "/le", nil, "did you mean /leave?"},
		{"short and far", "/s", nil, "unknown command /s (/help lists"},
		{"swap", "/tsart", nil, "did you mean /start?"},
		{"bare slash", "/", nil, "unknown command /"},
		{"control chars", "hi\x07there", nil, "control characters"},
		{"long chat", strings.Repeat("a", 401), nil, "longer than 400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) = %#v, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is more than one line", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q) = %#v, %v; want %#v", tc.line, got, err, tc.want)
			}
		})
	}
}

// TestTableConsistent checks every command parses its own bare form or
// explains its usage, and that names and aliases are unique.
func TestTableConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range CommandNames() {
		if seen[n] {
			t.Errorf("%s is listed twice", n)
		}
		seen[n] = true
		if _, err := Parse(n); err != nil && !strings.Contains(err.Error(), "usage: ") {
			t.Errorf("Parse(%q): %v has no usage", n, err)
		}
	}
	for _, c := range table {
		if c.parse == nil || c.help == "" {
			t.Errorf("/%s lacks a parse func or help", c.name)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "hi", "/lag 4", "/connect [::1]:7000", "/connect a 1", "/name x", "/help lag", "/server 0", "//x", "/\xff", "/lag 99999999999999999999",
		"/check", "/sync", "/sync Bob", "/answer netpak-answer1AbC_d-9", "/answer netpak-answer1\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := Parse(line)
		if err != nil {
			if cmd != nil {
				t.Fatalf("Parse(%q) returned %#v with error %v", line, cmd, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if c, ok := cmd.(Connect); ok {
			again, err := ParseAddr(c.Addr())
			if err != nil || again != c {
				t.Fatalf("Connect %#v does not round-trip through %q: %#v, %v", c, c.Addr(), again, err)
			}
		}
	})
}

// /server with a word that is neither a port nor vpn says so.
func TestServerUnknownWord(t *testing.T) {
	if _, err := Parse("/server 6400 vpnx"); err == nil || !strings.Contains(err.Error(), `"vpnx" is neither a port nor vpn`) {
		t.Errorf("/server 6400 vpnx: %v", err)
	}
	if _, err := Parse("/server foo 6400"); err == nil || !strings.Contains(err.Error(), `"foo" is neither a port nor vpn`) {
		t.Errorf("/server foo 6400: %v", err)
	}
}
