package lobby_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/lobby/lobbyproxy"
)

// startProxy serves a local lobby on 127.0.0.1 that forwards the server
// at url over dial, and returns it and its URL.
func startProxy(t testing.TB, url string, dial func(context.Context, string, string) (net.Conn, error)) (*lobbyproxy.Proxy, string) {
	t.Helper()
	p, err := lobbyproxy.New(lobbyproxy.Config{Lobby: netip.MustParseAddrPort(strings.TrimPrefix(url, "ws://")), Dial: dial, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return p, serveOnLoopback(t, p.Serve, p.Close, lobbyproxy.ErrClosed)
}

// Two RMG players reach a server only through a proxy (a plain dialer
// stands in for the tunnel here; cmd/netpak's tests use the real one).
// The server's game port is taken on this machine, by the server itself,
// so the proxy offers another and maps it both ways: the players create,
// list, join and begin with the local port, and their cores play there.
func TestProxyCarriesARoom(t *testing.T) {
	srv, url := startServer(t, lobby.Config{Lag: 1})
	proxy, purl := startProxy(t, url, (&net.Dialer{}).DialContext)
	alice, bob := dial(t, purl, "alice"), dial(t, purl, "bob")

	port := createRoom(t, alice, "Through The Tunnel", "pw")
	rooms := srv.Rooms()
	if len(rooms) != 1 {
		t.Fatalf("the server has rooms %+v", rooms)
	}
	serverPort := rooms[0].Port
	if port == serverPort {
		t.Fatalf("the proxy offered the server's own port %d, which the server holds on this machine", port)
	}
	if got := proxy.Ports(); len(got) != 1 || got[uint16(serverPort)] != uint16(port) {
		t.Fatalf("forwarded ports %v, want %d from %d", got, serverPort, port)
	}
	listed := mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})).Rooms
	if len(listed) != 1 || listed[0].Port != port {
		t.Fatalf("bob lists %+v, want the room on local port %d", listed, port)
	}
	if r := join(bob, port, "guess"); r.Accept != lobbymsg.BadPassword {
		t.Fatalf("a wrong password through the proxy: %v %q", r.Accept, r.Message)
	}
	if r := mustAccept(t, join(bob, port, "pw")); r.Room.Port != port {
		t.Fatalf("reply_join_room names port %d, want the local %d", r.Room.Port, port)
	}
	bob.send(lobbymsg.Request{Type: lobbymsg.TypeChat, Message: "hello", Room: &lobbymsg.Room{Port: port}})
	if m := alice.expect("reply_chat_message"); m.Message != "bob: hello" {
		t.Fatalf("alice got chat %q", m.Message)
	}
	// A buggy frontend on the same machine sends an oversized message and
	// a malformed one: its sockets close, the room plays on.
	mallory := dial(t, purl, "mallory")
	mallory.sendRaw([]byte(`{"type":"request_chat_message","message":"` + strings.Repeat("x", lobbymsg.MaxMessage) + `"}`))
	mallory.waitClosed()
	mallory = dial(t, purl, "mallory")
	mallory.sendRaw([]byte(`{"type":"request_join_room","room":{"port":"` + strconv.Itoa(port) + `"}}`))
	mallory.waitClosed()

	alice.send(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}})
	for _, c := range []*client{alice, bob} {
		mustAccept(t, c.expect("reply_begin_game"))
	}
	sameGame(t, playCores(t, port, 2, 300))
}

// The proxy serves RMG's server list, naming itself.
func TestProxyServerList(t *testing.T) {
	_, url := startServer(t, lobby.Config{})
	_, purl := startProxy(t, url, (&net.Dialer{}).DialContext)
	hp := strings.TrimPrefix(purl, "ws://")
	resp, err := http.Get("http://" + hp + lobby.ServerListPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var list map[string]string
	if err := json.Unmarshal(b, &list); err != nil || len(list) != 1 || list["netpak (VPN)"] != purl {
		t.Fatalf("server list %s (%v), want {\"netpak (VPN)\": %q}", b, err, purl)
	}
}

// When the server cannot be reached, a frontend's connection is refused
// and the proxy says why; the proxy goes on serving.
func TestProxyServerUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "ws://" + ln.Addr().String()
	ln.Close()
	_, purl := startProxy(t, gone, (&net.Dialer{}).DialContext)
	if _, err := dialFrom(t, purl, "alice", ""); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("dial through a proxy to nothing: %v, want a 502", err)
	}
}

// A server that lists more rooms than the proxy forwards ports for gets
// its first MaxPorts, and no more ports open on the player's machine.
func TestProxyBoundsPorts(t *testing.T) {
	rooms := make([]lobbymsg.Room, 40)
	for i := range rooms {
		rooms[i] = lobbymsg.Room{RoomName: "r" + strconv.Itoa(i), GameName: "g", Port: 40000 + i}
	}
	list := lobbymsg.Encode(lobbymsg.Reply{Type: "reply_get_rooms", Rooms: rooms})
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
			c.Write(r.Context(), websocket.MessageText, list)
		}
	}))
	defer hostile.Close()
	proxy, purl := startProxy(t, "ws://"+hostile.Listener.Addr().String(), (&net.Dialer{}).DialContext)
	cl := dial(t, purl, "bob")
	got := cl.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}).Rooms
	if n := len(proxy.Ports()); n != 32 {
		t.Fatalf("the proxy forwards %d ports, want its bound of 32", n)
	}
	if len(got) != 40 || got[39].Port != 40039 {
		t.Fatalf("the list beyond the bound: %+v, want the server's ports", got[32:])
	}
}

// Frontends on the player's machine cannot hold more lobby connections
// than the proxy's bound: the next is refused until one closes, and a
// player who then comes in plays as usual.
func TestProxyBoundsSockets(t *testing.T) {
	_, url := startServer(t, lobby.Config{MaxSocketsPerSource: 16})
	_, purl := startProxy(t, url, (&net.Dialer{}).DialContext)
	var held []*client
	for i := range 8 {
		held = append(held, dial(t, purl, "p"+strconv.Itoa(i)))
	}
	if _, err := dialFrom(t, purl, "extra", ""); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a ninth lobby connection: %v, want a 503", err)
	}
	held[0].c.CloseNow()
	hosttest.WaitFor(t, "a place to free", func() bool {
		c, err := dialFrom(t, purl, "late", "")
		if err != nil {
			return false
		}
		mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		return true
	})
}

// The proxy passes the server's status page on.
func TestProxyStatusPage(t *testing.T) {
	_, url := startServer(t, lobby.Config{Name: "friday"})
	_, purl := startProxy(t, url, (&net.Dialer{}).DialContext)
	alice := dial(t, purl, "alice")
	createRoom(t, alice, "Through The Tunnel", "")
	var st lobby.Status
	if code := getStatus(t, "http://"+strings.TrimPrefix(purl, "ws://")+lobby.StatusJSONPath, "", &st); code != http.StatusOK ||
		st.Name != "friday" || len(st.Rooms) != 1 || st.Rooms[0].Name != "Through The Tunnel" || st.Rooms[0].Players[0] != "alice" {
		t.Fatalf("the status through the proxy: %d %+v", code, st)
	}
}
