package host_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A member's /name in a session: everyone (and the host's events) hears
// the new name and sees it in the roster. A name another member has, in
// any case, is refused and only the asker is told; so is a name a player
// who left the running game holds its ports under, and that player
// rejoins with it as before.
func TestRenameIsToldToEveryone(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(3, 0)
	ts.waitMembers(3)
	renamed := func(who string) []string {
		var out []string
		for _, e := range ts.eventsOf(who, session.EventRenamed) {
			out = append(out, e.String())
		}
		return out
	}
	told := func(who, text string) {
		t.Helper()
		hosttest.WaitFor(t, who+" told "+text, func() bool {
			return slices.ContainsFunc(ts.eventsOf(who, session.EventNotice), func(e session.Event) bool { return strings.Contains(e.Text, text) })
		})
	}

	if err := cs[1].Rename("Bo"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"host", "p1", "p2", "p3"} {
		hosttest.WaitFor(t, who+" hears p2's new name", func() bool { return len(renamed(who)) == 1 })
		if got := renamed(who); got[0] != "p2 is now called Bo" {
			t.Errorf("%s heard %q", who, got)
		}
	}
	if !slices.ContainsFunc(cs[0].Status().Members, func(m session.Member) bool { return m.Name == "Bo" }) {
		t.Errorf("p1's roster %+v lacks Bo", cs[0].Status().Members)
	}

	if err := cs[0].Rename("bo"); err != nil { // Bo's, in another case
		t.Fatal(err)
	}
	told("p1", `"bo" is taken`)
	if err := cs[1].Rename("BO"); err != nil { // its own, in another case
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "p3 hears Bo's new case", func() bool { return len(renamed("p3")) == 2 })

	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p1", "p2"}, session.EventStarted, 1)
	cs[2].Close()
	hosttest.WaitFor(t, "p3 to leave", func() bool { return len(ts.eventsOf("host", session.EventLeft)) == 1 })
	if err := cs[0].Rename("P3"); err != nil {
		t.Fatal(err)
	}
	told("p1", `"P3" left the running game and may rejoin under that name`)
	back := ts.join("p3", client.Config{})
	defer back.Close()
	if st := back.Status(); st.Ports != 1<<2 {
		t.Errorf("p3 rejoined on ports %v, want port 3", st.Ports)
	}
	if got := renamed("host"); len(got) != 2 {
		t.Errorf("the host heard renames %q, want Bo's two", got)
	}
}

// A spectator that sends thousands of renames (straight to the socket,
// each a new name) renames itself only at the talk rate; the players play
// on, identical, and only the sender is told it sends too fast.
func TestRenameFloodHurtsOnlyTheSender(t *testing.T) {
	ts, cs, spam, told := floodGame(t)
	go func() {
		for i := range 5000 {
			p := wire.AppendText(nil, wire.TextMsg{Text: fmt.Sprintf("spam%d", i)})
			if _, err := spam.Write(host.RawFrame(wire.FrameRename, p)); err != nil {
				return
			}
		}
	}()
	t0 := time.Now()
	playHonest(t, cs, 300, 120)
	requireNotDropped(t, ts, "p1", "p2")
	heard := len(ts.eventsOf("p1", session.EventRenamed))
	if limit := 20 + int(4*time.Since(t0).Seconds()) + 4; heard > limit {
		t.Errorf("p1 heard %d renames in %v, want at most %d", heard, time.Since(t0), limit)
	}
	if heard == 0 {
		t.Error("p1 heard none of the spectator's renames")
	}
	select {
	case <-told:
	case <-time.After(5 * time.Second):
		t.Error("the flooder was not told it sends too fast")
	}
}
