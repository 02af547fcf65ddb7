package commands

import (
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
)

func TestStatusLine(t *testing.T) {
	members := []session.Member{
		{Name: "Alice", Ports: 1, WaitedMillis: 40},
		{Name: "Bob", Ports: 2, WaitedMillis: 1250},
		{Name: "Carol", Ports: 4},
		{Name: "watcher", WaitedMillis: 9000}, // a spectator holds nobody up
	}
	for _, tc := range []struct {
		prev, cur host.Stats
		members   []session.Member
		want      string
	}{
		{host.Stats{}, host.Stats{}, members, ""},
		{host.Stats{Poll: 1000}, host.Stats{Poll: 1600, Lag: 3}, members,
			"playing: poll 1,600, 60.0 polls/s, lag 3; this game the others waited on Bob 1.2 s, Alice 40 ms"},
		{host.Stats{Poll: 1000}, host.Stats{Poll: 1000, Lag: 2}, members[2:3],
			"playing: poll 1,000, 0.0 polls/s, lag 2; nobody was waited on"},
		// The game started within the interval, or a new one did: its
		// time in the lobby is no pace.
		{host.Stats{}, host.Stats{Poll: 402, Lag: 2}, members[2:3],
			"playing: poll 402, lag 2; nobody was waited on"},
		{host.Stats{Poll: 5000}, host.Stats{Poll: 300, Lag: 2}, members[2:3],
			"playing: poll 300, lag 2; nobody was waited on"},
	} {
		if got := StatusLine(tc.prev, tc.cur, 10*time.Second, tc.members); got != tc.want {
			t.Errorf("StatusLine(%v, %v) = %q, want %q", tc.prev, tc.cur, got, tc.want)
		}
	}
}
