package room

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// observeRTT records a round trip the member measured (microseconds); its
// roster entry shows the median of the recent ones and their spread.
func (m *Member) observeRTT(rtt uint32) {
	m.rtts.Add(rtt)
	m.rtt, m.rttDev = m.rtts.Estimate()
}

// autoLagLocked measures, twice a second, the lag every pair of players
// needs and follows it with hysteresis; a change lands on the same poll
// everywhere and is announced, naming the player furthest away. Direct
// cores do not measure their round trip, so only netpak players count.
func (r *Room) autoLagLocked() {
	if !r.autoLagOn || r.state == stateEnded {
		return
	}
	var paths []lockstep.Path
	for _, m := range r.members {
		if m.ports != 0 && m.core == nil {
			paths = append(paths, lockstep.Path{ID: m.id, RTT: m.rtt, Jitter: m.rttDev})
		}
	}
	need, furthest := lockstep.WorstPair(paths)
	lag, changed := r.autoLag.Observe(need, lockstep.LowerPair(paths))
	if !changed || lag == r.game.Sched.Last().Lag {
		return
	}
	e := r.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseAutoLag, furthest
	if err := r.scheduleLocked(e); err != nil {
		r.autoLag.Lag = r.game.Sched.Last().Lag // try again at the next measurement
	}
}

// handleAutoLagLocked turns autolag on or off for a player.
func (r *Room) handleAutoLagLocked(m *Member, p []byte) error {
	on, err := wire.ParseU8(p)
	if err != nil || on > 1 {
		return fmt.Errorf("parse autolag: %w", wire.ErrBadValue)
	}
	if err := r.requirePlayerLocked(m); err != nil {
		r.noticeLocked(m, err)
		return nil
	}
	r.autoLagOn = on == 1
	r.autoLag = lockstep.AutoLag{Lag: r.game.Sched.Last().Lag}
	state := "off"
	if r.autoLagOn {
		state = "on"
	}
	r.noticeAllLocked(fmt.Sprintf("%s turned autolag %s", m.name, state))
	return nil
}

// noticeAllLocked tells every member, and the host's events, text.
func (r *Room) noticeAllLocked(text string) {
	r.broadcastLocked(wire.FrameNotice, wire.AppendText(nil, wire.TextMsg{Text: text}), nil)
	r.eventLocked(session.Event{Kind: session.EventNotice, Text: text})
}
