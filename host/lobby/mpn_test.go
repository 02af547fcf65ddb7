package lobby_test

import (
	"strconv"
	"testing"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// mpnBuffer is Mupen-MPN's buffer message, as its room dialog sends it:
// no common fields.
func mpnBuffer(cl *client, size string) {
	cl.t.Helper()
	if err := cl.sendRaw([]byte(`{"type":"update_buffer_size","buffer_size":` + size + `}`)); err != nil {
		cl.t.Fatal(err)
	}
}

// roomLag is the lag and autolag of the only room.
func roomLag(t *testing.T, srv *lobby.Server) (uint8, bool) {
	t.Helper()
	rooms := srv.Rooms()
	if len(rooms) != 1 {
		t.Fatalf("%d rooms, want 1", len(rooms))
	}
	return rooms[0].Stats.Lag, rooms[0].Stats.AutoLag
}

// Mupen-MPN, the Mario Party Netplay community's RMG, speaks RMG's lobby
// with netplay_version "MPNServer-1" and calls itself RMG: its players see
// and join each other's rooms and no others, as on their own server. The
// buffer its room's creator sets is the room's lag, before and during the
// game (turning autolag off, as /lag does); another player's buffer, or
// one from outside any room, is refused, one beyond any lag closes the
// sender's socket, and the cores finish identical.
func TestMupenMPNRoom(t *testing.T) {
	srv, url := startServer(t, lobby.Config{Lag: 5, AutoLag: true})
	alice, bob, carol := dial(t, url, "alice"), dial(t, url, "bob"), dial(t, url, "carol")
	alice.version, bob.version = lobbymsg.VersionMPN, lobbymsg.VersionMPN

	port := createRoom(t, alice, "Mario Party", "MPN")
	if rooms := carol.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms; len(rooms) != 0 {
		t.Errorf("an RMG player sees Mupen-MPN's rooms: %+v", rooms)
	}
	if r := join(carol, port, "MPN"); r.Accept != lobbymsg.RoomDeleted {
		t.Errorf("an RMG player joined a Mupen-MPN room: %v %q", r.Accept, r.Message)
	}
	if rooms := mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})).Rooms; len(rooms) != 1 || rooms[0].Port != port {
		t.Fatalf("Mupen-MPN's rooms for its player: %+v", rooms)
	}
	mustAccept(t, join(bob, port, "MPN"))

	mpnBuffer(alice, "3")
	hosttest.WaitFor(t, "the buffer to set the lag", func() bool {
		lag, auto := roomLag(t, srv)
		return lag == 3 && !auto
	})
	for _, c := range []*client{alice, bob} {
		if m := c.expect("reply_chat_message"); m.Message != "alice set the buffer to 3: everyone's input delay (lag) is 3 frames" {
			t.Errorf("%s was told %q", c.name, m.Message)
		}
	}
	mpnBuffer(bob, "9")
	if m := bob.expect("reply_chat_message"); m.Message != "server: only the room's creator sets the buffer" {
		t.Errorf("bob's buffer: %q, want refused", m.Message)
	}
	mpnBuffer(carol, "9")
	if m := carol.expect("reply_chat_message"); m.Message != "server: you are in no room" {
		t.Errorf("a buffer from outside any room: %q, want refused", m.Message)
	}
	if err := alice.sendRaw([]byte(`{"type":"update_buffer_size"}`)); err != nil {
		t.Fatal(err)
	}
	if m := alice.expect("reply_chat_message"); m.Message != "server: the buffer is missing: the lag stays" {
		t.Errorf("a buffer without its size: %q, want refused", m.Message)
	}
	if lag, _ := roomLag(t, srv); lag != 3 {
		t.Errorf("lag %d after refused buffers, want 3", lag)
	}

	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}}))
	played := make(chan [][]hosttest.PollRecord, 1)
	go func() { played <- playCores(t, port, 2, 600) }()
	hosttest.WaitFor(t, "the game to run", func() bool { return srv.Rooms()[0].Stats.Poll > 60 })
	mpnBuffer(alice, "1")
	mpnBuffer(bob, "256")
	if err := bob.waitClosed(); err == nil {
		t.Error("a buffer beyond any lag left the sender's socket open")
	}
	hosttest.WaitFor(t, "the buffer to set the lag mid-game", func() bool {
		lag, _ := roomLag(t, srv)
		return lag == 1
	})
	sameGame(t, <-played)
	if lag, auto := roomLag(t, srv); lag != 1 || auto {
		t.Errorf("after the game: lag %d, autolag %v; want 1, off", lag, auto)
	}
}

// A client of a netplay_version the server does not serve is told which
// it serves.
func TestUnknownNetplayVersion(t *testing.T) {
	_, url := startServer(t, lobby.Config{})
	old := dial(t, url, "old")
	old.version = "MPN-4"
	r := old.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})
	if r.Accept != lobbymsg.MismatchVersion || r.Message == "" {
		t.Errorf("netplay_version MPN-4: %v %q, want a version mismatch that says why", r.Accept, r.Message)
	}
}

// A room's creator who floods buffers mid-game (a buggy or hostile
// client) is cut off by the lobby's request limit, like any socket that
// floods, and the lag changes it got in land on the same poll for every
// core: both cores finish identical, at a lag it asked for.
func TestMupenMPNBufferFlood(t *testing.T) {
	srv, url := startServer(t, lobby.Config{Lag: 2})
	alice, bob := dial(t, url, "alice"), dial(t, url, "bob")
	alice.version, bob.version = lobbymsg.VersionMPN, lobbymsg.VersionMPN
	port := createRoom(t, alice, "Mario Party", "MPN")
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, "MPN"))
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}}))
	played := make(chan [][]hosttest.PollRecord, 1)
	go func() { played <- playCores(t, port, 2, 600) }()
	hosttest.WaitFor(t, "the game to run", func() bool { return srv.Rooms()[0].Stats.Poll > 60 })
	for i := range 100 {
		if alice.sendRaw([]byte(`{"type":"update_buffer_size","buffer_size":`+strconv.Itoa(1+i%6)+`}`)) != nil {
			break // the server closed the flooder's socket
		}
	}
	if err := alice.waitClosed(); err == nil {
		t.Error("a creator that sent 100 buffers at once kept its socket")
	}
	sameGame(t, <-played)
	if lag, _ := roomLag(t, srv); lag < 1 || lag > 6 {
		t.Errorf("lag %d after the flood, want one the creator asked for", lag)
	}
	if st := srv.Stats(); st.RateLimited == 0 {
		t.Errorf("stats %+v: the flood was not limited", st)
	}
}
