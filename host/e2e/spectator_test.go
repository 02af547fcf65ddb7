package e2e

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
)

// A spectator's emulator that joins a running game starts at power-on: it
// replays the game from poll 0, unthrottled while it is behind, catches up
// with the live game while the players play on at 60 frames a second, and
// ends with their RDRAM hash.
//
// Its netpak client plays nothing, so only its acks tell the host what to
// send next: without them the host resent what the client held, and the
// emulator trailed the game by hundreds of polls to the end. And a core
// takes its speed limiter from the last port it reads: when that port's
// player had left, its stopped stream said the core was in time, and the
// emulator crawled at 60 frames a second behind the game for good.
func TestLateSpectatorCoreCatchesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		leaver int // the seat that leaves before the spectator joins; -1: none
	}{
		{"every player plays", -1},
		{"after the last port's player left", 1},
	} {
		t.Run(tc.name, func(t *testing.T) { watchLate(t, tc.leaver) })
	}
}

func watchLate(t *testing.T, leaver int) {
	const polls, leaveAt, joinAt, near = 600, 100, 200, 10
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: 2, paced: true, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}, bridged: true},
		{bridged: true, late: true},
	}})
	const watcher = 2
	for i := range watcher {
		g.waitRunning(ctx, i)
	}
	if leaver >= 0 {
		hosttest.WaitFor(t, "the game at the leave", func() bool { return g.h.Stats().Poll >= leaveAt })
		g.vanish(leaver)
		if _, err := g.events.wait(ctx, isKind(session.EventLeft)); err != nil {
			t.Fatal("the host never said the player left")
		}
	}
	hosttest.WaitFor(t, "the game at the join", func() bool { return g.h.Stats().Poll >= joinAt })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	g.startSeat(exe, watcher)
	g.waitRunning(ctx, watcher)
	waitCaughtUp(ctx, t, g, watcher, polls, near)
	want := g.waitDone(ctx, 0)
	for i := 1; i <= watcher; i++ {
		if i == leaver {
			continue
		}
		if got := g.waitDone(ctx, i); !slices.Equal(got, want) {
			t.Errorf("core %d (%s) ended with %x, core 0 with %x", i, g.names[i], got, want)
		}
	}
}

// waitCaughtUp waits until seat i's emulator plays within near polls of
// the live game, and fails if the game nears its end of polls first.
func waitCaughtUp(ctx context.Context, t *testing.T, g *game, i, polls int, near uint32) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		live, watched := g.h.Stats().Poll, g.clients[i].Status().Poll
		if watched+near >= live {
			t.Logf("%s's emulator caught up at poll %d (the game at %d)", g.names[i], watched, live)
			return
		}
		if live+60 >= uint32(polls) {
			t.Fatalf("the game neared its end (poll %d) with %s's emulator at poll %d", live, g.names[i], watched)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
}
