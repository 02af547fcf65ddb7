package commands

import (
	"context"
	"errors"
	"testing"

	"github.com/netpak/netpak/host/hosttest"
)

// TestSessionSpectate turns a joined player into a spectator of the same
// session over loopback, and checks the host refuses to.
func TestSessionSpectate(t *testing.T) {
	ctx := context.Background()
	alice, aliceEv := newTestSession(t, "Alice")
	bob, _ := newTestSession(t, "Bob")
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.Spectate(ctx, "unused"); !errors.Is(err, errHostSpectate) {
		t.Errorf("the host spectated its own session: %v", err)
	}
	addr := loopbackFor("127.0.0.1", hosted.Port)
	if err := bob.Spectate(ctx, addr); !errors.Is(err, errOffline) {
		t.Errorf("spectated outside a session: %v", err)
	}
	if err := bob.Connect(ctx, addr); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Bob joined on port 2")
	if err := bob.Spectate(ctx, addr); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Bob left (to watch as a spectator)")
	aliceEv.wait(t, "Bob joined as a spectator")
	if st := bob.State(); st.Phase != Lobby || !selfSpectates(st) {
		t.Errorf("after /spectate bob is %+v", st)
	}
	if bob.Settings.Spectator {
		t.Error("/spectate changed the settings for the next /connect")
	}
}

// A player who turns spectator in a running game is announced as such,
// and its port reads empty; it stays Bob's, so /leave and /connect make
// Bob a player on it again.
func TestSpectateInAGameKeepsThePort(t *testing.T) {
	ctx := context.Background()
	alice, aliceEv := newTestSession(t, "Alice")
	bob, _ := newTestSession(t, "Bob")
	addr := serveAndJoin(t, alice, bob)
	aliceEv.wait(t, "Bob joined on port 2")
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "bob playing", func() bool { return bob.State().Phase == Playing && bob.State().Poll > 10 })
	if err := bob.Spectate(ctx, addr); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Bob left (to watch as a spectator); port 2 reads empty from poll")
	aliceEv.wait(t, "Bob joined as a spectator")
	bob.Leave()
	if err := bob.Connect(ctx, addr); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Bob rejoined on port 2")
}
