package lobby_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/m64p"
)

// Two players meet in the lobby as RMG's dialogs make them, and their
// cores play the room's game with identical inputs.
func TestLobbyPlaysAGame(t *testing.T) {
	srv, url := startServer(t, lobby.Config{Lag: 2, MOTD: "<b>welcome</b>"})
	alice, bob := dial(t, url, "alice"), dial(t, url, "bob")

	port := createRoom(t, alice, "Friday Room", "s3cret")
	if m := mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeMOTD})); m.Message != "<b>welcome</b>" {
		t.Errorf("motd %q", m.Message)
	}

	rooms := mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})).Rooms
	if len(rooms) != 1 || rooms[0].Port != port || !rooms[0].Protected || rooms[0].Password != "" ||
		rooms[0].RoomName != "Friday Room" || rooms[0].Features["gfx_plugin"] != "GFX" {
		t.Fatalf("rooms %+v, want Friday Room on port %d, protected, without its password", rooms, port)
	}

	if r := join(bob, port, "guess"); r.Accept != lobbymsg.BadPassword {
		t.Fatalf("a wrong password: %v %q, want bad password", r.Accept, r.Message)
	}
	r := mustAccept(t, join(bob, port, "s3cret"))
	if r.Room.Port != port || r.PlayerName != "bob" {
		t.Fatalf("reply_join_room %+v", r)
	}
	pl := alice.expect("reply_players")
	if *pl.PlayerNames != [4]string{"alice", "bob"} {
		t.Fatalf("players %q", *pl.PlayerNames)
	}

	bob.send(lobbymsg.Request{Type: lobbymsg.TypeChat, Message: "hi all", Room: &lobbymsg.Room{Port: port}})
	for _, c := range []*client{alice, bob} {
		if m := c.expect("reply_chat_message"); m.Message != "bob: hi all" {
			t.Fatalf("%s got chat %q", c.name, m.Message)
		}
	}

	if r := bob.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}}); r.Accept != lobbymsg.BadPlayer {
		t.Fatalf("bob began the game: %v", r.Accept)
	}
	alice.send(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}})
	for _, c := range []*client{alice, bob} {
		mustAccept(t, c.expect("reply_begin_game"))
	}
	if rooms := bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms; len(rooms) != 0 {
		t.Errorf("a running room is listed: %+v", rooms)
	}

	type played struct {
		hist [][]hosttest.PollRecord
		err  error
	}
	done := make(chan played, 1)
	go func() {
		hist, err := runCores(port, 2, 300)
		done <- played{hist, err}
	}()
	// The session calls each core by its player's lobby name.
	hosttest.WaitFor(t, "the cores named alice and bob in the session", func() bool {
		var names []string
		for _, r := range srv.Rooms() {
			for _, m := range r.Members {
				names = append(names, m.Name)
			}
		}
		slices.Sort(names)
		return slices.Equal(names, []string{"alice", "bob"})
	})
	p := <-done
	if p.err != nil {
		t.Fatal(p.err)
	}
	sameGame(t, p.hist)

	// RMG closes its lobby socket when the emulator stops; the room goes.
	alice.c.CloseNow()
	bob.c.CloseNow()
	carol := dial(t, url, "carol")
	hosttest.WaitFor(t, "the room to close", func() bool {
		return len(carol.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms) == 0 && srv.Stats().RoomsCreated == 1
	})
}

// Three rooms play at once, each its own game. Every player comes from
// 127.0.0.1, so the rooms per source allow three: with the default two,
// the room created last was refused unless one of the others had ended.
func TestThreeRooms(t *testing.T) {
	_, url := startServer(t, lobby.Config{Lag: 1, MaxSocketsPerSource: 16, MaxRoomsPerSource: 3})
	for i := range 3 {
		t.Run(fmt.Sprintf("room%d", i), func(t *testing.T) {
			t.Parallel()
			players := i + 2
			cls := make([]*client, players)
			for p := range players {
				cls[p] = dial(t, url, fmt.Sprintf("p%dr%d", p, i))
			}
			port := createRoom(t, cls[0], fmt.Sprintf("Room %d", i), "")
			for _, c := range cls[1:] {
				mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
				mustAccept(t, join(c, port, ""))
			}
			mustAccept(t, cls[0].do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
			sameGame(t, playCores(t, port, players, 200))
		})
	}
}

// Every refusal of a join has its accept code and a message.
func TestJoinRefusals(t *testing.T) {
	_, url := startServer(t, lobby.Config{})
	host := dial(t, url, "host")
	port := createRoom(t, host, "Refusals", "")
	cases := []struct {
		name string
		req  lobbymsg.Request
		want lobbymsg.Accept
	}{
		{"no such room", lobbymsg.Request{Room: &lobbymsg.Room{Port: 1, MD5: testROM}}, lobbymsg.RoomDeleted},
		{"another build", lobbymsg.Request{ClientSHA: "RMG 0.1", Room: &lobbymsg.Room{Port: port, MD5: testROM}}, lobbymsg.MismatchVersion},
		{"another ROM", lobbymsg.Request{Room: &lobbymsg.Room{Port: port, MD5: strings.Repeat("0", 32)}}, lobbymsg.MismatchVersion},
		{"another API", lobbymsg.Request{NetplayVersion: "16", Room: &lobbymsg.Room{Port: port, MD5: testROM}}, lobbymsg.MismatchVersion},
		{"a taken name", lobbymsg.Request{PlayerName: "HOST", Room: &lobbymsg.Room{Port: port, MD5: testROM}}, lobbymsg.DuplicateName},
		{"a blank name", lobbymsg.Request{PlayerName: "  ", Room: &lobbymsg.Room{Port: port, MD5: testROM}}, lobbymsg.BadName},
		{"another emulator", lobbymsg.Request{Emulator: "simple64", Room: &lobbymsg.Room{Port: port, MD5: testROM}}, lobbymsg.RoomDeleted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, url, "guest")
			mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
			tc.req.Type = lobbymsg.TypeJoinRoom
			r := c.do(tc.req)
			if r.Accept != tc.want || r.Message == "" {
				t.Fatalf("got %v %q, want %v with a message", r.Accept, r.Message, tc.want)
			}
		})
	}
	t.Run("full", func(t *testing.T) {
		for i := range 3 {
			c := dial(t, url, fmt.Sprintf("g%d", i))
			mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
			mustAccept(t, join(c, port, ""))
		}
		c := dial(t, url, "fifth")
		mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		if r := join(c, port, ""); r.Accept != lobbymsg.RoomFull {
			t.Fatalf("a fifth player: %v, want room full", r.Accept)
		}
	})
	t.Run("running", func(t *testing.T) {
		mustAccept(t, host.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
		c := dial(t, url, "late")
		mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		if r := join(c, port, ""); r.Accept != lobbymsg.RoomFull && r.Accept != lobbymsg.BadGameState {
			t.Fatalf("joining a running room: %v", r.Accept)
		}
	})
}

// Plain HTTP at /servers.json is the server list RMG's Server URL reads:
// this lobby, at the address the player used.
func TestServerList(t *testing.T) {
	_, url := startServer(t, lobby.Config{Name: "friday"})
	hp := strings.TrimPrefix(url, "ws://")
	resp, err := http.Get("http://" + hp + lobby.ServerListPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list["friday"] != url {
		t.Fatalf("server list %v, want friday: %s", list, url)
	}
	if r, err := http.Get("http://" + hp + "/other"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("another path: %v %v", r, err)
	}
}

// gopher64 sends its JSON in binary frames, with nulls. Two gopher64
// players create, join and begin a room, and their cores (gopher64
// 1.1.22's netplay: player 1's data after the registration) play it with
// identical inputs. Rooms of other emulators stay apart.
func TestGopher64Client(t *testing.T) {
	_, url := startServer(t, lobby.Config{Lag: 2})
	gus := dial(t, url, "gus")
	ctx, cancel := contextWithLimit()
	defer cancel()
	if err := gus.c.Write(ctx, websocket.MessageBinary, []byte(gopherCreate)); err != nil {
		t.Fatal(err)
	}
	r := mustAccept(t, gus.expect("reply_create_room"))
	if r.Room == nil || r.Room.Port == 0 {
		t.Fatalf("reply_create_room without a port: %+v", r)
	}
	port := r.Room.Port
	rosa := dial(t, url, "rosa")
	createRoom(t, rosa, "RMG only", "")
	rooms := mustAccept(t, gus.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms, Emulator: "gopher64"})).Rooms
	if len(rooms) != 1 || rooms[0].Port != port {
		t.Fatalf("a gopher64 player sees rooms %+v, want only G room", rooms)
	}
	gina := dial(t, url, "gina")
	mustAccept(t, gina.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms, Emulator: "gopher64", ClientSHA: "v1.1.22"}))
	mustAccept(t, gina.do(lobbymsg.Request{Type: lobbymsg.TypeJoinRoom, Emulator: "gopher64", ClientSHA: "v1.1.22",
		Room: &lobbymsg.Room{Port: port, MD5: "0123456789ABCDEF0123456789ABCDEF"}}))
	gus.send(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Emulator: "gopher64", ClientSHA: "v1.1.22", Room: &lobbymsg.Room{Port: port}})
	for _, c := range []*client{gus, gina} {
		mustAccept(t, c.expect("reply_begin_game"))
	}
	hist, err := runGophersOn(port, 2, 200)
	if err != nil {
		t.Fatal(err)
	}
	sameGame(t, hist)
}

// runGophersOn plays gopher64 fake cores, one per player, on port and
// checks that player 2 got player 1's data.
func runGophersOn(port, players, polls int) ([][]hosttest.PollRecord, error) {
	ap := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	defer cancel()
	hist := make([][]hosttest.PollRecord, players)
	data := make([]hosttest.Gopher64Data, players)
	errs := make(chan error, players)
	for p := range players {
		cfg := hosttest.FakeCoreConfig{Host: ap, Players: []uint8{uint8(p)}, Gopher64: true, RNG: 42, RTC: 1_796_083_200}
		cfg.SizedSaves[m64p.SaveEEPROM] = bytes.Repeat([]byte{7}, 512)
		c, err := hosttest.NewFakeCore(cfg)
		if err != nil {
			return nil, err
		}
		go func() {
			defer c.Close()
			if _, _, _, err := c.Handshake(ctx); err != nil {
				errs <- err
				return
			}
			for n := range polls {
				if _, err := c.Poll(ctx, map[int]uint32{p: coreKeys(p, n)}); err != nil {
					errs <- err
					return
				}
			}
			hist[p], data[p] = c.History(), c.Gopher64Data()
			errs <- nil
		}()
	}
	for range players {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	for p := 1; p < players; p++ {
		if data[p].RNG != data[0].RNG || data[p].RTC != data[0].RTC || !bytes.Equal(data[p].Saves[m64p.SaveEEPROM], data[0].Saves[m64p.SaveEEPROM]) {
			return nil, fmt.Errorf("player %d got other data than player 1 sent", p+1)
		}
	}
	return hist, nil
}

// A LAN broadcast of one byte, as RMG sends to UDP 45000, is answered
// with this lobby's URL; other datagrams are not.
func TestDiscovery(t *testing.T) {
	srv, _ := startServer(t, lobby.Config{Name: "lan"})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeDiscovery(pc, 45123)
	t.Cleanup(func() { pc.Close() })
	c, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{2}) // not a discovery: no answer
	c.Write([]byte{1})
	c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]string
	if err := json.Unmarshal(buf[:n], &list); err != nil || list["lan"] != "ws://127.0.0.1:45123" {
		t.Fatalf("discovery reply %q (%v)", buf[:n], err)
	}
}

// Close ends every socket, room and goroutine of the server, and a second
// Close says it is closed.
func TestCloseLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	s, url := startServer(t, lobby.Config{}) // its cleanup checks Serve's ErrClosed
	alice, bob := dial(t, url, "alice"), dial(t, url, "bob")
	port := createRoom(t, alice, "Closing", "")
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, ""))
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := alice.waitClosed(); websocket.CloseStatus(err) != websocket.StatusGoingAway && websocket.CloseStatus(err) != -1 {
		t.Errorf("alice's socket closed with %v", err)
	}
	bob.waitClosed()
	if err := s.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if open, _ := s.Sockets(); open != 0 {
		t.Errorf("%d sockets open after Close", open)
	}
	hosttest.WaitFor(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// With auth on, a request must prove its emulator's secret; with a
// create key, only connections that name it may create rooms.
func TestAuthAndCreateKey(t *testing.T) {
	_, url := startServer(t, lobby.Config{AuthSecrets: map[string]string{"RMG": "RMG"}, CreateKey: "friends", Version: "netpak test"})
	c := dial(t, url, "alice")
	if r := c.do(lobbymsg.Request{Type: lobbymsg.TypeVersion}); r.Message != "netpak test. api: 17" {
		t.Errorf("version %q", r.Message)
	}
	mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	if r := c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms, Emulator: "other"}); r.Accept != lobbymsg.BadEmulator {
		t.Errorf("an emulator without a secret: %v", r.Accept)
	}
	forged := lobbymsg.Request{Type: lobbymsg.TypeGetRooms, ClientSHA: "x", Emulator: "RMG", NetplayVersion: lobbymsg.VersionAPI,
		AuthTime: lobbymsg.AuthTime(fmt.Sprint(time.Now().UnixMilli())), Auth: strings.Repeat("0", 64)}
	c.sendRaw(lobbymsg.Encode(forged))
	if r := c.expect("reply_get_rooms"); r.Accept != lobbymsg.BadAuth {
		t.Errorf("a forged auth: %v", r.Accept)
	}
	if r := c.do(lobbymsg.Request{Type: lobbymsg.TypeCreateRoom, Room: &lobbymsg.Room{RoomName: "R", MD5: testROM}}); r.Accept != lobbymsg.BadAuth {
		t.Errorf("a create without the key: %v %q", r.Accept, r.Message)
	}
	friend := dial(t, url+"/friends", "bob")
	createRoom(t, friend, "Friends only", "")
}

// gopherCreate is request_create_room as gopher64 1.1.22 writes it (the
// codec's own tests decode the same bytes): every absent field null.
const gopherCreate = `{"type":"request_create_room","player_name":"gus","client_sha":"v1.1.22","netplay_version":17,` +
	`"emulator":"gopher64","room":{"room_name":"G room","password":null,"protected":null,"MD5":"0123456789ABCDEF0123456789ABCDEF",` +
	`"game_name":"Test","port":null,"features":{"overclock":"false"},"buffer_target":null},"accept":null,"message":null,` +
	`"auth":"ab","player_names":null,"authTime":"1764880000000","rooms":null}`
