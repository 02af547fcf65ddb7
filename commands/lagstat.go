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
// the lag each pair of players needs (an input goes from its author
// through the host to the other: half of each round trip, plus both
// jitters) and each direct core's (which sends no pings: the lag its
// reports of how early its inputs reach it call for), in golf what the
// golfer's lag 0 asks of the others (lockstep.NetworkNeed), the most any
// of them calls for, and the session's lag.
func LagStatText(members []session.Member, lag uint8, golf bool) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tPING\tJITTER\tPOLLS/S\tOTHERS WAITED")
	var paths []lockstep.Path
	var cores []session.Member
	names := map[uint16]string{}
	players := 0
	for _, m := range members {
		if m.Ports == 0 {
			continue
		}
		players++
		ping, jitter := millis(m.RTTMillis), millis(m.JitterMillis)
		if m.Core {
			ping, jitter = "-", "-"
			cores = append(cores, m)
		} else {
			paths = append(paths, lockstep.Path{ID: m.ID, RTT: max(uint32(m.RTTMillis)*1000, 1), Jitter: uint32(m.JitterMillis) * 1000})
			names[m.ID] = m.Name
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Ports, ping, jitter, pace(m), waited(m.WaitedMillis))
	}
	tw.Flush()
	for i, a := range paths {
		for _, p := range paths[i+1:] {
			fmt.Fprintf(&b, "  %s and %s need lag %d\n", names[a.ID], names[p.ID], max(lockstep.PairLag(a, p), lockstep.PairLag(p, a)))
		}
	}
	worst, _ := lockstep.NetworkNeed(paths, golf)
	if pairs, _ := lockstep.WorstPair(paths); worst > pairs {
		fmt.Fprintf(&b, "  in golf, the others need lag %d, so that the golfer's lag 0 does not slow them\n", worst)
	}
	measured := "the network calls for"
	for _, c := range cores {
		if !c.NeedKnown {
			fmt.Fprintf(&b, "  %s: not measured yet (a direct core sends no pings; its reports in a game show what it needs)\n", c.Name)
			measured = "what is measured so far calls for"
			continue
		}
		fmt.Fprintf(&b, "  %s needs lag %d (a direct core: from how early its inputs reach it)\n", c.Name, c.NeedLag)
		worst = max(worst, c.NeedLag)
	}
	fmt.Fprintf(&b, "%s lag %d; the session plays at lag %d", measured, worst, lag)
	switch {
	case players < 2:
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
