package e2e

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/launcher/testrom"
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
//
// A spectator's core connected straight to the host (RMG's or simple64's
// spectator, in a room of direct cores) is pushed every new input once it
// comes within the push window of the live game, and a push must say how
// far it trails: a push that said "in time" kept its speed limiter on, and
// it played on at 60 frames a second that far behind.
func TestLateSpectatorCoreCatchesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		leaver int  // the seat that leaves before the spectator joins; -1: none
		direct bool // every core connects straight to the host
	}{
		{"every player plays", -1, false},
		{"after the last port's player left", 1, false},
		{"direct cores", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) { watchLate(t, tc.leaver, tc.direct) })
	}
}

func watchLate(t *testing.T, leaver int, direct bool) {
	const polls, leaveAt, joinAt, near = 600, 100, 200, 10
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	g := startGame(t, gameSpec{polls: polls, lag: 2, paced: true, seats: []seat{
		{ports: []int{1}, bridged: !direct},
		{ports: []int{2}, bridged: !direct},
		{bridged: !direct, late: true},
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
		live, watched := g.h.Stats().Poll, g.playedPoll(ctx, i)
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

// playedPoll is the poll seat i's emulator has reached: its bridge's, or
// for a direct core the ROM's count of its polls.
func (g *game) playedPoll(ctx context.Context, i int) uint32 {
	g.t.Helper()
	if c := g.clients[i]; c != nil {
		return c.Status().Poll
	}
	w, err := g.procs[i].ReadWords(ctx, []uint32{testrom.AddrCounter})
	if err != nil {
		g.t.Fatalf("read %s's poll: %v", g.names[i], err)
	}
	return w[0]
}
