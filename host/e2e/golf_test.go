package e2e

import (
	"context"
	"fmt"
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
// seat with its own press, and from the seat's poll on the bridged core
// consumes its port's press of the same count, true zero delay, and the
// direct one its press under the lag its reports say its round trip to
// the host allows (the cores run unthrottled here, so that lag says
// little: BenchmarkCoreGolf measures it through the lab), while the other
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
	words, in := g.playRecorded(ctx, nil)
	seats := g.events.all(session.EventGolfSeat)
	if len(seats) != 2 || seats[0].Who != g.names[1] || seats[1].Who != g.names[0] {
		t.Fatalf("golf seat events %v, want %s's, then %s's", seats, g.names[1], g.names[0])
	}
	first, second := seats[0].Poll, seats[1].Poll
	if first <= golfPresses[1] || second <= golfPresses[0] || int(second)+lag >= spec.polls {
		t.Fatalf("seat from polls %d and %d, want after the presses at %d and %d, inside the game", first, second, golfPresses[1], golfPresses[0])
	}
	if seats[1].Lag != 0 {
		t.Fatalf("the bridged core's seat plays lag %d, want 0", seats[1].Lag)
	}
	lags := []lagChange{{lag: lag}, {from: first, lag: lag, golfer: 1 << 1, seatLag: seats[0].Lag}, {from: second, lag: lag, golfer: 1 << 0}}
	requireStreams(t, in, predictStreams(spec.polls, g.active, golfKeys, lags, noneLeft()))
	g.checkCores(words, g.names, in)
	if ds := g.events.all(session.EventDesync); len(ds) > 0 {
		t.Errorf("the host reported desyncs: %v", ds[0].Event)
	}
	t.Logf("%v; %v", seats[0].Event, seats[1].Event)
}

// BenchmarkCoreGolf plays golf with two real cores, each behind its own
// link of the latency lab (d ± 5 ms from core to core), bridged through
// netpak clients or direct on the session port: core-p1 takes the golf
// seat at count seatPress and keeps it, at the session lag that covers
// its inputs' way out and the others' way back (lockstep.GolfLag's rule).
// It reports the lag the seat plays and the slowest core's pace over 15 s
// from 8 s in:
//
//	go test -run '^$' -bench CoreGolf -benchtime 1x ./host/e2e
func BenchmarkCoreGolf(b *testing.B) {
	const seatPress = 120
	keys := func(port int, count uint32) uint32 {
		k := scriptKeys(port, count) &^ session.DefaultGolfMask
		if port == 0 && count == seatPress {
			k |= session.DefaultGolfMask
		}
		return k
	}
	for _, mode := range []string{"bridged", "direct"} {
		for _, c := range []struct {
			d   time.Duration
			lag uint8
		}{{10 * time.Millisecond, 1}, {40 * time.Millisecond, 4}, {80 * time.Millisecond, 9}} {
			b.Run(fmt.Sprintf("%s/d=%v", mode, c.d), func(b *testing.B) {
				links := labLinks(2, c.d, 5*time.Millisecond)
				bridged := mode == "bridged"
				seats := []seat{{ports: []int{1}, link: links[0], bridged: bridged}, {ports: []int{2}, link: links[1], bridged: bridged}}
				g := startGame(b, gameSpec{polls: 1 << 20, lag: c.lag, golf: true, keys: keys, seats: seats, paced: true})
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				started := g.waitStarted(ctx)
				time.Sleep(time.Until(started.At.Add(8 * time.Second)))
				fps := slowestOver(b, ctx, g.procs, 15*time.Second)
				held := g.events.all(session.EventGolfSeat)
				if len(held) != 1 {
					b.Fatalf("golf seat events %v, want core-p1's", held)
				}
				b.Logf("%v", held[0])
				b.ReportMetric(float64(c.lag), "lag")
				b.ReportMetric(float64(held[0].Lag), "seat-lag")
				b.ReportMetric(fps, "fps")
			})
		}
	}
}
