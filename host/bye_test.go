package host_test

import (
	"testing"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A goodbye says why its member leaves, but only as a member may: a
// player leaving to watch is announced so, and one that claims any other
// reason (say, that the host kicked it) is dropped for a protocol error.
// The honest players play on to the same state.
func TestGoodbyeReasons(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	watcher := rawJoin(t, ts, host.RawHello("watcher", true))
	liar := rawJoin(t, ts, host.RawHello("liar", true))
	ts.waitMembers(4)
	bye := func(why ...byte) []byte { return append(wire.AppendFrameHeader(nil, wire.FrameBye, len(why)), why...) }
	watcher.Write(bye(byte(session.LeaveSpectate)))
	liar.Write(bye(byte(session.LeaveKicked)))
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 2)
	for _, e := range ts.eventsOf("host", session.EventLeft) {
		want := map[string]session.LeaveReason{"watcher": session.LeaveSpectate, "liar": session.LeaveError}[e.Who]
		if e.Reason != want {
			t.Errorf("%s left (%v), want (%v)", e.Who, e.Reason, want)
		}
	}
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	playHonest(t, cs, 1000, 0)
	requireNotDropped(t, ts, "p1", "p2")
}
