package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host"
)

// CheckText formats rows as /check prints them: one row per player with a
// tick (ascii: "ok") or what differs from the host, then what to do.
func CheckText(rows []host.CheckRow, ascii bool) string {
	tick := "✓"
	if ascii {
		tick = "ok"
	}
	hostKnown := false
	for _, r := range rows {
		if r.Member.Host {
			hostKnown = r.Known
		}
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPORTS\tROM, SAVES AND CHEATS")
	differ := 0
	for _, r := range rows {
		var what string
		switch {
		case r.Member.Host && hostKnown:
			what = "the host's: the reference"
		case r.Member.Host:
			what = "the host's: no rom, nothing to compare"
		case !hostKnown:
			what = "-"
		case r.Mismatch == nil:
			what = tick
		case r.Mismatch.Missing:
			what, differ = "announced nothing (no rom in their session file?)", differ+1
		default:
			what, differ = diffText(r.Mismatch), differ+1
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Member.Name, r.Member.Ports, what)
	}
	tw.Flush()
	switch {
	case !hostKnown:
		b.WriteString("the host plays netpak's simulated game: there is nothing to compare")
	case differ > 0:
		fmt.Fprintf(&b, "%d player%s differ%s from the host: /sync sends the host's saves and cheats", differ, plural(differ), verbS(differ))
	default:
		b.WriteString("everyone matches the host: /start when ready")
	}
	return b.String()
}

func diffText(mm *host.Mismatch) string {
	parts := make([]string, len(mm.Diffs))
	for i, d := range mm.Diffs {
		parts[i] = d.String()
	}
	return strings.Join(parts, "; ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
