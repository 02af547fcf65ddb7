package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
)

// Deadlines of the departure test: the others must be told within
// toldWithin; the survivors must finish well within the test's deadline.
const toldWithin = 3 * time.Second

// TestKilledPlayer kills a player's emulator process mid-game, the way a
// crash or a power cut would. The host must tell everyone within 3 s,
// and the other emulators must continue with the departed port reading
// as no input, and finish with the hash of what the spectator recorded.
func TestKilledPlayer(t *testing.T) {
	const polls, killAt = 2000, 600
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: 8, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}},
		{ports: []int{3}, bridged: true},
	}})
	const victim = 1
	var (
		mu     sync.Mutex
		killed time.Time
	)
	type recording struct {
		in  [][host.NumPorts]host.Input
		err error
	}
	recorded := make(chan recording, 1)
	go func() {
		in, err := g.record(ctx, func(p uint32) {
			if p != killAt {
				return
			}
			mu.Lock()
			killed = time.Now()
			mu.Unlock()
			if err := g.procs[victim].Kill(); err != nil {
				t.Errorf("kill: %v", err)
			}
		})
		recorded <- recording{in, err}
	}()
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	left, err := g.events.wait(ctx, func(e host.Event) bool { return e.Kind == host.EventLeft })
	if err != nil {
		t.Fatal("the host never said the killed player left")
	}
	mu.Lock()
	told := left.At.Sub(killed)
	mu.Unlock()
	t.Logf("killed %s at poll %d; the host said %q %v later", g.names[victim], killAt, left.String(), told.Round(time.Microsecond))
	if left.Who != g.names[victim] || left.Ports != 1<<1 {
		t.Fatalf("left event %+v, want %s on port 2", left.Event, g.names[victim])
	}
	if told > toldWithin {
		t.Errorf("the others were told after %v, want within %v", told, toldWithin)
	}
	words := make([][]uint32, 0, 2)
	names := make([]string, 0, 2)
	for i := range g.procs {
		if i != victim {
			words = append(words, g.waitDone(ctx, i))
			names = append(names, g.names[i])
		}
	}
	t.Logf("the others finished %v after the kill", time.Since(killed).Round(time.Millisecond))
	r := <-recorded
	if r.err != nil {
		t.Fatal(r.err)
	}
	gone := noneLeft()
	gone[1] = left.Poll
	requireStreams(t, r.in, predictStreams(polls, g.active, []lagChange{{0, 8}}, gone))
	g.checkCores(words, names, r.in)
	for i, path := range g.logs {
		if i != victim && !waitLog(ctx, path, fmt.Sprintf("player %d has disconnected", 2)) {
			t.Errorf("core %d (%s) never logged that player 2 left", i, g.names[i])
		}
	}
}
