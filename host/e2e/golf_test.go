package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// golfPresses are the counts at which each port (0-based) presses the golf
// button in TestRealCoresGolf: the direct core first, then the bridged one.
var golfPresses = map[int]uint32{1: 300, 0: 700}

// golfKeys is scriptKeys with the golf button pressed only at golfPresses.
func golfKeys(port int, count uint32) uint32 {
	k := scriptKeys(port, count) &^ session.DefaultGolfMask
	if c, ok := golfPresses[port]; ok && c == count {
		k |= session.DefaultGolfMask
	}
	return k
}

// TestRealCoresGolf plays golf with two real cores, one behind a netpak
// client's bridge and one direct on the session port: each takes the golf
// seat with its own press, and from the seat's poll on the core consumes
// its port's press of the same count, true zero delay, while the other
// keeps the session lag. Every core ends with the hash of the recorded
// streams, which must be the scripted presses under the seat changes.
func TestRealCoresGolf(t *testing.T) {
	const lag = 6
	spec := gameSpec{polls: 1200, lag: lag, golf: true, keys: golfKeys, seats: []seat{
		{ports: []int{1}, bridged: true},
		{ports: []int{2}},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	g := startGame(t, spec)
	type recording struct {
		in  [][session.NumPorts]session.Input
		err error
	}
	recorded := make(chan recording, 1)
	go func() {
		in, err := g.record(ctx, nil)
		recorded <- recording{in, err}
	}()
	words := make([][]uint32, len(g.procs))
	for i := range g.procs {
		words[i] = g.waitDone(ctx, i)
	}
	r := <-recorded
	if r.err != nil {
		t.Fatal(r.err)
	}
	seats := g.events.all(session.EventGolfSeat)
	if len(seats) != 2 || seats[0].Who != g.names[1] || seats[1].Who != g.names[0] {
		t.Fatalf("golf seat events %v, want %s's, then %s's", seats, g.names[1], g.names[0])
	}
	first, second := seats[0].Poll, seats[1].Poll
	if first <= golfPresses[1] || second <= golfPresses[0] || int(second)+lag >= spec.polls {
		t.Fatalf("seat from polls %d and %d, want after the presses at %d and %d, inside the game", first, second, golfPresses[1], golfPresses[0])
	}
	lags := []lagChange{{lag: lag}, {from: first, lag: lag, golfer: 1 << 1}, {from: second, lag: lag, golfer: 1 << 0}}
	requireStreams(t, r.in, predictStreams(spec.polls, g.active, golfKeys, lags, noneLeft()))
	g.checkCores(words, g.names, r.in)
	if ds := g.events.all(session.EventDesync); len(ds) > 0 {
		t.Errorf("the host reported desyncs: %v", ds[0].Event)
	}
	t.Logf("%v; %v", seats[0].Event, seats[1].Event)
}
