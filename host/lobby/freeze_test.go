package lobby_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host/lobby"
)

// pipeListener serves in-memory connections: net.Pipe has no buffer, so
// a peer that stops reading blocks the server's next write at once, as a
// frozen machine does once the kernel's buffers are full.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// dial returns the client end of a new in-memory connection.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A player whose machine stops reading is dropped after WriteTimeout; the
// others get every reply at once, as derp's TestSendFreeze checks.
func TestFrozenSocketHurtsOnlyItself(t *testing.T) {
	srv, err := lobby.New(lobby.Config{WriteTimeout: 100 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ln := newPipeListener()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	opts := &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: ln.dial}}}
	connect := func(name string, read bool) *client {
		c, err := dialWith("ws://lobby", opts)
		if err != nil {
			t.Fatal(err)
		}
		return newClient(t, c, name, read)
	}
	alice, carol := connect("alice", true), connect("carol", true)
	port := createRoom(t, alice, "Freeze", "")
	mustAccept(t, carol.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(carol, port, ""))
	bob := connect("bob", false) // reads the replies joining takes, then never again
	bob.send(lobbymsg.Request{Type: lobbymsg.TypeGetRooms})
	readOne(t, bob.c)
	bob.send(lobbymsg.Request{Type: lobbymsg.TypeJoinRoom, Room: &lobbymsg.Room{Port: port, MD5: testROM}})
	readOne(t, bob.c)

	start := time.Now()
	const chats = 10
	for range chats {
		alice.send(lobbymsg.Request{Type: lobbymsg.TypeChat, Message: "still here?"})
	}
	for range chats {
		if m := carol.expect("reply_chat_message"); m.Message != "alice: still here?" {
			t.Fatalf("carol got %q", m.Message)
		}
	}
	waitPlayers(t, carol, [4]string{"alice", "carol"})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("carol waited %v", d)
	}
	if st := srv.Stats(); st.SlowSockets != 0 {
		t.Logf("bob's queue filled before his write timed out: %+v", st)
	}
}

func readOne(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
}
