package commands

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/netpak/netpak/host/lobby/lobbyclient"
	"github.com/netpak/netpak/host/session"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/sim"
)

func TestParseRooms(t *testing.T) {
	lob := Connect{Host: "example.org", Port: lobbymsg.DefaultPort}
	for _, tc := range []struct {
		name string
		line string
		want Cmd
		err  string
	}{
		{"rooms", "/rooms example.org", Rooms{Lobby: lob}, ""},
		{"rooms port", "/rooms 10.0.0.5:46000", Rooms{Lobby: Connect{Host: "10.0.0.5", Port: 46000}}, ""},
		{"rooms ipv6", "/rooms ::1", Rooms{Lobby: Connect{Host: "::1", Port: lobbymsg.DefaultPort}}, ""},
		{"rooms nothing", "/rooms", nil, "give the netpak server's address; usage: /rooms HOST[:PORT]"},
		{"rooms two", "/rooms a b", nil, "too many arguments"},
		{"rooms invite", "/rooms netpak1abc", nil, "not an invite"},
		{"room", "/connect example.org room Friday", ConnectRoom{Lobby: lob, Room: "Friday"}, ""},
		{"room words", "/connect example.org ROOM  Friday   Night ", ConnectRoom{Lobby: lob, Room: "Friday Night"}, ""},
		{"room password", "/connect example.org room Friday password s3cret", ConnectRoom{Lobby: lob, Room: "Friday", Password: "s3cret"}, ""},
		{"room lobby port", "/join 10.0.0.5:46000 room R", ConnectRoom{Lobby: Connect{Host: "10.0.0.5", Port: 46000}, Room: "R"}, ""},
		{"room no name", "/connect example.org room", nil, "which room?"},
		{"room only password", "/connect example.org room password x", nil, "which room?"},
		{"room no password", "/connect example.org room R password", nil, "give the password"},
		{"room long password", "/connect example.org room R password a b", nil, "one word"},
		{"room long name", "/connect h room " + strings.Repeat("x", 129), nil, "at most 128 characters"},
		{"room long name of wide characters", "/connect h room " + strings.Repeat("部", 129), nil, "at most 128 characters"},
		{"room name of 128 wide characters", "/connect example.org room " + strings.Repeat("部", 128), ConnectRoom{Lobby: lob, Room: strings.Repeat("部", 128)}, ""},
		{"room bad host", "/connect a/b room R", nil, "not a host name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) = %#v, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q) = %#v, %v; want %#v", tc.line, got, err, tc.want)
			}
		})
	}
}

func TestCompleteRooms(t *testing.T) {
	for _, tc := range []struct {
		line  string
		word  string
		cands []string
	}{
		{"/connect example.org ", "", []string{"room"}},
		{"/connect example.org r", "r", []string{"room"}},
		{"/connect example.org room Friday ", "", []string{"password"}},
		{"/connect example.org room Friday password x ", "", nil},
		{"/connect example.org room ", "", nil},
		{"/ro", "/ro", []string{"/rooms"}},
	} {
		word, cands := Complete(tc.line, len(tc.line), nil)
		if word != tc.word || !reflect.DeepEqual(cands, tc.cands) {
			t.Errorf("Complete(%q) = %q %q, want %q %q", tc.line, word, cands, tc.word, tc.cands)
		}
	}
}

func TestHelpListsRooms(t *testing.T) {
	all := HelpText("")
	for _, want := range []string{"/rooms HOST[:PORT]", "/connect HOST[:PORT] | INVITE | HOST room NAME", "/connect HOST room NAME [password PASS]"} {
		if !strings.Contains(all, want) {
			t.Errorf("/help lacks %q:\n%s", want, all)
		}
	}
	if h := HelpText("rooms"); !strings.Contains(h, "usage: /rooms HOST[:PORT]") || !strings.Contains(h, "/connect HOST room NAME") {
		t.Errorf("/help rooms:\n%s", h)
	}
}

// testROM is the MD5 the test rooms play.
const testROM = "0123456789ABCDEF0123456789ABCDEF"

// startLobby serves a netpak server's lobby on 127.0.0.1 and returns its
// address.
func startLobby(t *testing.T, cfg lobby.Config) string {
	t.Helper()
	cfg.Logf = t.Logf
	srv, err := lobby.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	return ln.Addr().String()
}

// rmgPlayer is a room's creator as RMG makes one.
func rmgPlayer(t *testing.T, addr string) *lobbyclient.Client {
	t.Helper()
	cl, err := lobbyclient.Dial(t.Context(), addr, lobbyclient.Config{Emulator: "RMG", ClientSHA: "RMG test 1.0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// simResult is what one console's simulated game consumed.
type simResult struct {
	res    sim.Result
	inputs [][session.NumPorts]session.Input
	err    error
}

// playPolls makes s play polls polls of the simulated game when the game
// starts, and report them on the returned channel.
func playPolls(s *Session, polls uint32) <-chan simResult {
	out := make(chan simResult, 1)
	s.Play = func(ctx context.Context, c *client.Client) error {
		var r simResult
		r.res, r.err = sim.Run(ctx, c, sim.Config{Polls: polls, Script: sim.Script{Seed: uint64(c.ID())},
			OnPoll: func(_ uint32, in [session.NumPorts]session.Input) { r.inputs = append(r.inputs, in) }})
		out <- r
		<-ctx.Done()
		return nil
	}
	return out
}

func creatorKeys(n int) uint32 { return 1<<24 | uint32(n*7)&0xffff }

// Two netpak consoles meet in the room of an RMG player through a netpak
// server's lobby: /rooms lists its rooms, a wrong password is refused,
// the right one seats them, and with the creator's emulator (a fake core)
// they play one game to the same state.
func TestConsolesPlayALobbyRoom(t *testing.T) {
	addr := startLobby(t, lobby.Config{Lag: 2})
	rosa := rmgPlayer(t, addr)
	ctx := t.Context()
	room, err := rosa.Create(ctx, "rosa", lobbymsg.Room{RoomName: "Friday Night", Password: "s3cret", MD5: testROM, GameName: "Mario Kart 64"})
	if err != nil {
		t.Fatal(err)
	}
	otto := rmgPlayer(t, addr)
	if _, err := otto.Create(ctx, "otto", lobbymsg.Room{RoomName: "Open", MD5: testROM, GameName: "Smash"}); err != nil {
		t.Fatal(err)
	}

	alice, aliceEv := newTestSession(t, "Alice")
	bob, _ := newTestSession(t, "Bob")
	aliceGame, bobGame := playPolls(alice, 300), playPolls(bob, 300)
	ui := &scriptUI{}
	con := &Console{UI: ui, Ctl: alice}

	con.Line(ctx, "/rooms "+addr)
	if len(ui.out) != 1 || !strings.Contains(ui.out[0], "Friday Night  Mario Kart 64  1/4      yes") ||
		!strings.Contains(ui.out[0], "Open          Smash          1/4      no") {
		t.Fatalf("/rooms printed %q", ui.out)
	}
	for line, want := range map[string]string{
		"/connect " + addr + " room friday night password guess": "wrong password",
		"/connect " + addr + " room friday night":                "needs a password",
		"/connect " + addr + " room Saturday":                    `"Friday Night"`,
	} {
		ui.errs = nil
		if err := con.Line(ctx, line); err == nil || len(ui.errs) != 1 || !strings.Contains(ui.errs[0], want) {
			t.Fatalf("%s: %v, printed %q; want %q", line, err, ui.errs, want)
		}
		if alice.State().Phase != Offline {
			t.Fatalf("%s left a session behind", line)
		}
	}
	ui.errs = nil
	if err := con.Line(ctx, "/connect "+addr+" room Friday Night password s3cret"); err != nil {
		t.Fatal(err)
	}
	if len(ui.errs) != 1 || !strings.Contains(ui.errs[0], `joined room "Friday Night" (Mario Kart 64) as player 2`) {
		t.Fatalf("the join printed %q", ui.errs)
	}
	if _, err := bob.JoinRoom(ctx, ConnectRoom{Lobby: Connect{Host: "127.0.0.1", Port: portOf(t, addr)}, Room: "FRIDAY NIGHT", Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	// The lobby tells the creator by a message of its own, which may
	// arrive after Bob's reply.
	hosttest.WaitFor(t, "the creator to see Bob", func() bool { return rosa.Players() == [4]string{"rosa", "Alice", "Bob"} })
	aliceEv.wait(t, "Bob joined on port 3")
	aliceEv.wait(t, "[room] players: 1 rosa, 2 Alice, 3 Bob")
	// /who lists the RMG player, whose emulator joins the session only when
	// the game begins, beside the session's members.
	hosttest.WaitFor(t, "alice's roster to hold Bob", func() bool { return len(alice.State().Members) == 2 })
	ui.out = nil
	if err := con.Line(ctx, "/who"); err != nil || len(ui.out) != 1 ||
		!strings.Contains(ui.out[0], "in the room's lobby: 1 rosa (their emulators join the session when the game begins)") ||
		!strings.Contains(ui.out[0], "  Bob ") {
		t.Fatalf("/who: %v, printed %q", err, ui.out)
	}
	if st := alice.State(); st.Addr != net.JoinHostPort("127.0.0.1", strconv.Itoa(room.Port))+` (room "Friday Night")` || len(st.Members) != 2 {
		t.Fatalf("alice's session %+v, want the room's on port %d", st, room.Port)
	}

	// Leaving the room's session gives up the lobby seat.
	carol, _ := newTestSession(t, "Carol")
	if _, err := carol.JoinRoom(ctx, ConnectRoom{Lobby: Connect{Host: "127.0.0.1", Port: portOf(t, addr)}, Room: "Friday Night", Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Carol joined on port 4")
	hosttest.WaitFor(t, "the creator to see carol", func() bool { return rosa.Players()[3] == "Carol" })
	carol.Leave()
	hosttest.WaitFor(t, "carol's seat to free", func() bool { return rosa.Players() == [4]string{"rosa", "Alice", "Bob"} })
	hosttest.WaitFor(t, "carol to leave the session", func() bool { return len(alice.State().Members) == 2 })

	// The creator begins; its emulator connects, and the game starts when
	// all three hold their ports.
	if err := rosa.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "[room] the game begins")
	core, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(room.Port)), Players: []uint8{0}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, _, _, err := core.Handshake(cctx); err != nil {
		t.Fatal(err)
	}
	const polls = 300
	for n := range polls {
		if _, err := core.Poll(cctx, map[int]uint32{0: creatorKeys(n)}); err != nil {
			t.Fatalf("the creator's core at poll %d: %v", n, err)
		}
	}
	a, b := waitGame(t, aliceGame), waitGame(t, bobGame)
	if a.res.State != b.res.State {
		t.Fatalf("alice ended in %v, bob in %v", a.res.State, b.res.State)
	}
	hist := core.History()
	for n := range polls {
		for k := range 3 {
			if a.inputs[n][k].Keys != hist[n].Keys[k] || b.inputs[n][k].Keys != hist[n].Keys[k] {
				t.Fatalf("poll %d port %d: alice %#x, bob %#x, the core %#x", n, k+1, a.inputs[n][k].Keys, b.inputs[n][k].Keys, hist[n].Keys[k])
			}
		}
	}
	if hist[polls-1].Keys[0] != creatorKeys(polls-3) {
		t.Fatalf("the last poll %x lacks the creator's keys (lag 2)", hist[polls-1].Keys)
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return int(ap.Port())
}

func waitGame(t *testing.T, ch <-chan simResult) simResult {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the simulated game did not finish")
		return simResult{}
	}
}

// A room whose game has begun is not joined, and the console says why.
func TestConnectRoomStarted(t *testing.T) {
	addr := startLobby(t, lobby.Config{})
	rosa := rmgPlayer(t, addr)
	if _, err := rosa.Create(t.Context(), "rosa", lobbymsg.Room{RoomName: "Late", MD5: testROM, GameName: "G"}); err != nil {
		t.Fatal(err)
	}
	if err := rosa.Begin(t.Context()); err != nil {
		t.Fatal(err)
	}
	alice, _ := newTestSession(t, "Alice")
	ui := &scriptUI{}
	con := &Console{UI: ui, Ctl: alice}
	err := con.Line(t.Context(), "/connect "+addr+" room Late")
	if !errors.Is(err, lobbyclient.ErrGameStarted) || len(ui.errs) != 1 || !strings.Contains(ui.errs[0], `room "Late": the game in that room has started: join it when the game is over`) {
		t.Fatalf("joining a begun room: %v, printed %q", err, ui.errs)
	}
	ui.errs = nil
	con.Line(t.Context(), "/rooms "+addr)
	if len(ui.errs) != 1 || !strings.Contains(ui.errs[0], "no room of "+addr+" waits for players; 1 room plays a game already") {
		t.Fatalf("/rooms printed %q %q", ui.out, ui.errs)
	}
}

// FuzzRoomsText: whatever room list a lobby sends, /rooms prints one line
// per room and a header, never more.
func FuzzRoomsText(f *testing.F) {
	f.Add([]byte(`{"type":"reply_get_rooms","rooms":[{"room_name":"R","game_name":"G","port":1,"protected":true,"players":2}]}`))
	f.Add([]byte(`{"type":"reply_get_rooms","rooms":[{"room_name":"a\tb","game_name":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := lobbymsg.DecodeReply(b)
		if err != nil || len(r.Rooms) == 0 {
			return
		}
		if n := strings.Count(RoomsText(r.Rooms), "\n"); n != len(r.Rooms) {
			t.Fatalf("%d rooms printed on %d lines", len(r.Rooms), n+1)
		}
	})
}

// FuzzParseRoomLine: any words after /connect HOST room parse or fail
// cleanly, and what parses is within the lobby's bounds.
func FuzzParseRoomLine(f *testing.F) {
	f.Add("Friday Night password s3cret")
	f.Add("password password password")
	f.Fuzz(func(t *testing.T, rest string) {
		cmd, err := Parse("/connect example.org room " + rest)
		if err != nil {
			return
		}
		j, ok := cmd.(ConnectRoom)
		if !ok {
			t.Fatalf("parsed as %#v", cmd)
		}
		if j.Room == "" || utf8.RuneCountInString(j.Room) > lobbymsg.MaxRoomName || len(j.Password) > lobbymsg.MaxPassword || strings.Contains(j.Room, "  ") {
			t.Fatalf("parsed %#v", j)
		}
	})
}

// A session file joins a room with connect, room and room_password, as
// the console line would.
func TestRoomSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want Cmd
		err  string // the key the error names
	}{
		{"room", "connect = \"example.org\"\nroom = \"Friday  Night\"\nroom_password = \"s3cret\"\n",
			ConnectRoom{Lobby: Connect{Host: "example.org", Port: lobbymsg.DefaultPort}, Room: "Friday Night", Password: "s3cret"}, ""},
		{"lobby port", "connect = \"10.0.0.5:46000\"\nroom = \"R\"\n", ConnectRoom{Lobby: Connect{Host: "10.0.0.5", Port: 46000}, Room: "R"}, ""},
		{"no room", "connect = \"example.org\"\n", Connect{Host: "example.org", Port: 6400}, ""},
		{"room without connect", "room = \"R\"\n", nil, "room"},
		{"password without room", "connect = \"h\"\nroom_password = \"x\"\n", nil, "room_password"},
		{"two-word password", "connect = \"h\"\nroom = \"R\"\nroom_password = \"a b\"\n", nil, "room_password"},
		{"spectator", "connect = \"h\"\nroom = \"R\"\nspectator = true\n", nil, "room"},
		{"invite", "connect = \"netpak1abc\"\nroom = \"R\"\n", nil, "room"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseFile("t.toml", tc.text, Defaults())
			if err == nil {
				err = s.Validate()
			}
			if tc.err != "" {
				var fe *FileError
				if !errors.As(err, &fe) || fe.Key != tc.err {
					t.Fatalf("got %v, want an error of key %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.ConnectCmd(); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ConnectCmd() = %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}
