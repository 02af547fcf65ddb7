package room

import (
	"testing"
	"time"
)

// The pace window says "slow" only over a full window that fell short of
// 58 polls/s; a window not yet full, or across a new game, is not known.
func TestPaceWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	step := 500 * time.Millisecond
	feed := func(w *paceWindow, polls []uint32) (slow []bool) {
		for i, p := range polls {
			slow = append(slow, w.slow(p, t0.Add(time.Duration(i)*step)))
		}
		return slow
	}
	var full paceWindow
	if got := feed(&full, []uint32{0, 30, 60, 90, 120, 150, 180}); got[4] || got[5] || got[6] {
		t.Errorf("60 polls/s counted slow: %v", got)
	}
	var slow paceWindow
	if got := feed(&slow, []uint32{0, 25, 50, 75, 100, 125}); got[3] || !got[4] || !got[5] {
		t.Errorf("50 polls/s: %v, want slow once the window is full, not before", got)
	}
	var restart paceWindow
	if got := feed(&restart, []uint32{100, 110, 120, 0, 5}); got[4] {
		t.Errorf("a window across a new game counted slow: %v", got)
	}
}
