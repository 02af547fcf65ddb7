package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
)

// autoSyncEvery is how often a host with host_wins and autostart looks,
// in the lobby, for players whose saves or cheats differ from its own.
const autoSyncEvery = 250 * time.Millisecond

// syncForAutostart makes autostart do what /start does with host_wins:
// while the session waits in the lobby with autostart's players in, it
// sends the host's saves and cheats to every player who differs, and the
// host's autostart, which refuses while anyone differs, starts the game
// once they announce the host's files. It tries each set of differences
// once: a player whose files cannot be written, or who differs in what no
// sync can send (a ROM), is named once, and tried again only when what
// differs changes. It runs until l's client ends.
func (s *Session) syncForAutostart(l *live, players int) {
	tick := time.NewTicker(autoSyncEvery)
	defer tick.Stop()
	tried := ""
	for {
		select {
		case <-l.c.Done():
			return
		case <-tick.C:
		}
		st := l.c.Status()
		if st.Playing || playerCount(st.Members) < players {
			continue
		}
		rows := l.c.Check()
		if !anyFixable(rows) {
			continue
		}
		if what := differences(rows); what != tried {
			tried = what
			s.print("host_wins: sending the host's saves and cheats to the players who differ, then autostart starts")
			ctx, cancel := context.WithTimeout(context.Background(), syncWait)
			if err := s.syncPlayers(ctx, l, ""); err != nil {
				s.print("host_wins: " + err.Error())
			}
			cancel()
		}
	}
}

// anyFixable reports whether a player whose manifest is known differs
// from the host in saves or cheats alone, which a sync can send.
func anyFixable(rows []client.CheckRow) bool {
	for _, r := range rows {
		if r.Known && r.Mismatch != nil && !r.NoROM && !r.Mismatch.Missing && !r.Mismatch.ROMDiffers() {
			return true
		}
	}
	return false
}

// differences names what differs from the host, player by player, with
// the hashes: a player who joins again with the files a sync replaced
// differs anew.
func differences(rows []client.CheckRow) string {
	var b strings.Builder
	for _, r := range mismatches(rows, "") {
		fmt.Fprintf(&b, "%d %s %v\n", r.Member.ID, r.Member.Name, r.Mismatch.Diffs)
	}
	return b.String()
}

// playerCount counts the members who play a port.
func playerCount(ms []session.Member) int {
	n := 0
	for _, m := range ms {
		if m.Ports != 0 {
			n++
		}
	}
	return n
}
