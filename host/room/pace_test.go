package room

import (
	"math"
	"slices"
	"testing"
	"time"
)

// The pace window says "slow" only over a full window both of whose halves
// fell short of 59 polls/s (a hiccup falls in one); a window not yet full,
// or across a new game, is not known.
func TestPaceWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	step := 500 * time.Millisecond
	feed := func(w *paceWindow, polls []uint32) (slow []bool) {
		for i, p := range polls {
			_, s := w.slow(p, t0.Add(time.Duration(i)*step))
			slow = append(slow, s)
		}
		return slow
	}
	ramp := func(n int, per uint32) []uint32 {
		var p []uint32
		for i := range n {
			p = append(p, uint32(i)*per)
		}
		return p
	}
	var full paceWindow
	if got := feed(&full, ramp(paceSamples+3, 30)); slices.Contains(got, true) {
		t.Errorf("60 polls/s counted slow: %v", got)
	}
	var edge paceWindow // one poll short in the window: 59.75 polls/s
	polls := ramp(paceSamples, 30)
	polls[paceSamples-1]--
	if got := feed(&edge, polls); got[paceSamples-1] {
		t.Errorf("a poll short over %d samples counted slow: %v", paceSamples, got)
	}
	var slow paceWindow // 58 polls/s
	if got := feed(&slow, ramp(paceSamples+2, 29)); got[paceSamples-2] || !got[paceSamples-1] || !got[paceSamples+1] {
		t.Errorf("58 polls/s: %v, want slow once the window is full, not before", got)
	}
	if pace, _ := slow.slow(29*(paceSamples+2), t0.Add((paceSamples+2)*step)); math.Abs(pace-58) > 0.01 {
		t.Errorf("58 polls/s reported as %.2f", pace)
	}
	var hiccup paceWindow // 60 polls/s but for 5 polls lost in half a second
	polls = ramp(paceSamples, 30)
	for i := paceSamples / 2; i < paceSamples; i++ {
		polls[i] -= 5
	}
	if got := feed(&hiccup, polls); got[paceSamples-1] {
		t.Errorf("one hiccup counted slow: %v", got)
	}
	// Back at full speed takes both halves: a hiccup is not slow, nor full.
	if hiccup.full() || !full.full() {
		t.Errorf("full: %v with a hiccup, %v at 60 polls/s; want false, true", hiccup.full(), full.full())
	}
	var restart paceWindow
	if got := feed(&restart, []uint32{100, 110, 120, 0, 5}); got[4] {
		t.Errorf("a window across a new game counted slow: %v", got)
	}
}

// A player's recent pace is the last four seconds of its progress, or as
// many samples as there are (two at least); a count that went back is a
// new game, not a pace.
func TestProgressRecent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var w progress
	if _, ok := w.recent(); ok {
		t.Error("no samples: a pace is known")
	}
	w.add(100, t0)
	if _, ok := w.recent(); ok {
		t.Error("one sample: a pace is known")
	}
	w.add(130, t0.Add(500*time.Millisecond))
	if pace, ok := w.recent(); !ok || pace != 60 {
		t.Errorf("30 polls in half a second: %.2f, %v; want 60", pace, ok)
	}
	for i := 2; i < 20; i++ { // 15 polls per half second: 30 polls/s, the last 4 s of it
		w.add(130+15*uint32(i-1), t0.Add(time.Duration(i)*500*time.Millisecond))
	}
	if pace, ok := w.recent(); !ok || pace != 30 {
		t.Errorf("30 polls/s for 9 s: %.2f, %v", pace, ok)
	}
	w.add(5, t0.Add(10*time.Second))
	if pace, ok := w.recent(); ok {
		t.Errorf("across a new game: %.2f known", pace)
	}
}
