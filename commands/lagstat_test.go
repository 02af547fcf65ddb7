package commands

import (
	"strings"
	"testing"

	"github.com/netpak/netpak/host/session"
)

func TestLagStatText(t *testing.T) {
	members := []session.Member{
		{ID: 1, Name: "Alice", Ports: 1, Host: true, RTTMillis: 0},
		{ID: 2, Name: "Bob", Ports: 2, RTTMillis: 40, JitterMillis: 2},
		{ID: 3, Name: "Carol", Ports: 4, RTTMillis: 80, JitterMillis: 3, WaitedMillis: 2450, PaceTenths: 442, PaceKnown: true},
		{ID: 4, Name: "watcher", Spectator: true, RTTMillis: 300},
		{ID: 5, Name: "core-p3", Ports: 4 << 0, Core: true},
	}
	got := LagStatText(members, 2)
	for _, want := range []string{
		"40 ms  2 ms",
		"80 ms  3 ms    44.2     2.5 s",
		"40 ms  2 ms    -        0 ms",
		"Bob and Carol need lag 3", // 20+40 ms and 5 ms of jitter: 65 ms, within 4 polls
		"the worst pair needs lag 3; the session plays at lag 2: expect the game to wait",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/lagstat says\n%s\nwant it to say %q", got, want)
		}
	}
	if strings.Contains(got, "watcher") || strings.Contains(got, "core-p3 and") {
		t.Errorf("/lagstat lists a spectator or pairs a core:\n%s", got)
	}
}
