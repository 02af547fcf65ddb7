package room

import (
	"fmt"
	"time"

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
// inputs reach them (lockstep.CoresLag). A lag at which the cores waited
// and the game fell short of full speed is not fallen to again in that
// game: a core's reports count whole polls, and a lag that holds on
// average but not always would be left and taken again for good.
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
	lower := lockstep.LowerPair(paths)
	n, l, id, cores := r.coresNeedLocked()
	old := r.game.Sched.Last().Lag
	switch {
	case cores:
		if n > need || furthest == 0 {
			need, furthest = n, id
		}
		lower = max(lower, l, need, r.coreFloor)
	case furthest == 0:
		return // nothing measured: not known is not "lag 0 will do"
	}
	lag, changed := r.autoLag.Observe(need, lower)
	if !changed || lag == old {
		return
	}
	if cores && n > old && lag > old {
		r.coreFloor = lag // the cores were too slow at old
	}
	e := r.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseAutoLag, furthest
	if err := r.scheduleLocked(e); err != nil {
		r.autoLag.Lag = r.game.Sched.Last().Lag // try again at the next measurement
	}
}

// coresNeedLocked is the lag the direct cores playing need, the lag they
// may fall to, and the core that needs the most (lockstep.CoresLag); ok
// is false when none reported anything.
func (r *Room) coresNeedLocked() (need, lower uint8, furthest uint16, ok bool) {
	if r.state != statePlaying {
		return 0, 0, 0, false
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
	need, lower, worst, ok := lockstep.CoresLag(r.game.Sched.Last().Lag, health, author, r.pace.slow(r.game.Poll(), r.now()))
	if !ok {
		return 0, 0, 0, false
	}
	return need, lower, cores[worst].id, true
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
	r.coreFloor = 0
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

// paceWindow is the game's progress at the last autolag measurements, to
// tell whether it holds full speed.
type paceWindow struct {
	polls [paceSamples]uint32
	at    [paceSamples]time.Time
	n     int
}

// paceSamples spans two seconds of measurements: a poll more or less is
// half a poll per second.
const paceSamples = 5

// fullSpeed is the pace below which a game counts as slowed, polls/s: a
// lag too low for the network costs many polls a second (at 40 ms, lag 1
// plays 44), and a lag the cores hold with waits inside their frames
// plays within a poll of 60 over two seconds, now and then less.
const fullSpeed = 58

// slow records the game at poll at now and reports whether it fell short
// of full speed over the window. A window not yet full, or across the
// start of a game, is not slow: not known.
func (w *paceWindow) slow(poll uint32, now time.Time) bool {
	i := w.n % paceSamples
	oldest := (w.n + 1) % paceSamples
	w.polls[i], w.at[i] = poll, now
	w.n++
	if w.n < paceSamples || poll < w.polls[oldest] {
		return false
	}
	secs := now.Sub(w.at[oldest]).Seconds()
	return secs > 0 && float64(poll-w.polls[oldest])/secs < fullSpeed
}
