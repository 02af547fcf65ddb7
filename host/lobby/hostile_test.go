package lobby_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

// Other loopback addresses are other sources to the server's limits.
const (
	honestIP   = "127.0.0.1"
	attackerIP = "127.0.0.2"
	swarmIP    = "127.0.0.3"
	guesserIP  = "127.0.0.4"
)

// An honest room plays on to identical results while other sources send
// malformed and oversized JSON, flood room creation, open many sockets,
// guess passwords at speed and flood requests: each is refused and
// bounded, and only the offender's own sockets close.
func TestHostileLobbyLeavesHonestRoomAlone(t *testing.T) {
	const maxPerSource = 8
	srv, url := startServer(t, lobby.Config{MaxRooms: 4, MaxRoomsPerSource: 2, MaxSocketsPerSource: maxPerSource})
	alice, bob := dial(t, url, "alice"), dial(t, url, "bob")
	port := createRoom(t, alice, "Honest", "")
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, ""))
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	type result struct {
		hist [][]hosttest.PollRecord
		err  error
	}
	played := make(chan result, 1)
	go func() {
		h, err := runCores(port, 2, 600)
		played <- result{h, err}
	}()

	t.Run("malformed", func(t *testing.T) { malformed(t, srv, url) })
	t.Run("create flood", func(t *testing.T) { createFlood(t, srv, url) })
	t.Run("many sockets", func(t *testing.T) { manySockets(t, srv, url, maxPerSource) })
	t.Run("wrong passwords", func(t *testing.T) { wrongPasswords(t, url) })
	t.Run("request flood", func(t *testing.T) { requestFlood(t, srv, url) })

	res := <-played
	if res.err != nil {
		t.Fatalf("the honest room: %v", res.err)
	}
	sameGame(t, res.hist)
	// The honest players' lobby sockets are open still.
	alice.send(lobbymsg.Request{Type: lobbymsg.TypeChat, Message: "gg"})
	if m := bob.expect("reply_chat_message"); m.Message != "alice: gg" {
		t.Fatalf("chat after the attacks: %q", m.Message)
	}
}

func attacker(t *testing.T, url, ip string) *client {
	t.Helper()
	c, err := dialFrom(t, url, "mallory", ip)
	if err != nil {
		t.Skipf("cannot connect from %s (no 127.0.0.0/8 loopback here?): %v", ip, err)
	}
	return c
}

// Malformed JSON, an oversized message and a binary message each close
// their socket with a reason; nothing else changes.
func malformed(t *testing.T, srv *lobby.Server, url string) {
	before := srv.Stats().Malformed
	for name, send := range map[string]func(c *client) error{
		"not JSON":  func(c *client) error { return c.sendRaw([]byte(`{"type": "request_get_rooms",`)) },
		"bad field": func(c *client) error { return c.sendRaw([]byte(`{"type":"request_join_room","room":{"MD5":"zz"}}`)) },
		"oversized": func(c *client) error {
			return c.sendRaw([]byte(`{"type":"request_chat_message","message":"` + strings.Repeat("x", lobbymsg.MaxMessage) + `"}`))
		},
		"binary garbage": func(c *client) error {
			ctx, cancel := contextWithLimit()
			defer cancel()
			return c.c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3})
		},
	} {
		c := attacker(t, url, attackerIP)
		send(c)
		// A close frame says why, unless the kernel reset the connection
		// for the bytes the server left unread (the oversized message).
		err := c.waitClosed()
		if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusPolicyViolation && st != websocket.StatusMessageTooBig {
			t.Errorf("%s: the socket closed with %v, want a policy close", name, err)
		}
	}
	// The library closes an oversized socket before our reader hears of it.
	hosttest.WaitFor(t, "4 malformed messages counted", func() bool { return srv.Stats().Malformed-before == 4 })
}

// One source creates rooms from many sockets: it gets MaxRoomsPerSource,
// the rest are refused with a message.
func createFlood(t *testing.T, srv *lobby.Server, url string) {
	var made, refused int
	for i := range 6 {
		c := attacker(t, url, attackerIP)
		r := c.do(lobbymsg.Request{Type: lobbymsg.TypeCreateRoom, Room: &lobbymsg.Room{RoomName: fmt.Sprintf("spam%d", i), MD5: testROM}})
		switch {
		case r.Accept == lobbymsg.Accepted:
			made++
		case r.Message != "":
			refused++
		}
	}
	if made != 2 || refused != 4 {
		t.Fatalf("%d rooms made and %d refused, want 2 and 4", made, refused)
	}
}

// Sockets beyond the per-source limit are closed at once.
func manySockets(t *testing.T, srv *lobby.Server, url string, limit int) {
	open, refusedBefore := srv.Sockets()
	var ok int
	for range limit + 6 {
		if _, err := dialFrom(t, url, "swarm", swarmIP); err == nil {
			ok++
		}
	}
	now, refused := srv.Sockets()
	if ok > limit || refused-refusedBefore < 6 || now > open+limit {
		t.Fatalf("%d sockets connected (limit %d), %d refused; %d open", ok, limit, refused-refusedBefore, now)
	}
}

// A guesser gets a few wrong passwords, then every try from its address is
// refused unheard, the right password included.
func wrongPasswords(t *testing.T, url string) {
	carol := dial(t, url, "carol")
	port := createRoom(t, carol, "Locked", "opensesame")
	var wrong, locked int
	for s := range 2 {
		g := attacker(t, url, guesserIP)
		mustAccept(t, g.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		for i := range 15 {
			r := join(g, port, fmt.Sprintf("guess%d-%d", s, i))
			if r.Accept != lobbymsg.BadPassword {
				t.Fatalf("a wrong password: %v", r.Accept)
			}
			if r.Message == "wrong password" {
				wrong++
			} else {
				locked++
			}
		}
	}
	if wrong > 6 || locked < 24 {
		t.Fatalf("%d wrong passwords heard, %d refused unheard", wrong, locked)
	}
	g := attacker(t, url, guesserIP)
	mustAccept(t, g.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	if r := join(g, port, "opensesame"); r.Accept != lobbymsg.BadPassword {
		t.Fatalf("the right password from a locked-out address: %v", r.Accept)
	}
	dave := dial(t, url, "dave") // another address is not locked out
	mustAccept(t, dave.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(dave, port, "opensesame"))
}

// A socket that floods requests is closed; it only hurts itself.
func requestFlood(t *testing.T, srv *lobby.Server, url string) {
	c := attacker(t, url, attackerIP)
	for range 100 {
		if c.sendRaw([]byte(`{"type":"request_motd"}`)) != nil {
			break
		}
	}
	// Closed with a policy close frame, or, when the flooder's unread
	// messages make the kernel reset the connection, without it.
	c.waitClosed()
	if srv.Stats().RateLimited == 0 {
		t.Fatal("no socket was rate-limited")
	}
}

// A room's game port takes connections only from its lobby players'
// addresses: a stranger cannot take a controller port.
func TestGamePortRefusesStrangers(t *testing.T) {
	_, url := startServer(t, lobby.Config{})
	alice := dial(t, url, "alice")
	port := createRoom(t, alice, "Mine", "")
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(attackerIP)}, Timeout: waitLimit}
	c, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skipf("cannot connect from %s: %v", attackerIP, err)
	}
	defer c.Close()
	c.Write([]byte{5, 0, 1, 0, 0, 0, 0, 9}) // REGISTER_PLAYER 1
	c.SetReadDeadline(time.Now().Add(waitLimit))
	if n, err := c.Read(make([]byte, 2)); err == nil {
		t.Fatalf("a stranger's core got a %d-byte reply", n)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the stranger's connection stayed open")
	}
	sameGame(t, playCores(t, port, 1, 100)) // alice's own core plays
}

// A socket in no room that stays silent is closed after IdleTimeout; a
// player in a room may stay silent.
func TestIdleSocketsClose(t *testing.T) {
	_, url := startServer(t, lobby.Config{IdleTimeout: 100 * time.Millisecond})
	alice, idler := dial(t, url, "alice"), dial(t, url, "idler")
	createRoom(t, alice, "Quiet", "")
	mustAccept(t, idler.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	if err := idler.waitClosed(); websocket.CloseStatus(err) != websocket.StatusPolicyViolation && websocket.CloseStatus(err) != -1 {
		t.Fatalf("the idle socket closed with %v", err)
	}
	time.Sleep(200 * time.Millisecond) // longer than IdleTimeout: alice, in a room, stays
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeMOTD}))
}
