package host_test

import (
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// A player whose inputs reach the host late is the one the others waited
// on: the roster says so, and says nothing of the prompt ones.
func TestWaitedOnTheLatePlayer(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 1}, nil)
	cs := ts.joinPlayers(3, 0)
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	slow := sim.Config{Polls: 120, OnPress: func(uint32) { time.Sleep(5 * time.Millisecond) }}
	res := make([]sim.Result, 3)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := sim.Run(t.Context(), cs[2], slow)
		if err != nil {
			t.Error(err)
		}
		res[2] = r
	}()
	fast := playAll(t, cs[:2], sim.Config{Polls: 120}, time.Minute)
	<-done
	copy(res, fast)
	requireSameState(t, res, 120)
	by := map[string]session.Member{}
	for _, m := range ts.h.Members() {
		by[m.Name] = m
	}
	if w := by["p3"].WaitedMillis; w < 120*5/2 {
		t.Errorf("the others waited %d ms on p3, who took 5 ms a poll for 120 polls; want most of 600", w)
	}
	for _, name := range []string{"p1", "p2"} {
		if w := by[name].WaitedMillis; w*10 > by["p3"].WaitedMillis {
			t.Errorf("the others waited %d ms on %s, as much as a tenth of p3's %d", w, name, by["p3"].WaitedMillis)
		}
	}
}
