package lobby_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

// testROM is the MD5 every test room plays.
const testROM = "0123456789ABCDEF0123456789ABCDEF"

// waitLimit bounds every wait of a test for something that should happen
// at once; only a failing test waits it out.
const waitLimit = 10 * time.Second

// startServer serves a lobby on 127.0.0.1 and returns it with its URL.
func startServer(t testing.TB, cfg lobby.Config) (*lobby.Server, string) {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	s, err := lobby.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, serveOnLoopback(t, s.Serve, s.Close, lobby.ErrClosed)
}

// serveOnLoopback runs serve on a new listener on 127.0.0.1 until the
// test's cleanup closes it, and returns its ws:// URL. Serve must then
// return closed.
func serveOnLoopback(t testing.TB, serve func(net.Listener) error, close func() error, closed error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- serve(ln) }()
	t.Cleanup(func() {
		close()
		if err := <-served; err != closed {
			t.Errorf("Serve returned %v, want %v", err, closed)
		}
	})
	return "ws://" + ln.Addr().String()
}

// client is a lobby client written from the protocol description: it
// sends what RMG sends and collects the replies.
type client struct {
	t       testing.TB
	c       *websocket.Conn
	name    string
	version lobbymsg.Version // its netplay_version: RMG's, unless a test says
	replies chan lobbymsg.Reply
	closed  chan struct{} // closed when the server closed the socket
	err     error         // why; read after closed
}

func dial(t testing.TB, url, name string) *client {
	t.Helper()
	cl, err := dialFrom(t, url, name, "")
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return cl
}

// dialFrom connects from the local address from (another loopback
// address is another source to the server's limits), or any if "".
func dialFrom(t testing.TB, url, name, from string) (*client, error) {
	var opts websocket.DialOptions
	if from != "" {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		opts.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	c, err := dialWith(url, &opts)
	if err != nil {
		return nil, err
	}
	return newClient(t, c, name, true), nil
}

func dialWith(url string, opts *websocket.DialOptions) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, opts)
	return c, err
}

// newClient wraps c; with read set, a goroutine collects its replies.
func newClient(t testing.TB, c *websocket.Conn, name string, read bool) *client {
	c.SetReadLimit(1 << 20)
	cl := &client{t: t, c: c, name: name, version: lobbymsg.VersionAPI, replies: make(chan lobbymsg.Reply, 256), closed: make(chan struct{})}
	if read {
		go cl.readLoop()
	}
	t.Cleanup(func() { c.CloseNow() })
	return cl
}

func (cl *client) readLoop() {
	defer close(cl.closed)
	for {
		_, b, err := cl.c.Read(context.Background())
		if err != nil {
			cl.err = err
			return
		}
		r, err := lobbymsg.DecodeReply(b)
		if err != nil {
			cl.err = fmt.Errorf("the server sent %q: %w", b, err)
			return
		}
		select {
		case cl.replies <- r:
		default:
			cl.err = fmt.Errorf("reply queue full")
			return
		}
	}
}

// send sends req with RMG's common fields.
func (cl *client) send(req lobbymsg.Request) {
	cl.t.Helper()
	if req.PlayerName == "" && req.Type != lobbymsg.TypeGetRooms {
		req.PlayerName = cl.name
	}
	if req.ClientSHA == "" {
		req.ClientSHA = "RMG test 1.0"
	}
	if req.Emulator == "" {
		req.Emulator = "RMG"
	}
	if req.NetplayVersion == "" {
		req.NetplayVersion = cl.version
	}
	req.AuthTime = lobbymsg.AuthTime(strconv.FormatInt(time.Now().UnixMilli(), 10))
	req.Auth = lobbymsg.AuthHash(req.AuthTime, "RMG")
	cl.sendRaw(lobbymsg.Encode(req))
}

func contextWithLimit() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), waitLimit)
}

func (cl *client) sendRaw(b []byte) error {
	ctx, cancel := contextWithLimit()
	defer cancel()
	return cl.c.Write(ctx, websocket.MessageText, b)
}

// expect returns the next reply of type typ, skipping others.
func (cl *client) expect(typ string) lobbymsg.Reply {
	cl.t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case r := <-cl.replies:
			if r.Type == typ {
				return r
			}
		case <-cl.closed:
			cl.t.Fatalf("%s: the server closed the socket waiting for %s: %v", cl.name, typ, cl.err)
		case <-deadline:
			cl.t.Fatalf("%s: no %s", cl.name, typ)
		}
	}
}

// do sends req and returns its reply.
func (cl *client) do(req lobbymsg.Request) lobbymsg.Reply {
	cl.t.Helper()
	cl.send(req)
	return cl.expect(lobbymsg.ReplyType(req.Type))
}

// mustAccept fails unless r was accepted.
func mustAccept(t testing.TB, r lobbymsg.Reply) lobbymsg.Reply {
	t.Helper()
	if r.Accept != lobbymsg.Accepted {
		t.Fatalf("%s refused: %v: %s", r.Type, r.Accept, r.Message)
	}
	return r
}

// waitClosed waits until the server closed the client's socket.
func (cl *client) waitClosed() error {
	cl.t.Helper()
	select {
	case <-cl.closed:
		return cl.err
	case <-time.After(waitLimit):
		cl.t.Fatalf("%s: the server kept the socket open", cl.name)
		return nil
	}
}

func createRoom(t testing.TB, cl *client, name, password string) int {
	t.Helper()
	r := mustAccept(t, cl.do(lobbymsg.Request{Type: lobbymsg.TypeCreateRoom, Room: &lobbymsg.Room{
		RoomName: name, Password: password, MD5: testROM, GameName: "Test Game",
		Features: map[string]string{"rsp_plugin": "RSP", "gfx_plugin": "GFX"}}}))
	if r.Room == nil || r.Room.Port == 0 {
		t.Fatalf("reply_create_room without a port: %+v", r)
	}
	return r.Room.Port
}

func join(cl *client, port int, password string) lobbymsg.Reply {
	cl.t.Helper()
	return cl.do(lobbymsg.Request{Type: lobbymsg.TypeJoinRoom, Room: &lobbymsg.Room{Port: port, Password: password, MD5: testROM}})
}

// coreKeys is what player p presses at count c in every test game.
func coreKeys(p, c int) uint32 { return uint32(p+1)<<24 | uint32(c*7+p)&0xffff }

// playCores connects one fake core per player to the game port, as the
// clients do after reply_begin_game, plays polls polls and returns each
// core's history. Every core must consume the same inputs.
func playCores(t testing.TB, port int, players, polls int) [][]hosttest.PollRecord {
	t.Helper()
	hist, err := runCores(port, players, polls)
	if err != nil {
		t.Fatal(err)
	}
	return hist
}

// runCores is playCores for any goroutine: it returns what went wrong.
func runCores(port int, players, polls int) ([][]hosttest.PollRecord, error) {
	ps := make([]uint8, players)
	for p := range ps {
		ps[p] = uint8(p)
	}
	return runCoresOn(port, ps, polls)
}

// sameGame fails unless every core consumed the same inputs, and the
// inputs are the players' keys.
func sameGame(t testing.TB, hist [][]hosttest.PollRecord) {
	t.Helper()
	for p := 1; p < len(hist); p++ {
		for n := range hist[0] {
			if hist[p][n] != hist[0][n] {
				t.Fatalf("poll %d: player 1's core consumed %+v, player %d's %+v", n, hist[0][n], p+1, hist[p][n])
			}
		}
	}
	last := len(hist[0]) - 1
	for p := range hist {
		if hist[0][last].Keys[p]>>24 != uint32(p+1) {
			t.Fatalf("the last poll holds %x: player %d's keys never arrived", hist[0][last].Keys, p+1)
		}
	}
}
