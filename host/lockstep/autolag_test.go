package lockstep

import "testing"

func TestNeededLag(t *testing.T) {
	for _, tc := range []struct {
		delay, jitter uint32
		want          uint8
	}{
		{0, 0, 0},
		{16667, 0, 0}, // one poll period: the next poll uses it
		{16668, 0, 1},
		{40000, 5000, 2}, // 45 ms: ceil(2.7) - 1
		{80000, 5000, 5},
		{1 << 31, 1 << 31, 255},
	} {
		if got := NeededLag(tc.delay, tc.jitter); got != tc.want {
			t.Errorf("NeededLag(%d, %d) = %d, want %d", tc.delay, tc.jitter, got, tc.want)
		}
	}
}

func TestWorstPair(t *testing.T) {
	paths := []Path{{ID: 1, RTT: 2000}, {ID: 2, RTT: 60000, Jitter: 2000}, {ID: 3, RTT: 10000}, {ID: 4}}
	lag, far := WorstPair(paths)
	// 2 and 3: 30 + 5 + 2.5 ms and 2 ms of jitter = 39.5 ms: lag 2.
	if lag != 2 || far != 2 {
		t.Errorf("WorstPair = lag %d, furthest %d; want 2, member 2", lag, far)
	}
	if lag, far := WorstPair(paths[:1]); lag != 0 || far != 0 {
		t.Errorf("one player: lag %d, furthest %d", lag, far)
	}
}

// Rises are followed at once (two measurements), falls only after a run
// of ten, to the most that run needed; a jittery need that crosses the lag
// back and forth never moves it.
func TestAutoLagHysteresis(t *testing.T) {
	type step struct {
		need    uint8
		lag     uint8
		changed bool
	}
	steps := []step{
		{3, 0, false}, {3, 3, true}, // a rise takes two
		{4, 3, false}, {2, 3, false}, {4, 3, false}, {2, 3, false}, {3, 3, false}, // jitter: no move
		{1, 3, false}, {1, 3, false}, {1, 3, false}, {2, 3, false}, {1, 3, false},
		{1, 3, false}, {1, 3, false}, {1, 3, false}, {1, 3, false}, {1, 2, true}, // ten lower: to their peak, 2
		{5, 2, false}, {6, 5, true}, // a rise goes to the lower of the two
	}
	var a AutoLag
	for i, st := range steps {
		lag, changed := a.Observe(st.need, st.need)
		if lag != st.lag || changed != st.changed {
			t.Fatalf("step %d (need %d): lag %d changed %v, want %d %v", i, st.need, lag, changed, st.lag, st.changed)
		}
	}
}

// A network whose delay sits at the edge between two lags keeps the
// higher one: it lowers only if the lower lag would hold on a network
// lowerSlack slower too.
func TestAutoLagDeadBand(t *testing.T) {
	edge := []Path{{ID: 1, RTT: 10000, Jitter: 2500}, {ID: 2, RTT: 10000, Jitter: 2500}} // 10+2.5 + 5 ms of jitter: 17.5 ms
	need, _ := WorstPair(edge)
	lower := LowerPair(edge)
	if need != 1 || lower != 1 {
		t.Fatalf("need %d lower %d, want 1 and 1", need, lower)
	}
	fast := []Path{{ID: 1, RTT: 10000, Jitter: 1750}, {ID: 2, RTT: 10000, Jitter: 1750}} // 16 ms: needs 0, but not 1 ms slower
	need, _ = WorstPair(fast)
	lower = LowerPair(fast)
	if need != 0 || lower != 1 {
		t.Fatalf("need %d lower %d, want 0 and 1", need, lower)
	}
	a := AutoLag{Lag: 1}
	for i := range 100 {
		if lag, changed := a.Observe(need, lower); changed || lag != 1 {
			t.Fatalf("measurement %d: lag %d changed %v; a network 0.7 ms from the edge must keep lag 1", i, lag, changed)
		}
	}
	far := []Path{{ID: 1, RTT: 4000, Jitter: 500}, {ID: 2, RTT: 4000, Jitter: 500}} // 7.5 ms: 0 with room to spare
	need, _ = WorstPair(far)
	lower = LowerPair(far)
	for i := range autoLowerAfter {
		lag, changed := a.Observe(need, lower)
		if (i == autoLowerAfter-1) != changed || (changed && lag != 0) {
			t.Fatalf("measurement %d: lag %d changed %v; want lag 0 after %d", i, lag, changed, autoLowerAfter)
		}
	}
}
