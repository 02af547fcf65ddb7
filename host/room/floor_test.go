package room

import (
	"testing"
	"time"
)

// A lag autolag fell from and came back to is held while the network
// stays as it is; only after a first fall that lasted a minute or more
// is it held two minutes instead. The floor is dropped when the network
// moves a lag away from it.
func TestLagFloor(t *testing.T) {
	t0 := time.Unix(1000, 0)
	day := 24 * time.Hour
	excursion := func(f *lagFloor, at time.Time, lasted time.Duration) time.Time {
		f.follow(5, 4, false, at)
		if got := f.at(4, at); got != 0 {
			t.Fatalf("floor %d during a fall, want none", got)
		}
		f.follow(4, 5, false, at.Add(lasted))
		return at.Add(lasted)
	}

	var quick lagFloor // back within a minute: held
	back := excursion(&quick, t0, 50*time.Second)
	if got := quick.at(4, back.Add(day)); got != 5 {
		t.Errorf("floor %d a day after a fall of 50 s was undone, want 5", got)
	}

	var long lagFloor // back after a minute: held two minutes, then held
	back = excursion(&long, t0, 81*time.Second)
	if got := long.at(4, back.Add(firstReturnHold-time.Second)); got != 5 {
		t.Errorf("floor %d a second before the first hold ends, want 5", got)
	}
	if got := long.at(4, back.Add(firstReturnHold)); got != 0 {
		t.Errorf("floor %d once the first hold is over, want none", got)
	}
	back = excursion(&long, back.Add(firstReturnHold), 10*time.Minute)
	if got := long.at(4, back.Add(day)); got != 5 {
		t.Errorf("floor %d a day after a second fall was undone, want 5", got)
	}

	// The network moved two lags below the floor: the returns are
	// forgotten, and a long fall undone is held only two minutes again.
	if got := long.at(3, back); got != 0 {
		t.Errorf("floor %d with the network calling for lag 3", got)
	}
	back = excursion(&long, back, 2*time.Minute)
	if got := long.at(4, back.Add(firstReturnHold)); got != 0 {
		t.Errorf("floor %d two minutes after the first return on a new network", got)
	}

	// A rise that is not a return, as the first of a game, holds nothing.
	var rise lagFloor
	rise.follow(2, 5, false, t0)
	if got := rise.at(5, t0); got != 0 {
		t.Errorf("a first rise held lag %d", got)
	}

	// Slow at lag 4: lag 5 is held while the network calls for 4 or 5.
	var slow lagFloor
	slow.follow(4, 5, true, t0)
	if got := slow.at(4, t0.Add(day)); got != 5 {
		t.Errorf("floor %d a day after the game was slow at 4, want 5", got)
	}
	if got := slow.at(6, t0); got != 0 {
		t.Errorf("floor %d with the network calling for lag 6", got)
	}
}
