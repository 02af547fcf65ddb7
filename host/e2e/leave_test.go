package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// toldWithin is how soon the others must hear that a player vanished,
// once its connection closed.
const toldWithin = 3 * time.Second

// TestKilledPlayer makes a player vanish mid-game, the way a crash or a
// power cut would: a direct core's emulator process is killed, or a
// bridged player's netpak loses its sockets without a goodbye while its
// emulator is killed. The host must tell everyone within 3 s, and the
// other emulators must continue with the departed port reading as no
// input, and finish with the hash of what the spectator recorded.
func TestKilledPlayer(t *testing.T) {
	tests := []struct {
		name   string
		victim int // seat
	}{
		{"direct core killed", 1},
		{"bridged player vanishes", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { playAndKill(t, tt.victim) })
	}
}

func playAndKill(t *testing.T, victim int) {
	const polls, killAt, lag = 900, 300, 8
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: lag, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}},
		{ports: []int{3}, bridged: true},
	}})
	port := g.spec.seats[victim].ports[0] - 1
	var (
		mu     sync.Mutex
		killed time.Time
	)
	recorded := g.recordAsync(ctx, func(p uint32) {
		if p != killAt {
			return
		}
		mu.Lock()
		killed = time.Now()
		mu.Unlock()
		g.vanish(victim)
	})
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	left, err := g.events.wait(ctx, func(e session.Event) bool { return e.Kind == session.EventLeft })
	if err != nil {
		t.Fatal("the host never said the vanished player left")
	}
	mu.Lock()
	told := left.At.Sub(killed)
	mu.Unlock()
	t.Logf("%s vanished at poll %d; %v later the host said %q", g.names[victim], killAt, told.Round(time.Microsecond), left.String())
	if left.Who != g.names[victim] || left.Ports != 1<<port {
		t.Fatalf("left event %+v, want %s on port %d", left.Event, g.names[victim], port+1)
	}
	within := toldWithin
	if left.Reason == session.LeaveTimeout {
		// The killed process's hang-up never reached the host (a CI
		// machine too busy to tear the process down in 3 s): the silence
		// told it, after the drop timeout and the host's next look.
		within = session.DefaultDropTimeout + time.Second
	}
	if told > within {
		t.Errorf("the others were told after %v, want within %v", told, within)
	}
	var words [][]uint32
	var names []string
	for i := range g.procs {
		if i != victim {
			words = append(words, g.waitDone(ctx, i))
			names = append(names, g.names[i])
		}
	}
	t.Logf("the others finished %d polls %v after the kill", polls-killAt, time.Since(killed).Round(time.Millisecond))
	r := <-recorded
	if r.err != nil {
		t.Fatal(r.err)
	}
	gone := noneLeft()
	gone[port] = left.Poll
	requireStreams(t, r.in, predictStreams(polls, g.active, scriptKeys, []lagChange{{lag: lag}}, gone))
	g.checkCores(words, names, r.in)
	for i, path := range g.logs {
		if i != victim && !waitLog(ctx, path, fmt.Sprintf("player %d has disconnected", port+1)) {
			t.Errorf("core %d (%s) never logged that player %d left", i, g.names[i], port+1)
		}
	}
}

// vanish makes seat i's player disappear at once: its netpak (if it has
// one) loses its sockets without a goodbye and its emulator is killed.
func (g *game) vanish(i int) {
	if s := g.severs[i]; s != nil {
		s.sever()
	}
	if err := g.procs[i].Kill(); err != nil {
		g.t.Errorf("kill: %v", err)
	}
}
