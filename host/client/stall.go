package client

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netpak/netpak/host/session"
)

// A game that stands still says why: whose input it waits for. A client
// whose game has not moved for stallAfter names the players whose input
// for the poll at hand has not arrived, once per stall, and says when the
// game moves on, so nobody stares at a frozen game without a word.

// stallAfter is how long a game stands still before a client says whom it
// waits for.
const stallAfter = time.Second

// stall follows the game's progress for stallLocked.
type stall struct {
	progress uint32    // the poll the game was at
	since    time.Time // when it got there
	told     string    // whom a notice said it waits for; "" when none did
}

// stallLocked returns a notice when the game has stood still at the same
// poll for stallAfter (whom it waits for), or moves on after one ("" when
// there is nothing to say).
func (ls *clientGame) stallLocked(now time.Time) string {
	st := &ls.stall
	progress := max(ls.next, ls.core.count)
	if !ls.playing || ls.catchUp != 0 {
		*st = stall{}
		return ""
	}
	if progress != st.progress || st.since.IsZero() {
		told, waited := st.told, now.Sub(st.since)
		*st = stall{progress: progress, since: now}
		if told != "" {
			return fmt.Sprintf("playing on: the game waited %.1f s for %s", waited.Seconds(), told)
		}
		return ""
	}
	if st.told != "" || now.Sub(st.since) < stallAfter {
		return ""
	}
	who := ls.missingLocked(progress)
	if who == "" {
		return ""
	}
	st.told = who
	return fmt.Sprintf("waiting for %s: no input for poll %s yet (%.0f s)", who, session.Thousands(progress), now.Sub(st.since).Seconds())
}

// missingLocked names whose input for poll p this client lacks: the
// players holding those ports, or "your emulator" for its own.
func (ls *clientGame) missingLocked(p uint32) string {
	var who []string
	for k := range session.NumPorts {
		if !ls.active.Has(k) || p >= ls.emptyFrom[k] || ls.streams[k].Holds(p) {
			continue
		}
		name := ""
		if ls.c.ports.Has(k) {
			name = "your emulator"
		}
		for _, m := range ls.roster {
			if name == "" && m.Ports.Has(k) {
				name = m.Name
			}
		}
		if name == "" {
			name = fmt.Sprintf("port %d", k+1)
		}
		if !slices.Contains(who, name) {
			who = append(who, name)
		}
	}
	return strings.Join(who, " and ")
}
