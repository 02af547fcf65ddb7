package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
)

// stopsWithin is how soon an emulator must exit once told to stop after
// its game ended: a frame and the process's exit, with room for a slow
// machine.
const stopsWithin = 3 * time.Second

// An emulator whose game is over for it stops at once when told to. A
// mupen64plus core that waits for an input cannot stop: after the host
// stopped the game, or kicked a player (as when a netpak loses the host),
// the emulator could wait for an input that never came until it gave up
// on the server 10 s later or the launcher killed it; a game started
// within those seconds got the old emulator's goodbye, and a netpak that
// lost the host began to rejoin only then. Two bridged cores play; at
// poll 300 the host stops the game or kicks the second player; each
// emulator whose game is over, told to stop, exits cleanly within a few
// seconds.
func TestOverGamesEmulatorsStop(t *testing.T) {
	for _, tc := range []struct {
		name  string
		end   func(g *game) error
		ended []int // the seats whose game is over
	}{
		{"the host stops the game", func(g *game) error { return g.owner.Stop() }, []int{0, 1}},
		{"a player is kicked", func(g *game) error { _, err := g.h.Kick(g.names[1]); return err }, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := playUntil(t, 300)
			if err := tc.end(g); err != nil {
				t.Fatal(err)
			}
			for _, i := range tc.ended {
				c := g.clients[i]
				hosttest.WaitFor(t, g.names[i]+"'s game over", func() bool { return c.GamesEnded() > 0 || c.Err() != nil })
			}
			var wg sync.WaitGroup
			for _, i := range tc.ended {
				wg.Go(func() { stopQuickly(t, g, i) })
			}
			wg.Wait()
		})
	}
}

// playUntil starts two bridged cores' game and returns once the spectator
// recorded poll at.
func playUntil(t *testing.T, at uint32) *game {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	g := startGame(t, gameSpec{polls: 100000, lag: 2, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}, bridged: true},
	}})
	reached := make(chan struct{})
	var once sync.Once
	g.recordAsync(ctx, func(p uint32) {
		if p == at {
			once.Do(func() { close(reached) })
		}
	})
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	select {
	case <-reached:
	case <-ctx.Done():
		t.Fatalf("the game never reached poll %d", at)
	}
	return g
}

// stopQuickly stops seat i's emulator and wants it gone, cleanly, within
// stopsWithin.
func stopQuickly(t *testing.T, g *game, i int) {
	asked := time.Now()
	err := g.procs[i].Stop()
	took := time.Since(asked)
	t.Logf("%s's emulator stopped %v after it was told: %v", g.names[i], took.Round(time.Millisecond), err)
	if err != nil || took > stopsWithin {
		t.Errorf("%s's emulator stopped after %v (%v), want at once and cleanly", g.names[i], took.Round(time.Millisecond), err)
	}
}
