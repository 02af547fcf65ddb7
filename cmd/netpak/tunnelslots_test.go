package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/hosttest"
)

// Players who join through the VPN and leave free their tunnel places: six
// players in a row each join straight away (the session has three free
// ports and one spare tunnel place), and a spectator joins while ports are
// free. Each leaves at once: its goodbye gets through the tunnel, and the
// host's hang-up comes back through it before its place goes (a /leave
// waited out the client's second for a hang-up the removed tunnel lost).
func TestTunnelPlacesFreedOnLeave(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	newSession := func(name string, spectator bool) *commands.Session {
		s := &commands.Session{Settings: commands.Defaults(), Tunnels: testTunnels(t), Logf: t.Logf}
		s.Settings.Name, s.Settings.VPNPort, s.Settings.Bind, s.Settings.Spectator = name, 0, "127.0.0.1", spectator
		t.Cleanup(func() { s.Leave() })
		return s
	}
	alice := newSession("Alice", false)
	var mu sync.Mutex
	var lines []string
	alice.Events = func(line string) { mu.Lock(); lines = append(lines, line); mu.Unlock() }
	// leftLine is the line Alice's console printed when name left; her
	// events are printed by their own goroutine, after the host dropped
	// the member.
	leftLine := func(name string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range lines {
			if strings.HasPrefix(l, name+" left") {
				return l, true
			}
		}
		return strings.Join(lines, "\n"), false
	}
	hosted, err := alice.Serve(ctx, commands.Server{VPN: true})
	if err != nil {
		t.Fatal(err)
	}
	members := func() int { return len(alice.State().Members) }
	for i := range 6 {
		p := newSession(fmt.Sprintf("p%d", i+2), false)
		t0 := time.Now()
		if err := p.Connect(ctx, hosted.Invite); err != nil {
			t.Fatalf("player %d of 6: %v", i+1, err)
		}
		t.Logf("player %d joined in %v", i+1, time.Since(t0).Round(time.Millisecond))
		hosttest.WaitFor(t, "the player in the session", func() bool { return members() == 2 })
		t0 = time.Now()
		if err := p.Leave(); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(t0); took >= time.Second {
			t.Errorf("player %d's /leave took %v: the host's hang-up never came", i+1, took.Round(time.Millisecond))
		}
		hosttest.WaitFor(t, "the player gone, from the session and the tunnel", func() bool { return members() == 1 && len(alice.State().Peers) == 0 })
		// Its goodbye got through the tunnel: it quit, it did not time out.
		name := fmt.Sprintf("p%d", i+2)
		if !hosttest.Eventually(func() bool { _, ok := leftLine(name); return ok }) {
			printed, _ := leftLine(name)
			t.Fatalf("the host never said %s left; it printed:\n%s", name, printed)
		}
		if line, _ := leftLine(name); line != name+" left (quit)" {
			t.Fatalf("the host printed %q, want %s left (quit)", line, name)
		}
	}
	watcher := newSession("watcher", true)
	if err := watcher.Connect(ctx, hosted.Invite); err != nil {
		t.Fatalf("spectator: %v", err)
	}
	hosttest.WaitFor(t, "the spectator in the session", func() bool { return members() == 2 })
}
