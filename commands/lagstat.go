package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// LagStatText formats /lagstat: every player's round trip to the host, its
// jitter, how fast its inputs came over the last seconds of the game
// (polls/s) and how long the others waited for them in this game, then
// the lag each pair of players needs (an input goes from
// its author through the host to the other: half of each round trip, plus
// both jitters), the worst of them, and the session's lag.
func LagStatText(members []session.Member, lag uint8) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tPING\tJITTER\tPOLLS/S\tOTHERS WAITED")
	var paths []lockstep.Path
	names := map[uint16]string{}
	for _, m := range members {
		if m.Ports == 0 {
			continue
		}
		ping, jitter := millis(m.RTTMillis), millis(m.JitterMillis)
		if m.Core {
			ping, jitter = "-", "-" // a direct core does not report its round trip
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Ports, ping, jitter, pace(m), waited(m.WaitedMillis))
		if !m.Core {
			paths = append(paths, lockstep.Path{ID: m.ID, RTT: max(uint32(m.RTTMillis)*1000, 1), Jitter: uint32(m.JitterMillis) * 1000})
			names[m.ID] = m.Name
		}
	}
	tw.Flush()
	for i, a := range paths {
		for _, p := range paths[i+1:] {
			fmt.Fprintf(&b, "  %s and %s need lag %d\n", names[a.ID], names[p.ID], max(lockstep.PairLag(a, p), lockstep.PairLag(p, a)))
		}
	}
	worst, _ := lockstep.WorstPair(paths)
	fmt.Fprintf(&b, "the worst pair needs lag %d; the session plays at lag %d", worst, lag)
	switch {
	case len(paths) < 2:
		b.WriteString(" (one player: nothing to wait for)")
	case lag < worst:
		b.WriteString(": expect the game to wait for inputs (/autolag follows the network)")
	}
	return b.String()
}

// pace formats how fast a player's inputs came; "-" outside a game.
func pace(m session.Member) string {
	if !m.PaceKnown {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(m.PaceTenths)/10)
}

// waited formats how long the others waited on a player in this game.
func waited(ms uint32) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// millis formats a duration in whole milliseconds; loopback is "<1 ms".
func millis(ms uint16) string {
	if ms == 0 {
		return "<1 ms"
	}
	return fmt.Sprintf("%d ms", ms)
}
