package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// WhoText formats st as /who prints it: the session line, then one row
// per member.
func WhoText(st State) string {
	var b strings.Builder
	golf := golfText(st)
	where := st.Addr
	if st.Hosting {
		where = "hosting " + st.Addr
	}
	fmt.Fprintf(&b, "session %s, %s, lag %d, %s", where, st.Phase, st.Lag, golf)
	if st.Phase == Playing {
		fmt.Fprintf(&b, ", poll %d", st.Poll)
	}
	if st.Self != 0 {
		path := "inputs over TCP"
		if st.UDP {
			path = "inputs over UDP"
		}
		fmt.Fprintf(&b, "; %s", path)
	}
	if st.Path != "" {
		fmt.Fprintf(&b, "; tunnel %s", st.Path)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tPING\tROLE")
	for _, m := range st.Members {
		ping := fmt.Sprintf("%d ms", m.RTTMillis)
		if m.ID == st.Self {
			ping = fmt.Sprintf("%d ms", st.RTT.Milliseconds())
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.Name, m.Ports, ping, role(m.Host, m.Spectator, m.ID == st.Self))
	}
	tw.Flush()
	if len(st.Peers) > 0 {
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  TUNNEL PEER\tPATH")
		for _, p := range st.Peers {
			fmt.Fprintf(tw, "  %v\t%s\n", p.Addr, p.Path)
		}
		tw.Flush()
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func role(isHost, spectator, self bool) string {
	var r []string
	switch {
	case isHost:
		r = append(r, "host")
	case spectator:
		r = append(r, "spectator")
	default:
		r = append(r, "player")
	}
	if self {
		r = append(r, "(you)")
	}
	return strings.Join(r, " ")
}
