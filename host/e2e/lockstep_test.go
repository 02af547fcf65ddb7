package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// TestRealCoresLockstep plays the test ROM with 2, then 4 real cores, some
// behind netpak clients' bridges and some directly on the session port,
// with scripted inputs on every port, a non-zero lag and one lag change
// mid-game. Every core must end with the hash of the streams a spectator
// recorded, and the streams must be exactly the scripted presses under
// the lag schedule.
func TestRealCoresLockstep(t *testing.T) {
	tests := []struct {
		name   string
		spec   gameSpec
		newLag uint8
	}{
		{"2 players, lag 8 then 14", gameSpec{polls: 1200, lag: 8, seats: []seat{
			{ports: []int{1}, bridged: true},
			{ports: []int{2}},
		}}, 14},
		{"4 players, lag 16 then 10", gameSpec{polls: 1200, lag: 16, seats: []seat{
			{ports: []int{1}},
			{ports: []int{2}, bridged: true},
			{ports: []int{3}, bridged: true},
			{ports: []int{4}},
		}}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			playLockstep(t, tt.spec, tt.newLag)
		})
	}
}

func playLockstep(t *testing.T, spec gameSpec, newLag uint8) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	g := startGame(t, spec)
	changeAt := uint32(spec.polls / 3)
	recorded := g.recordAsync(ctx, func(p uint32) {
		if p == changeAt && g.owner != nil {
			if err := g.owner.SetLag(newLag); err != nil {
				t.Errorf("set lag: %v", err)
			}
		}
	})
	words := g.waitAllDone(ctx)
	started, _, _ := g.events.find(isKind(session.EventStarted))
	elapsed := time.Since(started.At)
	t.Logf("%d cores, %d polls in %v after the start (%.0f polls/s)", len(g.procs), spec.polls, elapsed.Round(time.Millisecond), float64(spec.polls)/elapsed.Seconds())
	r := <-recorded
	if r.err != nil {
		t.Fatal(r.err)
	}
	lagEv, ok, _ := g.events.find(isKind(session.EventLag))
	if !ok {
		t.Fatal("the host announced no lag change")
	}
	if lagEv.Lag != newLag || lagEv.Poll <= changeAt || int(lagEv.Poll) >= spec.polls-int(newLag) {
		t.Fatalf("lag change %+v, want lag %d from a poll after %d inside the game", lagEv.Event, newLag, changeAt)
	}
	t.Logf("lag %d from poll %d (asked at poll %d)", lagEv.Lag, lagEv.Poll, changeAt)
	lags := []lagChange{{lag: spec.lag}, {from: lagEv.Poll, lag: lagEv.Lag}}
	requireStreams(t, r.in, predictStreams(spec.polls, g.active, scriptKeys, lags, noneLeft()))
	g.checkCores(words, g.names, r.in)
	if ds := g.events.all(session.EventDesync); len(ds) > 0 {
		t.Errorf("the host reported desyncs: %v", ds[0].Event)
	}
}

// requireStreams compares the recorded streams with the model's.
func requireStreams(t *testing.T, rec [][session.NumPorts]session.Input, want [][session.NumPorts]uint32) {
	t.Helper()
	for n := range want {
		for k := range session.NumPorts {
			if got := rec[n][k].Keys; got != want[n][k] {
				t.Fatalf("poll %d port %d: recorded keys %#x, want %#x", n, k+1, got, want[n][k])
			}
		}
	}
}
