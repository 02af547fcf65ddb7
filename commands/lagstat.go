package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host/session"
)

// LagStatText formats /lagstat (session.LagStat): every player's round
// trip to the host, its jitter, how fast its inputs came over the last
// seconds of the game (polls/s) and how long the others waited for them in
// this game, then the lag each pair of players and each direct core needs,
// in golf what the golfer's lag 0 asks of the others, the most any of them
// calls for, and the session's lag.
func LagStatText(members []session.Member, lag uint8, golf bool) string {
	st := session.NewLagStat(members, lag, golf)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tPING\tJITTER\tPOLLS/S\tOTHERS WAITED")
	for _, m := range st.Players {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Ports, m.Ping, m.Jitter, m.Pace, m.Waited)
	}
	tw.Flush()
	for _, p := range st.Pairs {
		fmt.Fprintf(&b, "  %s and %s need lag %d\n", p.A, p.B, p.Lag)
	}
	if st.GolfNeed > 0 {
		fmt.Fprintf(&b, "  in golf, the others need lag %d, so that the golfer's lag 0 does not slow them\n", st.GolfNeed)
	}
	for _, c := range st.Players {
		switch {
		case !c.Core:
		case c.NeedKnown:
			fmt.Fprintf(&b, "  %s needs lag %d (a direct core: from how early its inputs reach it)\n", c.Name, c.NeedLag)
		default:
			fmt.Fprintf(&b, "  %s: not measured yet (a direct core sends no pings; its reports in a game show what it needs)\n", c.Name)
		}
	}
	measured := "the network calls for"
	if st.Unmeasured {
		measured = "what is measured so far calls for"
	}
	fmt.Fprintf(&b, "%s lag %d; the session plays at lag %d", measured, st.Need, lag)
	switch {
	case len(st.Players) < 2:
		b.WriteString(" (one player: nothing to wait for)")
	case st.Short():
		b.WriteString(": expect the game to wait for inputs (/autolag follows the network)")
	}
	return b.String()
}
