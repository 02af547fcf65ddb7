package session

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
)

// LagStat is what /lagstat and a lobby's status page show of a session:
// every player's path to the host and pace, the lag each pair of netpak
// players needs (an input goes from its author through the host to the
// other: half of each round trip, plus both jitters), each direct core's
// (which sends no pings: the lag its reports of how early its inputs
// reach it call for), in golf what the golfer's lag 0 asks of the others
// (lockstep.NetworkNeed), and the most any of them calls for.
type LagStat struct {
	Players []LagRow   // the members with ports, in the order given
	Pairs   []PairNeed // every pair of netpak players
	// GolfNeed is, in golf, what the golfer's lag 0 asks of the others,
	// when that is more than any pair needs; 0 otherwise.
	GolfNeed uint8
	Need     uint8 // the most the network calls for: pairs, golf, cores
	// Unmeasured says a direct core's need is not known yet: Need is what
	// is measured so far.
	Unmeasured bool
	Lag        uint8 // the lag the session plays at
}

// LagRow is one player of a LagStat, with its numbers as text: "-"
// where not known (a direct core sends no pings; no pace outside a game).
type LagRow struct {
	Member
	Ping, Jitter, Pace, Waited string
}

// newLagRow formats m's numbers.
func newLagRow(m Member) LagRow {
	row := LagRow{Member: m, Ping: "-", Jitter: "-", Pace: "-", Waited: FormatWait(m.WaitedMillis)}
	if !m.Core {
		row.Ping, row.Jitter = formatMillis(m.RTTMillis), formatMillis(m.JitterMillis)
	}
	if m.PaceKnown {
		row.Pace = fmt.Sprintf("%.1f", float64(m.PaceTenths)/10)
	}
	return row
}

// FormatWait formats how long the others waited on a player: "0 ms",
// "850 ms", "2.5 s".
func FormatWait(ms uint32) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// formatMillis formats a duration in whole milliseconds; loopback is
// "<1 ms".
func formatMillis(ms uint16) string {
	if ms == 0 {
		return "<1 ms"
	}
	return fmt.Sprintf("%d ms", ms)
}

// PairNeed is the lag two netpak players need between them.
type PairNeed struct {
	A   string `json:"a"`
	B   string `json:"b"`
	Lag uint8  `json:"lag"`
}

// NewLagStat sums up members of a session that plays at lag (in golf if
// golf).
func NewLagStat(members []Member, lag uint8, golf bool) LagStat {
	st := LagStat{Lag: lag}
	var paths []lockstep.Path
	names := map[uint16]string{}
	for _, m := range members {
		if m.Ports == 0 {
			continue
		}
		st.Players = append(st.Players, newLagRow(m))
		switch {
		case !m.Core:
			paths = append(paths, lockstep.Path{ID: m.ID, RTT: max(uint32(m.RTTMillis)*1000, 1), Jitter: uint32(m.JitterMillis) * 1000})
			names[m.ID] = m.Name
		case m.NeedKnown:
			st.Need = max(st.Need, m.NeedLag)
		default:
			st.Unmeasured = true
		}
	}
	for i, a := range paths {
		for _, b := range paths[i+1:] {
			st.Pairs = append(st.Pairs, PairNeed{A: names[a.ID], B: names[b.ID], Lag: max(lockstep.PairLag(a, b), lockstep.PairLag(b, a))})
		}
	}
	need, _ := lockstep.NetworkNeed(paths, golf)
	if pairs, _ := lockstep.WorstPair(paths); need > pairs {
		st.GolfNeed = need
	}
	st.Need = max(st.Need, need)
	return st
}

// Short reports whether the session plays below what the network calls
// for, so that the game will wait for inputs.
func (st LagStat) Short() bool { return len(st.Players) >= 2 && st.Lag < st.Need }
