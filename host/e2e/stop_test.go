package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// stopsWithin is how soon an emulator must exit once told to stop after
// its game ended: a frame and the process's exit, with room for a slow
// machine.
const stopsWithin = 3 * time.Second

// A game the host stops ends every player's emulator at once. A
// mupen64plus core that waits for an input cannot stop, and after the
// game ended each waited for an input that never came, until it gave up
// on the server 10 s later or the launcher killed it; a game started
// within those seconds got the old emulator's goodbye. Two bridged cores
// play; the host stops the game at poll 300; each emulator, told to stop,
// exits cleanly within a few seconds.
func TestStoppedGameEndsItsEmulators(t *testing.T) {
	const polls, stopAt = 100000, 300
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: 2, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}, bridged: true},
	}})
	reached := make(chan struct{})
	var once sync.Once
	g.recordAsync(ctx, func(p uint32) {
		if p == stopAt {
			once.Do(func() { close(reached) })
		}
	})
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	select {
	case <-reached:
	case <-ctx.Done():
		t.Fatalf("the game never reached poll %d", stopAt)
	}
	if err := g.owner.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.events.wait(ctx, func(e session.Event) bool { return e.Kind == session.EventEnded }); err != nil {
		t.Fatal("the game never ended")
	}
	var wg sync.WaitGroup
	for i, p := range g.procs {
		wg.Go(func() {
			asked := time.Now()
			err := p.Stop()
			took := time.Since(asked)
			t.Logf("%s's emulator stopped %v after it was told: %v", g.names[i], took.Round(time.Millisecond), err)
			if err != nil || took > stopsWithin {
				t.Errorf("%s's emulator stopped after %v (%v), want at once and cleanly", g.names[i], took.Round(time.Millisecond), err)
			}
		})
	}
	wg.Wait()
}
