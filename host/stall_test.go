package host_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// When one player's input stops coming, the others are told whom the game
// waits for, and told again when it moves on.
func TestStallNamesWhoIsWaitedFor(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(3, 0)
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	const polls = 200
	var once sync.Once
	slow := sim.Config{Polls: polls, OnPress: func(p uint32) {
		if p == 100 {
			once.Do(func() { time.Sleep(2500 * time.Millisecond) })
		}
	}}
	var wg sync.WaitGroup
	res := make([]sim.Result, 3)
	for i, c := range cs {
		cfg := sim.Config{Polls: polls}
		if i == 2 {
			cfg = slow
		}
		wg.Go(func() {
			var err error
			if res[i], err = sim.Run(t.Context(), c, cfg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	requireSameState(t, res, polls)
	told := func() string {
		var said []string
		for _, e := range ts.eventsOf("p1", session.EventNotice) {
			said = append(said, e.Text)
		}
		return strings.Join(said, "\n")
	}
	hosttest.Eventually(func() bool { return strings.Contains(told(), "playing on") })
	all := told()
	if !strings.Contains(all, "waiting for p3: no input for poll") || !strings.Contains(all, "playing on: the game waited") {
		t.Errorf("p1 was told:\n%s\nwant whom the game waited for, then that it moved on", all)
	}
	if strings.Contains(all, "waiting for p2") {
		t.Errorf("p1 was told it waited for p2, who was on time:\n%s", all)
	}
}
