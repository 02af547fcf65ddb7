package lobby_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/netpak/netpak/host/lobby/lobbyclient"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

func dialNetpak(t *testing.T, url string, cfg lobbyclient.Config) *lobbyclient.Client {
	t.Helper()
	ctx, cancel := contextWithLimit()
	defer cancel()
	cl, err := lobbyclient.Dial(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// A netpak console lists the rooms of RMG players, is refused with a
// wrong password and for a running game, each with its own error, joins
// with the right password, and leaves its seat when it closes.
func TestNetpakClientJoins(t *testing.T) {
	_, url := startServer(t, lobby.Config{MaxRoomsPerSource: 4, AuthSecrets: map[string]string{"RMG": "RMG"}})
	rosa := dial(t, url, "rosa")
	open := createRoom(t, rosa, "Open House", "")
	other := dial(t, url, "otto")
	locked := createRoom(t, other, "Friday", "s3cret")
	rita := dial(t, url, "rita")
	run := createRoom(t, rita, "Running", "")

	cl := dialNetpak(t, strings.TrimPrefix(url, "ws://"), lobbyclient.Config{})
	ctx := t.Context()
	rooms, err := cl.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]lobbymsg.Room{}
	for _, r := range rooms {
		byName[r.RoomName] = r
	}
	if len(rooms) != 3 || byName["Open House"].Port != open || byName["Friday"].Port != locked || byName["Running"].Port != run ||
		!byName["Friday"].Protected || byName["Open House"].Protected || byName["Friday"].Players != 1 {
		t.Fatalf("rooms %+v, want Open House, a protected Friday, and Running", rooms)
	}
	if r, err := lobbyclient.FindRoom(rooms, "friday"); err != nil || r.Port != locked {
		t.Fatalf("FindRoom(friday): %+v %v", r, err)
	}
	if _, err := lobbyclient.FindRoom(rooms, "Saturday"); !errors.Is(err, lobbyclient.ErrNoRoom) || !strings.Contains(err.Error(), `"Friday"`) {
		t.Fatalf("FindRoom(Saturday): %v", err)
	}

	if _, err := cl.Join(ctx, "nina", locked, "guess", ""); !errors.Is(err, lobbyclient.ErrWrongPassword) {
		t.Fatalf("a wrong password: %v", err)
	}
	j, err := cl.Join(ctx, "nina", locked, "s3cret", "")
	if err != nil {
		t.Fatal(err)
	}
	if j.Seat != 1 || j.Room.RoomName != "Friday" {
		t.Fatalf("joined %+v, want seat 1 of Friday", j)
	}
	if pl := other.expect("reply_players"); *pl.PlayerNames != [4]string{"otto", "nina"} {
		t.Fatalf("the creator sees %q", *pl.PlayerNames)
	}
	if _, err := cl.Join(ctx, "nina", open, "", ""); err == nil {
		t.Fatal("joined a second room")
	}

	// Another netpak console: the running room says so.
	cl2 := dialNetpak(t, url, lobbyclient.Config{})
	if _, err := cl2.Rooms(ctx); err != nil {
		t.Fatal(err)
	}
	mustAccept(t, rita.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	rooms, err = cl2.Rooms(ctx)
	if r, _ := lobbyclient.FindRoom(rooms, "Running"); err != nil || !r.Running || r.Port != run {
		t.Fatalf("a netpak console's list after the begin: %+v, %v", rooms, err)
	}
	if rooms := mustAccept(t, rosa.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})).Rooms; len(rooms) != 2 {
		t.Fatalf("an RMG player sees a running room: %+v", rooms)
	}
	if _, err := cl2.Join(ctx, "nils", run, "", ""); !errors.Is(err, lobbyclient.ErrGameStarted) || !strings.Contains(err.Error(), "started") {
		t.Fatalf("joining a running room: %v", err)
	}

	cl.Close()
	if pl := other.expect("reply_players"); *pl.PlayerNames != [4]string{"otto"} {
		t.Fatalf("after the netpak console left the creator sees %q", *pl.PlayerNames)
	}
	if err := cl.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := cl.Rooms(ctx); err == nil {
		t.Error("a closed client listed rooms")
	}
}

// RMG and simple64 clients see only their own emulator's rooms, and the
// auth check holds for netpak too: a wrong secret is refused.
func TestNetpakEmulatorRules(t *testing.T) {
	_, url := startServer(t, lobby.Config{AuthSecrets: map[string]string{"RMG": "RMG"}})
	createRoom(t, dial(t, url, "rosa"), "RMG room", "")
	s64 := dialNetpak(t, url, lobbyclient.Config{Emulator: "simple64", Secret: "x"})
	if _, err := s64.Rooms(t.Context()); !errors.Is(err, lobbyclient.ErrBadEmulator) {
		t.Fatalf("simple64 without a secret: %v", err)
	}
	forged := dialNetpak(t, url, lobbyclient.Config{Secret: "guess"})
	if _, err := forged.Rooms(t.Context()); !errors.Is(err, lobbyclient.ErrBadAuth) {
		t.Fatalf("netpak with a wrong secret: %v", err)
	}
	rmg := dialNetpak(t, url, lobbyclient.Config{Emulator: "RMG", ClientSHA: "RMG test 1.0"})
	if rooms, err := rmg.Rooms(t.Context()); err != nil || len(rooms) != 1 {
		t.Fatalf("RMG lists %+v, %v", rooms, err)
	}
}

// A request that never gets its reply ends at the client's timeout, and
// a server that closes the connection is named in the error.
func TestNetpakClientDeadlines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err = lobbyclient.Dial(ctx, ln.Addr().String(), lobbyclient.Config{Timeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("a listener that never answers the upgrade was dialled")
	}
}

func TestLobbyURL(t *testing.T) {
	for in, want := range map[string]string{
		"example.org":      "ws://example.org:45000",
		"example.org:1234": "ws://example.org:1234",
		"::1":              "ws://[::1]:45000",
		"[::1]:9":          "ws://[::1]:9",
		"ws://h:1/key":     "ws://h:1/key",
	} {
		if got := lobbyclient.LobbyURL(in); got != want {
			t.Errorf("LobbyURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A seat whose controller port a session member already holds is not
// given to a joiner; and when a room's creator leaves before the game, a
// netpak console keeps its seat (its session port cannot move) while an
// RMG player takes the creator's.
func TestSeatsFollowSessionPorts(t *testing.T) {
	_, url := startServer(t, lobby.Config{})
	rosa := dial(t, url, "rosa")
	port := createRoom(t, rosa, "Seats", "")

	// An emulator takes port 2 before anybody sits there (a netpak console
	// holds its port from its join on, just so).
	core, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Players: []uint8{1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	ctx, cancel := contextWithLimit()
	defer cancel()
	if err := core.Dial(ctx); err != nil {
		t.Fatal(err)
	}
	if err := core.Register(ctx); err != nil {
		t.Fatal(err)
	}

	nina := dialNetpak(t, url, lobbyclient.Config{})
	if _, err := nina.Rooms(ctx); err != nil {
		t.Fatal(err)
	}
	j, err := nina.Join(ctx, "nina", port, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if j.Seat != 2 {
		t.Fatalf("nina got seat %d; port 2 is held, want seat 2 (port 3)", j.Seat)
	}
	bob := dial(t, url, "bob")
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, ""))
	if got := bob.expect("reply_players"); *got.PlayerNames != [4]string{"rosa", "", "nina", "bob"} {
		t.Fatalf("players %q", *got.PlayerNames)
	}

	rosa.c.CloseNow()
	hosttest.WaitFor(t, "bob to take the creator's seat", func() bool {
		return nina.Players() == [4]string{"bob", "", "nina", ""}
	})
}

// A name of as many wide characters as a lobby allows is shown whole.
func TestPrintableWideName(t *testing.T) {
	name := strings.Repeat("部", lobbymsg.MaxPlayerName)
	if got := lobbyclient.Printable(name, lobbymsg.MaxPlayerName); got != name {
		t.Errorf("shown as %d characters of %d", utf8.RuneCountInString(got), lobbymsg.MaxPlayerName)
	}
}

// FuzzPrintable: what a lobby says is shown without control characters,
// within its bound.
func FuzzPrintable(f *testing.F) {
	f.Add("wrong password\x1b[2J\n", 10)
	f.Add(strings.Repeat("部", 130), 127) // wide characters count one each
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max&0xff + 1
		p := lobbyclient.Printable(s, max)
		if utf8.RuneCountInString(p) > max || !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("Printable(%q, %d) = %q", s, max, p)
		}
	})
}
