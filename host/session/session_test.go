package session_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Ünïcode-名前", true},
		{"", false},
		{"two words", false},
		{"tab\there", false},
		{"/kick", false},
		{strings.Repeat("x", session.MaxNameLen), true},
		{strings.Repeat("x", session.MaxNameLen+1), false},
		{"bad\xffutf8", false},
	} {
		t.Run(fmt.Sprintf("%q", tc.name), func(t *testing.T) {
			if err := session.CheckName(tc.name); (err == nil) != tc.ok {
				t.Errorf("CheckName(%q) = %v, want ok %v", tc.name, err, tc.ok)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		n    uint32
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {4294967295, "4,294,967,295"},
	} {
		if got := session.Thousands(tc.n); got != tc.want {
			t.Errorf("Thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestEventString(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    session.Event
		want string
	}{
		{"joined", session.Event{Kind: session.EventJoined, Who: "bob", Ports: 0b0010}, "bob joined on port 2"},
		{"spectator", session.Event{Kind: session.EventJoined, Who: "eve"}, "eve joined as a spectator"},
		{"rejoined", session.Rejoined("bob", 0b0010, 1200), "bob rejoined on port 2 at poll 1,200: catching up by replaying the game; port 2 plays no input until then"},
		{"left in a game", session.Event{Kind: session.EventLeft, Who: "bob", Reason: session.LeaveTimeout, Ports: 0b0010, Poll: 5000},
			fmt.Sprintf("bob left (%s); port 2 reads empty from poll 5,000", session.LeaveTimeout)},
		{"autolag", session.SchedEvent(lockstep.SchedEntry{Lag: 4, From: 90, Cause: lockstep.CauseAutoLag, Actor: 3}, "carol"),
			"autolag: lag 4 from poll 90, the least that holds full speed (furthest from the others: carol)"},
		{"autolag for the pace", session.SchedEvent(lockstep.SchedEntry{Lag: 4, From: 90, Cause: lockstep.CauseAutoLag}, "the host"),
			"autolag: lag 4 from poll 90"},
		{"lag", session.SchedEvent(lockstep.SchedEntry{Lag: 3, Cause: lockstep.CauseLag}, "alice"), "alice set the lag to 3"},
		{"host gone", session.Event{Kind: session.EventHostGone, Err: fmt.Errorf("%w: timeout", session.ErrHostGone)}, "lost the host: timeout"},
		{"host gone, other error", session.Event{Kind: session.EventHostGone, Err: errors.New("reset")}, "lost the host: reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
