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
// everywhere and is announced, naming the player furthest away. netpak
// players measure their round trips; direct cores report how early their
// inputs reach them (lockstep.CoresLag).
//
// The network's delay is not all an input has to beat: a real emulator
// spends part of each frame emulating before it can wait, and that shows
// only in the game's pace. So a game that falls short of full speed at
// the lag the network calls for gets one poll more, and the lag it fell
// short at is not taken again while the network stays as it was (a core's
// reports count whole polls, and a lag that holds on average but not
// always would be left and taken again for good). A game slow at a lag
// the network does not need is slow for another reason (a player's
// machine), which no lag fixes. Likewise a lag autolag fell from and
// came back to is held for a while (lagFloor): a network whose need sits
// on the edge between two lags would otherwise be followed back and forth
// across it.
func (r *Room) autoLagLocked() {
	if r.state == stateEnded {
		return
	}
	paths := r.pathsLocked()
	pace, slow := r.paceLocked()
	if slow && r.raiseSeatLagLocked(pace) {
		return
	}
	if !r.autoLagOn {
		r.tellSlowLocked(pace, slow, paths)
		return
	}
	golf := r.game.Sched.Last().Golf
	need, furthest := lockstep.NetworkNeed(paths, golf)
	lower := max(lockstep.LowerNeed(paths, golf), need)
	old := r.game.Sched.Last().Lag
	base := need
	if slow && furthest != 0 && need == old && old < 255 {
		need = old + 1
	}
	if c, ok := r.coresNeedLocked(slow); ok {
		base = max(base, c.base)
		if c.need > need || furthest == 0 {
			need, furthest = c.need, c.furthest
		}
		lower = max(lower, c.lower)
	} else if furthest == 0 {
		return // nothing measured: not known is not "lag 0 will do"
	}
	// A fall must fit the pairs' round trips now and over the steady
	// window, and the cores' median need over theirs (NeedWindow.Lower),
	// whatever the cores need now.
	now := r.now()
	lower = max(lower, r.floor.at(base, now))
	lag, changed := r.autoLag.Observe(need, lower)
	if !changed || lag == old {
		return
	}
	r.floor.follow(old, lag, slow, now)
	// No round trip calls for a lag the pace raised: nobody is the
	// furthest (Actor 0), and a notice says what calls for it.
	paced := slow && lag > base
	if paced {
		furthest = 0
	}
	e := r.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseAutoLag, furthest
	if err := r.scheduleLocked(e); err != nil {
		r.autoLag.Lag = r.game.Sched.Last().Lag // try again at the next measurement
		return
	}
	if paced {
		r.noticeAllLocked(fmt.Sprintf("autolag: the game played %.1f polls/s at lag %d, short of full speed; lag %d", pace, old, lag))
	}
}

// pathsLocked is every netpak player's measured path to the host.
func (r *Room) pathsLocked() []lockstep.Path {
	var paths []lockstep.Path
	for _, m := range r.members {
		if m.ports != 0 && m.core == nil {
			p := lockstep.Path{ID: m.id, RTT: m.rtt, Jitter: m.rttDev}
			p.SteadyRTT, p.SteadyJitter = m.rtts.Steady()
			paths = append(paths, p)
		}
	}
	return paths
}

// paceLocked records the game's progress and reports whether it fell
// short of full speed (paceWindow.slow).
func (r *Room) paceLocked() (pace float64, slow bool) {
	if r.state != statePlaying {
		return 0, false
	}
	return r.pace.slow(r.game.Poll(), r.now())
}

// tellSlowLocked tells everyone, once until the lag changes or the game
// held full speed for a whole pace window, that it falls short of full
// speed at the lag a player set, and which lag the network calls for
// (the cores' median need, as /lagstat shows it): with autolag off,
// nothing else would say why the game crawls. It measures the direct
// cores' needs all the same, for /lagstat.
func (r *Room) tellSlowLocked(pace float64, slow bool, paths []lockstep.Path) {
	need, furthest := lockstep.NetworkNeed(paths, r.game.Sched.Last().Golf)
	c, cores := r.coresNeedLocked(false)
	if cores {
		need = max(need, c.lower)
	}
	if !slow {
		if r.pace.full() {
			r.toldSlow = false
		}
		return
	}
	if r.toldSlow {
		return
	}
	r.toldSlow = true
	lag := r.game.Sched.Last().Lag
	short := fmt.Sprintf("the game plays %.1f polls/s at lag %d, short of full speed", pace, lag)
	switch {
	case need > lag:
		r.noticeAllLocked(fmt.Sprintf("%s: the network calls for lag %d (/lag %d, or /autolag on to follow it)", short, need, need))
	case furthest != 0 || cores:
		r.noticeAllLocked(short + ", though the network calls for no more: /lagstat shows whose inputs the others wait for, and /autolag on tries a higher lag")
	default:
		r.noticeAllLocked(short + ": /lagstat shows whose inputs the others wait for")
	}
}

// coresNeed is what direct cores' reports ask of autolag.
type coresNeed struct {
	need     uint8  // see lockstep.CoresLag
	lower    uint8  // the least they may fall to, over r.coreNeeds
	base     uint8  // need, were the game at full speed
	furthest uint16 // the core that needs the most
}

// coresNeedLocked is what the direct cores playing need (lockstep.CoresLag),
// slow saying whether the game fell short of full speed; ok is false when
// none reported anything.
func (r *Room) coresNeedLocked(slow bool) (c coresNeed, ok bool) {
	if r.state != statePlaying {
		return c, false
	}
	var cores []*Member
	var health [][session.NumPorts]lockstep.CoreHealth
	author := [session.NumPorts]int{-1, -1, -1, -1}
	for _, m := range r.members {
		if m.core == nil || m.ports == 0 {
			continue
		}
		for k := range session.NumPorts {
			if r.owner[k] == m {
				author[k] = len(cores)
			}
		}
		cores = append(cores, m)
		health = append(health, m.core.TakeHealth())
	}
	lag := r.game.Sched.Last().Lag
	need, worst, ok := lockstep.CoresLag(lag, health, author, slow)
	if !ok {
		return c, false
	}
	r.coreNeeds.Add(need)
	c.base, _, _ = lockstep.CoresLag(lag, health, author, false)
	each, known := lockstep.EachCoreLag(lag, health, author)
	for i, m := range cores {
		if known[i] {
			m.coreNeeds.Add(each[i]) // for /lagstat
		}
		if own, ok := lockstep.OwnLag(r.game.Sched.Last().LagOf(m.id), health[i], author, i); ok {
			m.ownNeeds.Add(own) // for the golf seat
		}
	}
	return coresNeed{need: need, lower: r.coreNeeds.Lower(), base: c.base, furthest: cores[worst].id}, true
}

// handleAutoLagLocked turns autolag on or off for a player.
func (r *Room) handleAutoLagLocked(m *Member, p []byte) error {
	on, err := wire.ParseBool(p)
	if err != nil {
		return fmt.Errorf("parse autolag: %w", err)
	}
	if err := r.requirePlayerLocked(m); err != nil {
		r.noticeLocked(m, err)
		return nil
	}
	state := "off"
	if on {
		state = "on"
	}
	if r.autoLagOn == on {
		// Nothing changes: only the asker is told, and autolag keeps
		// what it learnt.
		r.noticeLocked(m, fmt.Errorf("autolag is %s already", state))
		return nil
	}
	r.setAutoLagLocked(on)
	r.autoLag = lockstep.AutoLag{Lag: r.game.Sched.Last().Lag}
	r.floor = lagFloor{}
	r.noticeAllLocked(fmt.Sprintf("%s turned autolag %s", m.name, state))
	return nil
}

// setAutoLagLocked turns autolag on or off and tells every member, whose
// /lag shows it.
func (r *Room) setAutoLagLocked(on bool) {
	r.autoLagOn = on
	r.broadcastLocked(wire.FrameAutoLagOn, []byte{wire.BoolByte(on)}, nil)
}

// noticeAllLocked tells every member, and the host's events, text.
func (r *Room) noticeAllLocked(text string) {
	r.broadcastLocked(wire.FrameNotice, wire.AppendText(nil, wire.TextMsg{Text: text}), nil)
	r.eventLocked(session.Event{Kind: session.EventNotice, Text: text})
}
