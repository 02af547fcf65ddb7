package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/session"
)

// scriptUI is a UI that reads a fixed script and records what is printed.
// "**error**" in the script is a read error.
type scriptUI struct {
	input []string

	mu      sync.Mutex
	prompts []string
	out     []string
	errs    []string
}

func (u *scriptUI) ReadLine(prompt string) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.prompts = append(u.prompts, prompt)
	if len(u.input) == 0 {
		return "", io.EOF
	}
	l := u.input[0]
	u.input = u.input[1:]
	if l == "**error**" {
		return "", errors.New("broken terminal")
	}
	return l, nil
}

func (u *scriptUI) Print(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.out = append(u.out, fmt.Sprint(args...))
}

func (u *scriptUI) PrintErr(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.errs = append(u.errs, fmt.Sprint(args...))
}

// fakeController records the calls the console makes. It is a fake because
// the console's contract with a controller is what this test checks; the
// real Session runs over loopback in session_test.go.
type fakeController struct {
	st    State
	vpn   bool
	calls []string
	fail  error             // returned by the next call, once
	rows  []client.CheckRow // what Check returns
	emu   EmulatorCheck     // what CheckEmulator returns
}

func (f *fakeController) record(format string, args ...any) error {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	err := f.fail
	f.fail = nil
	return err
}

func (f *fakeController) SetName(n string) error {
	if err := f.record("name %s", n); err != nil {
		return err
	}
	f.st.Name = n
	return nil
}

func (f *fakeController) Serve(_ context.Context, srv Server) (Hosted, error) {
	vpn := ""
	if srv.VPN {
		vpn = " vpn"
	}
	if err := f.record("serve %d%s", srv.Port, vpn); err != nil {
		return Hosted{}, err
	}
	f.st.Phase, f.st.Hosting, f.st.Addr, f.st.Self = Lobby, true, fmt.Sprintf("port %d", srv.Port), 1
	f.st.Members = []session.Member{{ID: 1, Name: f.st.Name, Ports: 1, Host: true}, {ID: 2, Name: "Bob", Ports: 2, RTTMillis: 12}}
	h := Hosted{Port: srv.Port}
	if srv.VPN {
		h.VPNPort, h.Invite, f.vpn = 6464, "netpak1AAAA", true
		h.Reach = "players are paired through the rendezvous server"
	}
	return h, nil
}

func (f *fakeController) Invite(rotate bool) (Invitation, error) {
	if err := f.record("invite %v", rotate); err != nil {
		return Invitation{}, err
	}
	if !f.vpn {
		return Invitation{}, errNoVPN
	}
	return Invitation{Text: "netpak1AAAA", QR: []string{"##  ##", "  ##  "}, VPNPort: 6464}, nil
}

func (f *fakeController) InviteWG(path string) (WGInvite, error) {
	if err := f.record("invite wg %s", path); err != nil {
		return WGInvite{}, err
	}
	return WGInvite{Path: path, HostAddr: "10.64.0.1", QR: []string{"####"}}, nil
}

func (f *fakeController) Kick(name string) error { return f.record("kick %s", name) }

func (f *fakeController) AcceptAnswer(code string) error { return f.record("answer %s", code) }

func (f *fakeController) Connect(_ context.Context, addr string) error {
	if err := f.record("connect %s", addr); err != nil {
		return err
	}
	f.st.Phase, f.st.Addr = Lobby, addr
	return nil
}

func (f *fakeController) Start() error { return f.record("start") }
func (f *fakeController) Stop() error  { return f.record("stop") }
func (f *fakeController) SetAutoLag(on bool) error {
	return f.record("autolag %s", onOff(on))
}

func (f *fakeController) Check() ([]client.CheckRow, error) {
	return f.rows, f.record("check")
}

func (f *fakeController) CheckEmulator(context.Context) EmulatorCheck { return f.emu }

func (f *fakeController) Sync(_ context.Context, name string) error { return f.record("sync %s", name) }

func (f *fakeController) SetLag(n uint8) error {
	if err := f.record("lag %d", n); err != nil {
		return err
	}
	f.st.Lag = n
	return nil
}

func (f *fakeController) ToggleGolf() error {
	if err := f.record("golf"); err != nil {
		return err
	}
	f.st.Golf = !f.st.Golf
	return nil
}

func (f *fakeController) Chat(text string) error { return f.record("chat %s", text) }
func (f *fakeController) State() State           { return f.st }

func (f *fakeController) Spectate(_ context.Context, target string) error {
	if err := f.record("spectate %s", target); err != nil {
		return err
	}
	f.st.Members = []session.Member{{ID: 1, Name: "Host", Ports: 1, Host: true}, {ID: 3, Name: f.st.Name, Spectator: true}}
	f.st.Self = 3
	return nil
}

func (f *fakeController) Leave() error {
	f.st = State{Name: f.st.Name, Lag: f.st.Lag}
	return f.record("leave")
}

func TestConsole(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input []string
		fail  error
		calls []string
		out   []string // substrings of Print lines, in order
		errs  []string // substrings of PrintErr lines, in order
		err   string   // Run's error
	}{
		{
			name:  "host a session",
			input: []string{"/name Alice", "/lag 3", "/server 7000", "hi", "/golf", "/start", "/who", "/quit", "never read"},
			calls: []string{"name Alice", "lag 3", "serve 7000", "chat hi", "golf", "start", "leave", "leave"},
			out:   []string{"session hosting port 7000, lobby, lag 3 (autolag off), golf on"},
			errs:  []string{"you are now Alice", "a session you host will start with lag 3", "hosting on port 7000"},
		},
		{
			name:  "host through the vpn",
			input: []string{"/server 0 vpn", "/invite", "/invite new", "/invite wg my.conf", "/kick Bob", "/kick Anon", "/invite bogus"},
			calls: []string{"serve 0 vpn", "invite false", "invite true", "invite wg my.conf", "kick Bob", "leave"},
			out:   []string{"netpak1AAAA", "netpak1AAAA", "##  ##", "  ##  ", "netpak1AAAA", "##  ##", "  ##  ", "####"},
			errs: []string{"through the built-in VPN on UDP port 6464", "reachability: players are paired", "/invite shows it with a QR code", "UDP port 6464 must reach",
				"a new invite", "UDP port 6464 must reach", "wrote my.conf", "10.64.0.1 port 6400",
				"you cannot kick yourself", "usage: /invite [new | wg [FILE]]"},
		},
		{
			name:  "invites need a vpn host",
			input: []string{"/invite", "/kick Bob", "/server 7000", "/invite", "/connect netpak1AAAA"},
			calls: []string{"serve 7000", "invite false", "leave"},
			errs:  []string{"you are in no session", "you are in no session", "hosting on port 7000", "does not run through the built-in VPN", "already in the session"},
		},
		{
			name:  "join through an invite",
			input: []string{"/connect netpak1AAAA", "/invite", "/kick Bob"},
			calls: []string{"connect netpak1AAAA", "leave"},
			errs:  []string{"joined the session through the built-in VPN", "only the host can invite players", "only the host can kick anybody"},
		},
		{
			name:  "join a session",
			input: []string{"/join 10.0.0.5 7000", "/start", "/server", "/connect x"},
			calls: []string{"connect 10.0.0.5:7000", "leave"},
			errs: []string{"joined the session at 10.0.0.5:7000", "only the host can start the game",
				"already in the session at 10.0.0.5:7000", "already in the session"},
		},
		{
			name:  "bad lines change nothing",
			input: []string{"/lag 300", "/lga 3", "/name", "/server 99999", "/connect", "/who", "hello?", "/start"},
			calls: []string{"leave"},
			errs: []string{"usage: /lag [N]", "did you mean /lag?", "usage: /name NAME", "usage: /server [PORT]",
				"usage: /connect HOST[:PORT]", "you are in no session", "nobody hears you", "you are in no session"},
		},
		{
			name:  "answer codes",
			input: []string{"/answer netpak-answer1AbC_d-9", "/server 0 vpn", "/answer netpak-answer1AbC_d-9", "/answer", "/answer netpak1AAAA", "/answer netpak-answer1 x"},
			calls: []string{"serve 0 vpn", "answer netpak-answer1AbC_d-9", "leave"},
			out:   []string{"netpak1AAAA"},
			errs: []string{"you are in no session", "through the built-in VPN", "reachability:", "/invite shows it", "punching toward the player for 30 s",
				"usage: /answer CODE", "not a whole answer code", "give the one-line answer code"},
		},
		{
			name:  "check and sync",
			input: []string{"/sync", "/server 7000", "/check", "/sync", "/sync Bob", "/sync Anon", "/sync two words"},
			calls: []string{"serve 7000", "check", "sync ", "sync Bob", "leave"},
			out: []string{"NAME  PORTS  ROM, SAVES AND CHEATS\n  Anon  1      the reference\n  Bob   2      ok\neveryone matches",
				"your emulator can start mk64.z64, with your mupen64plus settings from /home/anon/.config/mupen64plus/mupen64plus.cfg\n" +
					"netplay changes 1 of your settings for the game (your file stays as it is):\n  Core/CountPerOp 3 -> 0: as netplay syncs it"},
			errs: []string{"you are in no session", "hosting on port 7000", "you are the host", "usage: /sync [PLAYER]"},
		},
		{
			name:  "offline golf and help",
			input: []string{"/golf", "/help", "/help golf", ""},
			calls: []string{"golf", "leave"},
			out:   []string{"commands:", "usage: /golf"},
			errs:  []string{"a session you host will start with golf mode on"},
		},
		{
			name:  "show the lag",
			input: []string{"/lag", "/golf", "/server", "/lag", "/lag 2 3"},
			calls: []string{"golf", "serve 6400", "leave"},
			out:   []string{"a session you host will start with lag 5 (autolag off), golf mode off", "lag 5 (autolag off), golf on"},
			errs:  []string{"a session you host will start with golf mode on", "hosting on port 6400", "usage: /lag [N]"},
		},
		{
			name:  "leave and stay",
			input: []string{"/leave", "/server 7000", "/connect x", "/leave", "/connect 10.0.0.5", "/leave", "/who"},
			calls: []string{"serve 7000", "leave", "connect 10.0.0.5:6400", "leave", "leave"},
			errs: []string{"you are in no session", "hosting on port 7000", "already in the session at port 7000; /leave first",
				"closed the session you hosted (port 7000)", "joined the session at 10.0.0.5:6400", "left the session at 10.0.0.5:6400", "you are in no session"},
		},
		{
			name:  "spectate",
			input: []string{"/spectate", "/connect 10.0.0.5:7000", "/spectate", "/spectate", "/leave", "/server", "/spectate"},
			calls: []string{"connect 10.0.0.5:7000", "spectate 10.0.0.5:7000", "leave", "serve 6400", "leave"},
			errs: []string{"you are in no session", "joined the session", "you now watch the session as a spectator",
				"you already watch this session", "left the session", "hosting on port 6400", "you host this session"},
		},
		{
			name:  "controller refusal is printed",
			input: []string{"/connect nowhere.invalid"},
			fail:  errors.New("connect to nowhere.invalid:6400: no such host"),
			calls: []string{"connect nowhere.invalid:6400", "leave"},
			errs:  []string{"no such host"},
		},
		{
			name:  "read error ends the loop",
			input: []string{"/lag 2", "**error**", "/lag 3"},
			calls: []string{"lag 2", "leave"},
			errs:  []string{"a session you host will start with lag 2"},
			err:   "broken terminal",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ui := &scriptUI{input: tc.input}
			ctl := &fakeController{st: State{Name: "Anon", Lag: 5}, fail: tc.fail, rows: []client.CheckRow{
				{Member: session.Member{ID: 1, Name: "Anon", Ports: 1, Host: true}, Known: true, Reference: true},
				{Member: session.Member{ID: 2, Name: "Bob", Ports: 2}, Known: true},
			}, emu: EmulatorCheck{ROM: "mk64.z64", ConfigFile: "/home/anon/.config/mupen64plus/mupen64plus.cfg",
				Overrides: []emucfg.Override{{Section: "Core", Name: "CountPerOp", Yours: "3", Game: "0", Why: "as netplay syncs it"}}}}
			err := (&Console{UI: ui, Ctl: ctl, ASCII: true}).Run(context.Background())
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Run: %v, want error %q", err, tc.err)
			}
			if !reflect.DeepEqual(ctl.calls, tc.calls) {
				t.Errorf("calls\n got %q\nwant %q", ctl.calls, tc.calls)
			}
			requireLines(t, "Print", ui.out, tc.out)
			requireLines(t, "PrintErr", ui.errs, tc.errs)
		})
	}
}

// requireLines checks that got holds lines containing want, in order and
// nothing else.
func requireLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s printed %d lines, want %d:\n%s", what, len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s line %d = %q, want it to contain %q", what, i, got[i], want[i])
		}
	}
}

func TestPrompt(t *testing.T) {
	for _, tc := range []struct {
		st   State
		want string
	}{
		{State{Name: "Alice"}, "Alice [offline]> "},
		{State{Name: "Bob", Rejoining: "10.0.0.5:6400"}, "Bob [rejoining 10.0.0.5:6400]> "},
		{State{Name: "Alice", Phase: Lobby, Hosting: true, Addr: "port 6400", Lag: 5}, "Alice [hosting port 6400, lobby, lag 5]> "},
		{State{Name: "Bob", Phase: Playing, Addr: "10.0.0.5:6400", Lag: 2}, "Bob [10.0.0.5:6400, playing, lag 2]> "},
		{State{Name: "Bob", Phase: Playing, Addr: "10.0.0.5:6400", Lag: 2, Self: 3, Members: []session.Member{{ID: 1, Name: "Alice", Host: true}, {ID: 3, Name: "Bob", Spectator: true}}},
			"Bob [10.0.0.5:6400, playing, spectating, lag 2]> "},
	} {
		if got := Prompt(tc.st); got != tc.want {
			t.Errorf("Prompt(%+v) = %q, want %q", tc.st, got, tc.want)
		}
	}
}

func TestWhoText(t *testing.T) {
	st := State{
		Phase: Playing, Hosting: false, Addr: "10.0.0.5:6400", Lag: 3, AutoLag: true, Golf: true, Seat: "Bob", Poll: 1200, Pace: 59.9,
		Self: 2, RTT: 41e6, UDP: true,
		Members: []session.Member{
			{ID: 1, Name: "Alice", Ports: 1, Host: true, RTTMillis: 0},
			{ID: 2, Name: "Bob", Ports: 2 | 4, RTTMillis: 40},
			{ID: 3, Name: "Carol", Spectator: true, RTTMillis: 7},
		},
	}
	want := `session 10.0.0.5:6400, playing, lag 3 (autolag on), golf on (seat: Bob, lag 0), poll 1,200 at 59.9 polls/s; inputs over UDP
  NAME   PORTS  PING   ROLE
  Alice  1      0 ms   host
  Bob    2,3    41 ms  player (you)
  Carol  -      7 ms   spectator
2 players, 1 spectator`
	if got := WhoText(st); got != want {
		t.Errorf("WhoText:\n%s\nwant:\n%s", got, want)
	}
}

// TestWhoTextTunnel shows a joiner's tunnel path and a VPN host's peers.
func TestMemberCount(t *testing.T) {
	for _, tc := range []struct {
		ms   []session.Member
		want string
	}{
		{nil, "no players"},
		{[]session.Member{{Host: true}}, "1 player"},
		{[]session.Member{{Host: true}, {}}, "2 players"},
		{[]session.Member{{Host: true}, {Spectator: true}}, "1 player, 1 spectator"},
		{[]session.Member{{Spectator: true}, {Spectator: true}}, "no players, 2 spectators"},
	} {
		if got := memberCount(tc.ms); got != tc.want {
			t.Errorf("memberCount(%+v) = %q, want %q", tc.ms, got, tc.want)
		}
	}
}

func TestWhoTextTunnel(t *testing.T) {
	joiner := State{Phase: Lobby, Addr: "vpn 203.0.113.7:6464", Lag: 5, Self: 2, UDP: true, Path: TunnelPath{Name: "relayed via 198.51.100.1:6465", RTT: 61400 * time.Microsecond}.String(),
		Members: []session.Member{{ID: 1, Name: "Alice", Ports: 1, Host: true}, {ID: 2, Name: "Bob", Ports: 2}}}
	if got := WhoText(joiner); !strings.HasPrefix(got, "session vpn 203.0.113.7:6464, lobby, lag 5 (autolag off), golf off; inputs over UDP; tunnel relayed via 198.51.100.1:6465, 61 ms\n") {
		t.Errorf("joiner's /who:\n%s", got)
	}
	hoster := State{Phase: Lobby, Hosting: true, Addr: "port 6400 and vpn 6464", Lag: 5, Self: 1,
		Members: []session.Member{{ID: 1, Name: "Alice", Ports: 1, Host: true}},
		Peers: []TunnelPeer{
			{Addr: netip.MustParseAddr("10.64.0.2"), Path: TunnelPath{Name: "direct", RTT: 12 * time.Millisecond}},
			{Addr: netip.MustParseAddr("10.64.0.3"), Path: TunnelPath{Name: "direct via UPnP"}},
		}}
	want := `  TUNNEL PEER  PATH
  10.64.0.2    direct, 12 ms
  10.64.0.3    direct via UPnP`
	if got := WhoText(hoster); !strings.HasSuffix(got, want) {
		t.Errorf("host's /who:\n%s\nwant it to end with:\n%s", got, want)
	}
}
