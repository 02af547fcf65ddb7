package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host/session"
)

// WhoText formats st as /who prints it: the session line, one row per
// member, how many play and watch, and a VPN host's tunnel peers.
func WhoText(st State) string {
	var b strings.Builder
	golf := golfText(st)
	where := st.Addr
	if st.Hosting {
		where = "hosting " + st.Addr
	}
	fmt.Fprintf(&b, "session %s, %s, %s, %s", where, st.Phase, lagText(st), golf)
	if st.Phase == Playing {
		fmt.Fprintf(&b, ", poll %s at %.1f polls/s", session.Thousands(st.Poll), st.Pace)
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
	b.WriteString(memberCount(st.Members) + "\n")
	if seats := roomSeats(st); seats != "" {
		b.WriteString(seats + "\n")
	}
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

// memberCount says how many members play and how many watch, e.g.
// "2 players, 1 spectator".
func memberCount(ms []session.Member) string {
	players, spectators := 0, 0
	for _, m := range ms {
		if m.Spectator {
			spectators++
		} else {
			players++
		}
	}
	s := count(players, "player")
	if spectators > 0 {
		s += ", " + count(spectators, "spectator")
	}
	return s
}

// count writes n and noun, in the plural unless n is 1: "no players",
// "1 player", "2 players".
func count(n int, noun string) string {
	switch n {
	case 0:
		return "no " + noun + "s"
	case 1:
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// roomSeats lists a room's lobby players who are not in the session, e.g.
// "in the room's lobby: 1 rosa, 3 Bob (their emulators join the session
// when the game begins)"; "" when there are none.
func roomSeats(st State) string {
	in := map[string]bool{}
	for _, m := range st.Members {
		in[m.Name] = true
	}
	var waiting []string
	for i, n := range st.Room {
		if n != "" && !in[n] {
			waiting = append(waiting, fmt.Sprintf("%d %s", i+1, n))
		}
	}
	if len(waiting) == 0 {
		return ""
	}
	return "in the room's lobby: " + strings.Join(waiting, ", ") + " (their emulators join the session when the game begins)"
}
