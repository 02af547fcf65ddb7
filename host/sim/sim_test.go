package sim

import (
	"testing"

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
