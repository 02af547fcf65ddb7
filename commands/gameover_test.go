package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
)

// count waits until sub is in n lines and returns how many are.
func (l *lines) count(t *testing.T, sub string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		got := 0
		for _, s := range l.got {
			if strings.Contains(s, sub) {
				got++
			}
		}
		all := strings.Join(l.got, "\n")
		l.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d lines with %q, want %d; lines:\n%s", got, sub, n, all)
		}
		select {
		case <-l.added:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Three consoles play two games in a row in one session: /stop ends the
// first for everyone, the prompt says lobby again, and /start plays the
// next from poll 0 without anyone reconnecting.
func TestTwoGamesInOneSession(t *testing.T) {
	ctx := context.Background()
	alice, aliceEv := newTestSession(t, "Alice")
	bob, bobEv := newTestSession(t, "Bob")
	carol, carolEv := newTestSession(t, "Carol")
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Session{bob, carol} {
		if err := s.Connect(ctx, loopbackFor("127.0.0.1", hosted.Port)); err != nil {
			t.Fatal(err)
		}
	}
	aliceEv.wait(t, "Carol joined")
	if err := bob.Stop(); err == nil || !strings.Contains(err.Error(), "only the host") {
		t.Errorf("bob's /stop: %v", err)
	}
	for game := 1; game <= 2; game++ {
		if err := alice.Start(); err != nil {
			t.Fatalf("game %d: %v", game, err)
		}
		for _, ev := range []*lines{aliceEv, bobEv, carolEv} {
			ev.count(t, "the game started at poll 0", game)
		}
		hosttest.WaitFor(t, "carol playing", func() bool { return carol.State().Poll > 30 })
		if err := alice.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, ev := range []*lines{aliceEv, bobEv, carolEv} {
			ev.count(t, "Alice stopped the game; back in the lobby", game)
		}
		for _, s := range []*Session{alice, bob, carol} {
			hosttest.WaitFor(t, "back in the lobby", func() bool { return s.State().Phase == Lobby })
			if st := s.State(); len(st.Members) != 3 {
				t.Errorf("%s after game %d: %d members", st.Name, game, len(st.Members))
			}
		}
	}
	for _, ev := range []*lines{aliceEv, bobEv, carolEv} {
		for _, bad := range []string{"the game stopped", "left the session", "lost the host"} {
			ev.mu.Lock()
			for _, s := range ev.got {
				if strings.Contains(s, bad) {
					t.Errorf("unexpected line %q", s)
				}
			}
			ev.mu.Unlock()
		}
	}
}
