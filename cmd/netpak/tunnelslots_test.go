package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/hosttest"
)

// Players who join through the VPN and leave free their tunnel places at
// once: six players in a row each join straight away (the session has
// three free ports and one spare tunnel place), and a spectator joins while
// ports are free.
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
	saidQuit := func(name string) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(lines, name+" left (quit)")
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
		if err := p.Leave(); err != nil {
			t.Fatal(err)
		}
		hosttest.WaitFor(t, "the player gone, from the session and the tunnel", func() bool { return members() == 1 && len(alice.State().Peers) == 0 })
		// Its goodbye got through the tunnel: it quit, it did not time out.
		if name := fmt.Sprintf("p%d", i+2); !saidQuit(name) {
			mu.Lock()
			t.Fatalf("the host did not hear %s quit; it printed:\n%s", name, strings.Join(lines, "\n"))
		}
	}
	watcher := newSession("watcher", true)
	if err := watcher.Connect(ctx, hosted.Invite); err != nil {
		t.Fatalf("spectator: %v", err)
	}
	hosttest.WaitFor(t, "the spectator in the session", func() bool { return members() == 2 })
}
