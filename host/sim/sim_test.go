package sim

import (
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

func TestScriptIsDeterministic(t *testing.T) {
	a, b := Script{Seed: 1, GolfEvery: 100}, Script{Seed: 1, GolfEvery: 100}
	golf := 0
	for p := range uint32(1000) {
		for k := range session.NumPorts {
			x := a.Press(k, p)
			if x != b.Press(k, p) {
				t.Fatalf("port %d poll %d differs between equal scripts", k, p)
			}
			if x.Keys&session.DefaultGolfMask != 0 {
				golf++
			}
		}
	}
	if golf != 40 {
		t.Errorf("%d golf presses in 1000 polls × 4 ports, want 40 (every 100 polls)", golf)
	}
	if (Script{Seed: 2}).Press(0, 5) == a.Press(0, 5) {
		t.Error("different seeds give the same press")
	}
}

func TestStateHashDependsOnEveryInput(t *testing.T) {
	base := NewState()
	var in [session.NumPorts]session.Input
	base.Step(in)
	for k := range session.NumPorts {
		s := NewState()
		in2 := in
		in2[k].Keys = 1
		s.Step(in2)
		if s.Hash == base.Hash || s.Polls != 1 {
			t.Errorf("port %d's input does not change the state", k)
		}
	}
}

// A paced player's poll is a stall when it comes stallGap or more after
// the one before, and costs what it came later than a period; an unpaced
// player's when it waits 2 ms.
func TestStalls(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }
	var r Result
	r.noteWait(ms(10), ms(25), ms(8.3), 60) // inputs came within the frame
	r.noteWait(ms(25), ms(43), ms(25), 60)  // a poll a little late, in the jitter
	r.noteWait(ms(43), ms(60), ms(43), 60)  // and the next one in time again
	r.noteWait(ms(60), ms(61.5), ms(60), 0) // an unpaced wait of 1.5 ms
	if r.Stalls != 0 || r.Waited != 0 || r.Worst != 18*time.Millisecond {
		t.Errorf("waits within the period: %d stalls, %v waited, worst %v", r.Stalls, r.Waited, r.Worst)
	}
	r.noteWait(ms(60), ms(100), ms(60), 60)  // 40 ms after the last: 23.3 ms late
	r.noteWait(ms(100), ms(105), ms(100), 0) // an unpaced wait of 5 ms
	want := 40*time.Millisecond - time.Second/60 + 5*time.Millisecond
	if r.Stalls != 2 || r.Waited != want || r.Worst != 40*time.Millisecond {
		t.Errorf("a late poll and an unpaced wait: %d stalls, %v waited, worst %v; want 2, %v, 40ms", r.Stalls, r.Waited, r.Worst, want)
	}
}
