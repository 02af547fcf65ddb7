package lockstep

import (
	"math/rand/v2"
	"slices"
	"testing"
)

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
	lower := LowerNeed(edge, false)
	if need != 1 || lower != 1 {
		t.Fatalf("need %d lower %d, want 1 and 1", need, lower)
	}
	fast := []Path{{ID: 1, RTT: 10000, Jitter: 3000}, {ID: 2, RTT: 10000, Jitter: 3000}} // 16 ms: needs 0, but not 1 ms slower
	need, _ = WorstPair(fast)
	lower = LowerNeed(fast, false)
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
	lower = LowerNeed(far, false)
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
		name     string
		lag      uint8
		health   [][NumPorts]CoreHealth
		author   [NumPorts]int
		slow     bool
		need     uint8
		furthest int
	}{
		{"in step, three early", 5, [][NumPorts]CoreHealth{{held(5), held(3)}, {held(3), held(5)}}, two, false, 2, 1},
		// Core 0 leads by two polls: it holds 1 of core 1's inputs, core 1
		// holds 5 of its; the pair shares (1+5)/2 = 3.
		{"out of phase", 5, [][NumPorts]CoreHealth{{held(5), held(1)}, {held(5), held(5)}}, two, false, 2, 1},
		// The leader waits within its frames, the game holds full speed:
		// the pair still has spare.
		{"leader waits", 3, [][NumPorts]CoreHealth{{held(3), waited}, {held(4), held(3)}}, two, false, 1, 1},
		// Waits while the game falls short: one more.
		{"slow and waiting", 2, [][NumPorts]CoreHealth{{held(2), waited}, {waited, held(2)}}, two, true, 3, 1},
		{"slow, no wait", 2, [][NumPorts]CoreHealth{{held(2), held(1)}, {held(1), held(2)}}, two, true, 1, 1},
		// Its own presses come back with none to spare: that decides.
		{"own round trip", 4, [][NumPorts]CoreHealth{{waited, held(6)}, {held(6), held(6)}}, two, false, 4, 0},
		// A port of a netpak player counts alone.
		{"netpak player", 4, [][NumPorts]CoreHealth{{held(4), {}, held(2)}}, [NumPorts]int{0, -1, -1, -1}, false, 2, 0},
		{"nothing below 0", 0, [][NumPorts]CoreHealth{{held(4)}}, [NumPorts]int{0, -1, -1, -1}, false, 0, 0},
	} {
		need, far, ok := CoresLag(tc.lag, tc.health, tc.author, tc.slow)
		if !ok || need != tc.need || far != tc.furthest {
			t.Errorf("%s: CoresLag = %d, core %d, %v; want %d, core %d", tc.name, need, far, ok, tc.need, tc.furthest)
		}
	}
	if need, _, ok := CoresLag(3, [][NumPorts]CoreHealth{{}}, two, true); ok || need != 3 {
		t.Errorf("nothing reported: %d, %v; want the lag kept and not ok", need, ok)
	}
}

// GolfLag covers the way to the others and back: the golfer's lag 0
// leaves each other player a pair's delay less one poll behind it.
func TestGolfLag(t *testing.T) {
	ms := func(id uint16, rtt uint32) Path { return Path{ID: id, RTT: rtt * 1000} }
	for _, tc := range []struct {
		name   string
		paths  []Path
		golfer uint16
		want   uint8
	}{
		{"40 ms apart", []Path{ms(1, 40), ms(2, 40)}, 1, 3},                                                             // 2×40 − 16.7 = 63.3 ms: lag 3
		{"80 ms apart", []Path{ms(1, 80), ms(2, 80)}, 2, 8},                                                             // 143.3 ms: lag 8
		{"jitter counts both ways", []Path{{ID: 1, RTT: 40000, Jitter: 2500}, {ID: 2, RTT: 40000, Jitter: 2500}}, 1, 4}, // 2×45 − 16.7 = 73.3 ms
		{"close", []Path{ms(1, 10), ms(2, 10)}, 1, 0},
		{"the farthest other decides", []Path{ms(1, 20), ms(2, 20), ms(3, 80)}, 1, 4}, // 2×50 − 16.7 = 83.3 ms: five polls
		{"golfer not measured", []Path{{ID: 1}, ms(2, 80)}, 1, 0},
		{"golfer not a player", []Path{ms(1, 80), ms(2, 80)}, 9, 0},
	} {
		if got := GolfLag(tc.paths, tc.golfer); got != tc.want {
			t.Errorf("%s: GolfLag = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// In golf a fall waits for the steady window, with the slack, as pairs'
// falls do: two players whose golf loop sits just under the edge of lag 8
// now, and just over it as the longer window sees them, keep lag 9.
func TestLowerNeedInGolf(t *testing.T) {
	p := func(id uint16) Path {
		return Path{ID: id, RTT: 80000, Jitter: 1000, SteadyRTT: 80000, SteadyJitter: 1400}
	}
	paths := []Path{p(1), p(2)}
	if need, _ := NetworkNeed(paths, true); need != 8 { // 2 × 82 − 16.7 = 147.3 ms
		t.Errorf("golf need now %d, want 8", need)
	}
	if lower := LowerNeed(paths, true); lower != 9 { // 2 × 83.8 − 16.7 = 150.9 ms
		t.Errorf("golf lower %d, want 9: a fall to 8 waits for the steady window", lower)
	}
	if lower := LowerNeed(paths, false); lower != 5 {
		t.Errorf("pairs' lower %d, want 5", lower)
	}
}

// EachCoreLag charges each core with its own ports, netpak players'
// ports and the pairs it is in: /lagstat's line for a direct core.
func TestEachCoreLag(t *testing.T) {
	held := func(n uint8) CoreHealth { return CoreHealth{Known: true, Held: n} }
	waited := CoreHealth{Known: true, Waited: true}
	two := [NumPorts]int{0, 1, -1, -1}
	three := [NumPorts]int{0, 1, 2, -1}
	for _, tc := range []struct {
		name   string
		lag    uint8
		health [][NumPorts]CoreHealth
		author [NumPorts]int
		need   []uint8
		known  []bool
	}{
		{"a pair shares", 5, [][NumPorts]CoreHealth{{held(5), held(1)}, {held(5), held(5)}}, two, []uint8{2, 2}, []bool{true, true}},
		{"own round trip", 4, [][NumPorts]CoreHealth{{waited, held(6)}, {held(6), held(6)}}, two, []uint8{4, 0}, []bool{true, true}},
		{"netpak player", 4, [][NumPorts]CoreHealth{{held(4), {}, held(2)}}, [NumPorts]int{0, -1, -1, -1}, []uint8{2}, []bool{true}},
		// Core 2 reported nothing; its pair with core 0 still counts for 0.
		{"silent core", 3, [][NumPorts]CoreHealth{{held(3), held(3), held(1)}, {held(3), held(3), held(3)}, {}}, three, []uint8{0, 0, 0}, []bool{true, true, false}},
	} {
		need, known := EachCoreLag(tc.lag, tc.health, tc.author)
		if !slices.Equal(need, tc.need) || !slices.Equal(known, tc.known) {
			t.Errorf("%s: EachCoreLag = %v, %v; want %v, %v", tc.name, need, known, tc.need, tc.known)
		}
	}
}

// OwnLag counts only the core's own ports: the pair's and a netpak
// player's inputs do not come back to it, and need no golf seat's lag.
func TestOwnLag(t *testing.T) {
	held := func(n uint8) CoreHealth { return CoreHealth{Known: true, Held: n} }
	waited := CoreHealth{Known: true, Waited: true}
	two := [NumPorts]int{0, 1, -1, -1}
	for _, tc := range []struct {
		name string
		lag  uint8
		h    [NumPorts]CoreHealth
		i    int
		need uint8
		ok   bool
	}{
		{"early", 5, [NumPorts]CoreHealth{held(3), held(1), held(0)}, 0, 2, true},
		{"other core's port", 5, [NumPorts]CoreHealth{held(3), held(1)}, 1, 4, true},
		{"waited", 2, [NumPorts]CoreHealth{waited, held(6)}, 0, 2, true},
		{"held beyond the lag", 2, [NumPorts]CoreHealth{held(9)}, 0, 0, true},
		{"nothing of its own", 5, [NumPorts]CoreHealth{{}, held(1), held(1)}, 0, 0, false},
	} {
		need, ok := OwnLag(tc.lag, tc.h, two, tc.i)
		if need != tc.need || ok != tc.ok {
			t.Errorf("%s: OwnLag = %d, %v; want %d, %v", tc.name, need, ok, tc.need, tc.ok)
		}
	}
}

// Estimate follows the last RTTWindow round trips, Steady the last
// SteadyWindow: after a fall from 80 to 10 ms, Estimate sees 10 ms at once
// and Steady once half its window does.
func TestRTTSamples(t *testing.T) {
	var r RTTSamples
	if rtt, jit := r.Estimate(); rtt != 0 || jit != 0 {
		t.Fatalf("no samples: %d ± %d", rtt, jit)
	}
	for i := range SteadyWindow + 5 {
		r.Add(80000 + uint32(i%3)*1000) // 80, 81, 82 ms
	}
	if rtt, jit := r.Steady(); rtt != 81000 || jit != 1000 {
		t.Errorf("steady at 80-82 ms: %d ± %d, want 81000 ± 1000", rtt, jit)
	}
	for range RTTWindow {
		r.Add(10000)
	}
	if rtt, jit := r.Estimate(); rtt != 10000 || jit != 0 {
		t.Errorf("after %d pings at 10 ms: estimate %d ± %d", RTTWindow, rtt, jit)
	}
	if rtt, _ := r.Steady(); rtt < 80000 {
		t.Errorf("after %d pings at 10 ms: steady %d, want it still at 80 ms", RTTWindow, rtt)
	}
	for range SteadyWindow/2 - RTTWindow + 1 {
		r.Add(10000)
	}
	if rtt, _ := r.Steady(); rtt != 10000 {
		t.Errorf("after half a window at 10 ms: steady %d", rtt)
	}
}

// A fall is judged by the steady estimates: a network that just got
// faster does not lower the lag until the longer window agrees.
func TestLowerNeedSteady(t *testing.T) {
	now := Path{RTT: 10000, Jitter: 1000, SteadyRTT: 80000, SteadyJitter: 1000}
	paths := []Path{now, now}
	paths[0].ID, paths[1].ID = 1, 2
	if need, _ := WorstPair(paths); need != 0 {
		t.Errorf("need %d at 10 ms", need)
	}
	if lower := LowerNeed(paths, false); lower != 4 { // 80 + 2 + 1 ms
		t.Errorf("lower %d, want 4, what the steady 80 ms need", lower)
	}
}

// Two players 80 ms ± 5 apart (each leg 40 ms ± 2.5 each way, the latency
// lab's model, and half a millisecond of the machines' own) need 85 ms:
// lag 5, with the pair's estimate within a millisecond of the 83.3 ms that
// lag 4 allows. Measured twice a second for three minutes, five networks
// like it keep lag 5 but for one excursion in all; judging falls by the
// short window instead (the control) goes back and forth.
func TestAutoLagSteadyAtTheEdge(t *testing.T) {
	run := func(seed uint64, steady bool) (changes int) {
		rng := rand.New(rand.NewPCG(seed, 2))
		leg := func() uint32 { return uint32(40000 + rng.IntN(5001) - 2500) }
		var s [2]RTTSamples
		a := AutoLag{Lag: 5}
		for range 2 * 180 {
			paths := make([]Path, 2)
			for i := range s {
				s[i].Add(leg() + leg() + 500)
				paths[i].ID = uint16(i + 1)
				paths[i].RTT, paths[i].Jitter = s[i].Estimate()
				if steady {
					paths[i].SteadyRTT, paths[i].SteadyJitter = s[i].Steady()
				}
			}
			need, _ := WorstPair(paths)
			if _, changed := a.Observe(need, max(need, LowerNeed(paths, false))); changed {
				changes++
			}
		}
		return changes
	}
	var steady, short int
	for seed := range uint64(5) {
		steady += run(seed+1, true)
		short += run(seed+1, false)
	}
	t.Logf("changes over five networks at the edge: %d judged by the steady estimate, %d by the short window", steady, short)
	if steady > 2 {
		t.Errorf("the steady estimate changed the lag %d times over five networks at the edge, want one excursion at most", steady)
	}
	if short < 10 {
		t.Errorf("control: the short window changed the lag only %d times; the test no longer shows what it tests", short)
	}
}

// The cores' falls are judged by the median need of the window, which
// forgets a measurement after SteadyWindow more.
func TestNeedWindow(t *testing.T) {
	var w NeedWindow
	if got := w.Lower(); got != 0 {
		t.Errorf("no measurements: Lower = %d", got)
	}
	add := func(need uint8, n int) {
		for range n {
			w.Add(need)
		}
	}
	add(5, 2) // the start of a game: the cores wait for the first inputs
	add(2, 3)
	if got := w.Lower(); got != 2 {
		t.Errorf("2 of 5 needing 5: Lower = %d, want 2", got)
	}
	add(5, 2)
	if got := w.Lower(); got != 5 {
		t.Errorf("4 of 7 needing 5: Lower = %d, want 5", got)
	}
	add(2, SteadyWindow) // the fives are forgotten
	add(3, SteadyWindow/2)
	if got := w.Lower(); got != 2 {
		t.Errorf("a full window, half needing 3: Lower = %d, want 2", got)
	}
	add(3, 1)
	if got := w.Lower(); got != 3 {
		t.Errorf("a full window, more than half needing 3: Lower = %d, want 3", got)
	}
	add(1, SteadyWindow)
	if got := w.Lower(); got != 1 {
		t.Errorf("after a window of 1s: Lower = %d, want 1", got)
	}
}

// A measurement whose need is the lag now, while the longer span allows a
// lower one, does not stop a fall: a lone late input does not decide.
func TestAutoLagFallsPastANeedAtTheLag(t *testing.T) {
	a := AutoLag{Lag: 3}
	for i := range autoLowerAfter {
		need := uint8(2)
		if i == autoLowerAfter/2 {
			need = 3
		}
		if lag, changed := a.Observe(need, 2); changed != (i == autoLowerAfter-1) || (changed && lag != 2) {
			t.Fatalf("measurement %d: Observe = %d, %v", i, lag, changed)
		}
	}
}

func TestCopyPays(t *testing.T) {
	for _, tc := range []struct {
		lag      uint8
		rtt, dev uint32
		want     bool
	}{
		{0, 200, 100, false},        // loopback: resends come within the poll
		{0, 3900, 0, false},         // still short
		{0, 4000, 0, true},          // lag 0 leaves less than a poll on any longer way
		{2, 40000, 1250, true},      // players 40 ms ± 5 apart, at their least lag, 2
		{3, 40000, 1250, false},     // one poll more: the next datagram is in time
		{1, 40000, 1250, true},      // below the least lag
		{4, 80000, 1250, true},      // 80 ms ± 5: NeededLag is 5
		{5, 80000, 1250, true},      // and at 5
		{6, 80000, 1250, false},     // but not at 6
		{3, 40000, 4500, true},      // a noisy path: 58 ms at worst needs lag 3
		{0, 1 << 31, 1 << 31, true}, // no overflow
		{255, 4000, 1 << 31, true},  // a deviation that grew past 32 bits
	} {
		if got := CopyPays(tc.lag, tc.rtt, tc.dev); got != tc.want {
			t.Errorf("CopyPays(%d, %d, %d) = %v, want %v", tc.lag, tc.rtt, tc.dev, got, tc.want)
		}
	}
}
