package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// TestRejoinedCoreReplays kills a bridged player mid-game (its netpak loses
// its sockets without a goodbye, its emulator is killed) and brings it back
// as a player would after starting netpak again: a new client with the same
// name and a new emulator. The host gives the port back; the new emulator
// replays the game from its first frame on the recorded inputs, running
// unthrottled while it is behind, takes its port back near the live game,
// and ends with the RDRAM hash of the others and of the recording.
func TestRejoinedCoreReplays(t *testing.T) {
	const polls, killAt, lag, victim = 2000, 600, 8, 2
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: lag, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}},
		{ports: []int{3}, bridged: true},
	}})
	vanished := make(chan struct{})
	recorded := g.recordAsync(ctx, func(p uint32) {
		if p == killAt {
			g.vanish(victim)
			close(vanished)
		}
	})
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	if _, err := g.events.wait(ctx, isKind(session.EventLeft)); err != nil {
		t.Fatal("the host never said the vanished player left")
	}
	<-vanished // the seat is the test's again
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	g.startSeat(exe, victim)
	g.waitRunning(ctx, victim)
	back, err := g.events.wait(ctx, func(e session.Event) bool {
		return e.Kind == session.EventNotice && strings.Contains(e.Text, g.names[victim]+" caught up")
	})
	if err != nil {
		t.Fatalf("%s never caught up", g.names[victim])
	}
	t.Logf("%s: %s", g.names[victim], back.Text)
	var words [][]uint32
	for i := range g.procs {
		words = append(words, g.waitDone(ctx, i))
	}
	r := <-recorded
	if r.err != nil {
		t.Fatal(r.err)
	}
	g.checkCores(words, g.names, r.in)
}
