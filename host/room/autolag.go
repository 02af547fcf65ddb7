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
func (s *Room) autoLagLocked() {
	if !s.autoLagOn || s.state == stateEnded {
		return
	}
	var paths []lockstep.Path
	for _, m := range s.members {
		if m.ports != 0 && m.core == nil {
			paths = append(paths, lockstep.Path{ID: m.id, RTT: m.rtt, Jitter: m.rttDev})
		}
	}
	need, furthest := lockstep.WorstPair(paths)
	lag, changed := s.autoLag.Observe(need, lockstep.LowerPair(paths))
	if !changed || lag == s.game.Sched.Last().Lag {
		return
	}
	e := s.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseAutoLag, furthest
	if err := s.scheduleLocked(e); err != nil {
		s.autoLag.Lag = s.game.Sched.Last().Lag // try again at the next measurement
	}
}

// handleAutoLagLocked turns autolag on or off for a player.
func (s *Room) handleAutoLagLocked(m *Member, p []byte) error {
	on, err := wire.ParseU8(p)
	if err != nil || on > 1 {
		return fmt.Errorf("parse autolag: %w", wire.ErrBadValue)
	}
	if err := s.requirePlayerLocked(m); err != nil {
		s.noticeLocked(m, err)
		return nil
	}
	s.autoLagOn = on == 1
	s.autoLag = lockstep.AutoLag{Lag: s.game.Sched.Last().Lag}
	state := "off"
	if s.autoLagOn {
		state = "on"
	}
	s.noticeAllLocked(fmt.Sprintf("%s turned autolag %s", m.name, state))
	return nil
}

// noticeAllLocked tells every member, and the host's events, text.
func (s *Room) noticeAllLocked(text string) {
	s.broadcastLocked(wire.FrameNotice, wire.AppendText(nil, wire.TextMsg{Text: text}), nil)
	s.eventLocked(session.Event{Kind: session.EventNotice, Text: text})
}
