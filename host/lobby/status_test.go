package lobby_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	npclient "github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// The status page shows every room: a running game's players with what
// each needs, a waiting room's seats, and of a room with a password no
// players; never an address, and names escaped. A
// source that asks too often is refused and hurts nobody: the game plays
// on identical, and another source still gets the page.
func TestStatusPage(t *testing.T) {
	_, url := startServer(t, lobby.Config{Name: "friday", Lag: 2})
	base := "http://" + strings.TrimPrefix(url, "ws://")
	// Each look comes from a source of its own: each source may ask only
	// so often.
	const waiterIP, readerIP = "127.0.0.5", "127.0.0.6"
	requireSources(t, base, waiterIP, readerIP, attackerIP)
	alice, bob, carol := dial(t, url, "alice"), dial(t, url, "bob"), dial(t, url, "carol")
	port := createRoom(t, alice, "Open <b>room</b>", "")
	mustAccept(t, bob.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
	mustAccept(t, join(bob, port, ""))
	createRoom(t, carol, "Secret", "pw")
	alice.send(lobbymsg.Request{Type: lobbymsg.TypeBeginGame, Room: &lobbymsg.Room{Port: port}})
	for _, c := range []*client{alice, bob} {
		mustAccept(t, c.expect("reply_begin_game"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	defer cancel()
	g, err := hosttest.StartCores(ctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), []uint8{0, 1}, 300, coreKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	watcher, err := npclient.Dial(context.Background(), fmt.Sprintf("127.0.0.1:%d", port), npclient.Config{Name: "watcher", Spectator: true})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()

	var open, secret lobby.RoomStatus
	hosttest.WaitFor(t, "the running room's players on the status page", func() bool {
		var st lobby.Status
		if code := getStatus(t, base+lobby.StatusJSONPath, waiterIP, &st); code != http.StatusOK || len(st.Rooms) != 2 || st.Name != "friday" {
			return false
		}
		open, secret = st.Rooms[0], st.Rooms[1]
		if open.Name != "Open <b>room</b>" {
			open, secret = secret, open
		}
		return open.LagStat != nil && len(open.LagStat.Players) == 2 && open.Watching == 1
	})
	if !open.Running || open.Lag != 2 || open.Game == "" || len(open.Players) != 4 || open.Players[0] != "alice" || open.Players[1] != "bob" {
		t.Errorf("the open room: %+v", open)
	}
	for i, p := range open.LagStat.Players {
		if want := []string{"alice", "bob"}[i]; p.Name != want || !p.Core || p.Ping != "-" || p.Ports != fmt.Sprint(i+1) {
			t.Errorf("player %d: %+v, want %s's direct core on port %d", i+1, p, want, i+1)
		}
	}
	if !secret.Protected || secret.Running || secret.Seats != 1 || secret.Players != nil || secret.LagStat != nil {
		t.Errorf("the room with a password shows %+v; want no players", secret)
	}

	page := getPage(t, base+lobby.StatusPath, readerIP)
	for _, want := range []string{"<h1>friday</h1>", "Open &lt;b&gt;room&lt;/b&gt;", "<td>alice</td>", "1 watching", "password protected"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<b>room") || strings.Contains(page, "127.0.0.1") || strings.Contains(page, "carol") {
		t.Errorf("the page shows a raw name, an address or a protected room's player:\n%s", page)
	}

	refused := 0
	for range 100 {
		if getStatus(t, base+lobby.StatusJSONPath, attackerIP, nil) == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused < 80 {
		t.Errorf("%d of 100 status requests at once were refused, want all beyond the burst", refused)
	}
	if code := getStatus(t, base+lobby.StatusJSONPath, honestIP, nil); code != http.StatusOK {
		t.Errorf("another source got %d during the flood", code)
	}
	hist, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	sameGame(t, hist)
}

// requireSources skips the test unless the server at base can be reached
// from each of the loopback addresses ips.
func requireSources(t *testing.T, base string, ips ...string) {
	t.Helper()
	for _, ip := range ips {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitLimit}
		c, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Skipf("cannot connect from %s (no 127.0.0.0/8 loopback here?): %v", ip, err)
		}
		c.Close()
	}
}

// getStatus gets url from the address from ("" is any) and decodes its
// JSON into v, if v is not nil; it returns the status code.
func getStatus(t *testing.T, url, from string, v any) int {
	t.Helper()
	resp, err := clientFrom(from).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// getPage gets the HTML page at url.
func getPage(t *testing.T, url, from string) string {
	t.Helper()
	resp, err := clientFrom(from).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%s: %v %v %q", url, resp.Status, err, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// clientFrom is an HTTP client that connects from the address from ("" is
// any), without keeping connections.
func clientFrom(from string) *http.Client {
	d := net.Dialer{Timeout: waitLimit}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return &http.Client{Timeout: waitLimit, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// An operator may turn the status page off.
func TestStatusPageOff(t *testing.T) {
	_, url := startServer(t, lobby.Config{NoStatusPage: true})
	base := "http://" + strings.TrimPrefix(url, "ws://")
	for _, path := range []string{lobby.StatusPath, lobby.StatusJSONPath} {
		if code := getStatus(t, base+path, "", nil); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}

// However many ask, the page looks at the rooms at most once a second and
// serves that look meanwhile: a room created within the second shows in
// the next look.
func TestStatusPageLooksOncePerSecond(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, url := startServer(t, lobby.Config{Now: clock})
	base := "http://" + strings.TrimPrefix(url, "ws://")
	rooms := func() int {
		var st lobby.Status
		if code := getStatus(t, base+lobby.StatusJSONPath, "", &st); code != http.StatusOK {
			t.Fatalf("status: %d", code)
		}
		return len(st.Rooms)
	}
	if n := rooms(); n != 0 {
		t.Fatalf("%d rooms before any was created", n)
	}
	createRoom(t, dial(t, url, "alice"), "Friday", "")
	if n := rooms(); n != 0 {
		t.Errorf("a look within the second shows %d rooms, want the first look's 0", n)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if n := rooms(); n != 1 {
		t.Errorf("a look a second later shows %d rooms, want 1", n)
	}
}
