package lobby_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

// A room through its life: edits by the creator only, the creator's seat
// passing on when it leaves, a begin whose missing player's core never
// comes, the room back in the list after the game, and a second game.
func TestRoomLifecycle(t *testing.T) {
	srv, url := startServer(t, lobby.Config{BeginTimeout: 300 * time.Millisecond})
	alice, bob, carol := dial(t, url, "alice"), dial(t, url, "bob"), dial(t, url, "carol")
	port := createRoom(t, alice, "Life", "")
	for _, c := range []*client{bob, carol} {
		mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		mustAccept(t, join(c, port, ""))
	}

	edit := lobbymsg.Request{Type: lobbymsg.TypeEditRoom, Room: &lobbymsg.Room{RoomName: "Life", MD5: testROM,
		Features: map[string]string{"cheats": `[{"name":"inf lives"}]`}}}
	if r := bob.do(edit); r.Accept != lobbymsg.BadPlayer {
		t.Fatalf("bob edited the room: %v", r.Accept)
	}
	bad := edit
	bad.Room = &lobbymsg.Room{RoomName: "Other"}
	if r := alice.do(bad); r.Accept != lobbymsg.BadRoomName {
		t.Fatalf("a rename: %v", r.Accept)
	}
	alice.send(edit)
	for _, c := range []*client{alice, bob, carol} {
		if r := mustAccept(t, c.expect("reply_edit_room")); r.Room.Features["cheats"] != `[{"name":"inf lives"}]` {
			t.Fatalf("%s sees features %v", c.name, r.Room.Features)
		}
	}

	alice.c.CloseNow() // the creator leaves: bob takes seat 0 and may begin
	waitPlayers(t, bob, [4]string{"bob", "", "carol"})
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))

	// Only bob's core comes: after BeginTimeout the game starts with it.
	hist, err := runCoresOn(port, []uint8{0}, 50)
	if err != nil {
		t.Fatal(err)
	}
	sameGame(t, hist)

	// The game ended with its last core: the room is open again.
	hosttest.WaitFor(t, "the room to be listed again", func() bool {
		return len(carol.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms) == 1
	})
	// A second game, both cores there at the begin.
	done := make(chan error, 1)
	var hist2 [][]hosttest.PollRecord
	go func() {
		var err error
		hist2, err = runCoresOn(port, []uint8{0, 2}, 100)
		done <- err
	}()
	hosttest.WaitFor(t, "both cores to wait", func() bool { return len(srv.Rooms()[0].Members) == 2 })
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if hist2[0][99] != hist2[1][99] || hist2[0][99].Keys[2]>>24 != 3 {
		t.Fatalf("the second game: %+v and %+v", hist2[0][99], hist2[1][99])
	}
}

// A begun game whose cores never come goes back to the lobby and says so.
func TestBeginWithoutCores(t *testing.T) {
	_, url := startServer(t, lobby.Config{BeginTimeout: 100 * time.Millisecond})
	alice := dial(t, url, "alice")
	port := createRoom(t, alice, "Empty", "")
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	if m := alice.expect("reply_chat_message"); !strings.Contains(m.Message, "no emulator connected") {
		t.Fatalf("chat %q", m.Message)
	}
	rooms := dial(t, url, "bob").do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms
	if len(rooms) != 1 || rooms[0].Port != port {
		t.Fatalf("rooms %+v, want the room open again", rooms)
	}
}

func waitPlayers(t *testing.T, c *client, want [4]string) {
	t.Helper()
	for {
		if r := c.expect("reply_players"); *r.PlayerNames == want {
			return
		}
	}
}

// runCoresOn plays fake cores of the given players on port; each core
// returns its history in players' order.
func runCoresOn(port int, players []uint8, polls int) ([][]hosttest.PollRecord, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	defer cancel()
	return hosttest.PlayCores(ctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), players, polls, coreKeys)
}
