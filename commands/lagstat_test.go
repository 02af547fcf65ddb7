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
	}
	core := session.Member{ID: 5, Name: "core-p4", Ports: 8, Core: true, PaceTenths: 442, PaceKnown: true}
	for _, tc := range []struct {
		name string
		core session.Member
		want []string
	}{
		{"players only", session.Member{}, []string{
			"40 ms  2 ms    -        0 ms",
			"80 ms  3 ms    44.2     2.5 s",
			"Bob and Carol need lag 3", // 20+40 ms and 5 ms of jitter: 65 ms, within 4 polls
			"the network calls for lag 3; the session plays at lag 2: expect the game to wait",
		}},
		{"a core not measured", core, []string{
			"core-p4  4      -      -       44.2     0 ms",
			"core-p4: not measured yet (a direct core sends no pings",
			"what is measured so far calls for lag 3; the session plays at lag 2",
		}},
		{"a core that needs more", func() session.Member { c := core; c.NeedLag, c.NeedKnown = 4, true; return c }(), []string{
			"core-p4 needs lag 4 (a direct core: from how early its inputs reach it)",
			"the network calls for lag 4; the session plays at lag 2: expect the game to wait",
		}},
	} {
		ms := members
		if tc.core.ID != 0 {
			ms = append(ms[:len(ms):len(ms)], tc.core)
		}
		got := LagStatText(ms, 2, false)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: /lagstat says\n%s\nwant it to say %q", tc.name, got, want)
			}
		}
		if strings.Contains(got, "watcher") || strings.Contains(got, "core-p4 and") || strings.Contains(got, "and core-p4") {
			t.Errorf("%s: /lagstat lists a spectator or pairs a core by ping:\n%s", tc.name, got)
		}
	}
	// Two direct cores are two players, though neither pings.
	two := []session.Member{{ID: 1, Name: "core-p1", Ports: 1, Core: true}, {ID: 2, Name: "core-p2", Ports: 2, Core: true}}
	if got := LagStatText(two, 5, false); strings.Contains(got, "one player") {
		t.Errorf("two cores called one player:\n%s", got)
	}
	if got := LagStatText(members[:1], 5, false); !strings.Contains(got, "one player") {
		t.Errorf("one player not said:\n%s", got)
	}
	// In golf, Bob and Carol (60 ms apart with 5 ms of jitter) need the way
	// there and back: 2 × 65 − 16.7 = 113.3 ms, lag 6.
	golf := LagStatText(members, 5, true)
	for _, want := range []string{
		"in golf, the others need lag 6, so that the golfer's lag 0 does not slow them",
		"the network calls for lag 6; the session plays at lag 5: expect the game to wait",
	} {
		if !strings.Contains(golf, want) {
			t.Errorf("/lagstat in golf says\n%s\nwant it to say %q", golf, want)
		}
	}
}
