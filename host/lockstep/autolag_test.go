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
	// 2 and 3: 30 + 5 ms and 2 ms of jitter = 37 ms: lag 2.
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
	edge := []Path{{ID: 1, RTT: 12000, Jitter: 2500}, {ID: 2, RTT: 12000, Jitter: 2500}} // 12 + 5 ms of jitter: 17 ms
	need, _ := WorstPair(edge)
	lower := LowerPair(edge)
	if need != 1 || lower != 1 {
		t.Fatalf("need %d lower %d, want 1 and 1", need, lower)
	}
	fast := []Path{{ID: 1, RTT: 10000, Jitter: 3000}, {ID: 2, RTT: 10000, Jitter: 3000}} // 16 ms: needs 0, but not 1 ms slower
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
	far := []Path{{ID: 1, RTT: 4000, Jitter: 500}, {ID: 2, RTT: 4000, Jitter: 500}} // 5 ms: 0 with room to spare
	need, _ = WorstPair(far)
	lower = LowerPair(far)
	for i := range autoLowerAfter {
		lag, changed := a.Observe(need, lower)
		if (i == autoLowerAfter-1) != changed || (changed && lag != 0) {
			t.Fatalf("measurement %d: lag %d changed %v; want lag 0 after %d", i, lag, changed, autoLowerAfter)
		}
	}
}

// Direct cores' buffers say how much lower they could play: a core's own
// port alone, a pair of cores by the sum of both ways, whatever their
// phase; waits ask for one more only when the game fell short of full
// speed.
func TestCoresLag(t *testing.T) {
	held := func(n uint8) CoreHealth { return CoreHealth{Known: true, Held: n} }
	waited := CoreHealth{Known: true, Waited: true}
	two := [NumPorts]int{0, 1, -1, -1} // core 0 authors port 0, core 1 port 1
	for _, tc := range []struct {
		name        string
		lag         uint8
		health      [][NumPorts]CoreHealth
		author      [NumPorts]int
		slow        bool
		need, lower uint8
		furthest    int
	}{
		{"in step, three early", 5, [][NumPorts]CoreHealth{{held(5), held(3)}, {held(3), held(5)}}, two, false, 2, 2, 1},
		// Core 0 leads by two polls: it holds 1 of core 1's inputs, core 1
		// holds 5 of its; the pair shares (1+5)/2 = 3.
		{"out of phase", 5, [][NumPorts]CoreHealth{{held(5), held(1)}, {held(5), held(5)}}, two, false, 2, 2, 1},
		// The leader waits within its frames, the game holds full speed:
		// the pair still has spare.
		{"leader waits", 3, [][NumPorts]CoreHealth{{held(3), waited}, {held(4), held(3)}}, two, false, 1, 1, 1},
		// Waits while the game falls short: one more.
		{"slow and waiting", 2, [][NumPorts]CoreHealth{{held(2), waited}, {waited, held(2)}}, two, true, 3, 3, 1},
		{"slow, no wait", 2, [][NumPorts]CoreHealth{{held(2), held(1)}, {held(1), held(2)}}, two, true, 1, 1, 1},
		// Its own presses come back with none to spare: that decides.
		{"own round trip", 4, [][NumPorts]CoreHealth{{waited, held(6)}, {held(6), held(6)}}, two, false, 4, 4, 0},
		// A port of a netpak player counts alone.
		{"netpak player", 4, [][NumPorts]CoreHealth{{held(4), {}, held(2)}}, [NumPorts]int{0, -1, -1, -1}, false, 2, 2, 0},
		{"nothing below 0", 0, [][NumPorts]CoreHealth{{held(4)}}, [NumPorts]int{0, -1, -1, -1}, false, 0, 0, 0},
	} {
		need, lower, far, ok := CoresLag(tc.lag, tc.health, tc.author, tc.slow)
		if !ok || need != tc.need || lower != tc.lower || far != tc.furthest || lower < need {
			t.Errorf("%s: CoresLag = %d, %d, core %d, %v; want %d, %d, core %d", tc.name, need, lower, far, ok, tc.need, tc.lower, tc.furthest)
		}
	}
	if need, lower, _, ok := CoresLag(3, [][NumPorts]CoreHealth{{}}, two, true); ok || need != 3 || lower != 3 {
		t.Errorf("nothing reported: %d, %d, %v; want the lag kept and not ok", need, lower, ok)
	}
}
