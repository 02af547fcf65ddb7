package lobby_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

// logLines collects a server's log for a test to search.
type logLines struct {
	t  testing.TB
	mu sync.Mutex
	ls []string
}

func (l *logLines) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.t.Log(line)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ls = append(l.ls, line)
}

func (l *logLines) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.ls {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestOperatorKickAndBan(t *testing.T) {
	srv, url := startServer(t, lobby.Config{})
	alice := dial(t, url, "alice")
	port := createRoom(t, alice, "Ops", "")
	bob := attacker(t, url, attackerIP)
	bob.name = "bob"
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, ""))
	rooms := srv.Rooms()
	if len(rooms) != 1 || rooms[0].Port != port || rooms[0].Players != [4]string{"alice", "bob"} {
		t.Fatalf("rooms %+v", rooms)
	}

	if err := srv.Kick(port, "nobody"); !errors.Is(err, lobby.ErrNoPlayer) {
		t.Errorf("kick nobody: %v", err)
	}
	if err := srv.Kick(port+1, "bob"); !errors.Is(err, lobby.ErrNoRoom) {
		t.Errorf("kick from no room: %v", err)
	}
	if err := srv.Kick(port, "BOB"); err != nil {
		t.Fatal(err)
	}
	if err := bob.waitClosed(); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("bob's socket closed with %v", err)
	}
	hosttest.WaitFor(t, "bob to leave the room", func() bool { return srv.Rooms()[0].Players == [4]string{"alice"} })

	eve := attacker(t, url, attackerIP)
	mustAccept(t, eve.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(eve, port, ""))
	if err := srv.Ban(netip.MustParseAddr(attackerIP)); err != nil {
		t.Fatal(err)
	}
	eve.waitClosed()
	if _, err := dialFrom(t, url, "eve", attackerIP); err == nil {
		t.Fatal("a banned address connected")
	}
	if got := srv.Rooms()[0].Players; got != [4]string{"alice"} {
		t.Fatalf("players after the ban: %q", got)
	}
	srv.Unban(netip.MustParseAddr(attackerIP))
	if _, err := dialFrom(t, url, "eve", attackerIP); err != nil {
		t.Fatalf("after the unban: %v", err)
	}
	// The banned address's neighbours are not banned.
	if _, err := dialFrom(t, url, "guest", swarmIP); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// A playing room whose core stops polling is logged as stalled.
func TestStatusLogsStall(t *testing.T) {
	logs := &logLines{t: t}
	_, url := startServer(t, lobby.Config{StatusEvery: 50 * time.Millisecond, Logf: logs.logf})
	alice := dial(t, url, "alice")
	port := createRoom(t, alice, "Stall", "")
	mustAccept(t, alice.do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	c, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{
		Host: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Players: []uint8{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, _, _, err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, err := c.Poll(ctx, map[int]uint32{0: coreKeys(0, i)}); err != nil {
			t.Fatal(err)
		}
	}
	hosttest.WaitFor(t, "a status line with inputs", func() bool { return logs.has("inputs relayed in") })
	hosttest.WaitFor(t, "a stall in the log", func() bool { return logs.has("STALLED") })
}
