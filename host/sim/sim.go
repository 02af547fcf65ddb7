package sim

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
)

// State is the simulated game's state: how many polls it ran and the hash
// of every input it consumed.
type State struct {
	Polls uint32
	Hash  uint64
}

// NewState returns the state before the first poll.
func NewState() State { return State{Hash: 0x6e657470616b} } // "netpak"

// Step consumes one poll's inputs.
func (s *State) Step(in [session.NumPorts]session.Input) {
	for k, x := range in {
		v := uint64(x.Keys)<<8 | uint64(x.Pak) | uint64(k)<<40
		s.Hash = bits.RotateLeft64(s.Hash^v, 27) * 0x9e3779b97f4a7c15
	}
	s.Polls++
}

// String formats the hash as players compare it.
func (s State) String() string { return fmt.Sprintf("%016x", s.Hash) }

// Script decides what a simulated player presses: varied pseudo-random
// buttons and stick positions, and the golf button every GolfEvery polls
// (never, if 0), at a different phase for each port.
type Script struct {
	Seed      uint64
	GolfEvery uint32
	GolfMask  uint32 // buttons the script keeps off except on golf presses
}

// Press returns the press of port at poll.
func (sc Script) Press(port int, poll uint32) session.Input {
	r := splitmix(sc.Seed ^ uint64(port)<<32 ^ uint64(poll))
	keys := uint32(r) &^ sc.golfMask()
	if sc.GolfEvery > 0 && (poll+uint32(port)*sc.GolfEvery/4)%sc.GolfEvery == 0 {
		keys |= sc.golfMask()
	}
	return session.Input{Keys: keys}
}

func (sc Script) golfMask() uint32 {
	if sc.GolfMask == 0 {
		return session.DefaultGolfMask
	}
	return sc.GolfMask
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Config says how long and how fast a simulated player plays.
type Config struct {
	Polls  uint32  // the game ends after this poll
	Rate   float64 // polls per second (a rejoined player's replay runs unpaced); 0 runs as fast as lockstep allows
	Script Script
	// OnPoll, if set, is called after every poll with the inputs consumed.
	OnPoll func(poll uint32, in [session.NumPorts]session.Input)
	// OnPress, if set, is called as each poll's presses are made, just
	// before they go to the client (which publishes them for poll+lag).
	OnPress func(poll uint32)
	// OnStall, if set, is called after every poll counted in
	// Result.Stalls, as it happens.
	OnStall func()
}

// Result is how a simulated player's game ended.
type Result struct {
	State State
	First uint32 // the first poll consumed (late spectators start later)
	// Stalls counts the polls that came late, stallGap after the one
	// before, and Waited the time they came later than a poll period. A
	// wait within the poll period (inputs that arrive in the frame that
	// uses them, at the smallest lag a network allows) delays no poll.
	Stalls int
	Waited time.Duration
	Worst  time.Duration // the longest wait of one poll, late or not
}

// stallGap is how long after the one before a poll at rate polls/s comes
// late: half a period more than the period, and 2 ms more for the clock's
// own jitter (an unpaced player's poll is late when it waits 2 ms).
func stallGap(rate float64) time.Duration {
	gap := 2 * time.Millisecond
	if rate > 0 {
		gap += time.Duration(1.5 * float64(time.Second) / rate)
	}
	return gap
}

// Run plays the game on c until poll cfg.Polls, or until ctx ends or the
// client stops.
func Run(ctx context.Context, c *client.Client, cfg Config) (Result, error) {
	var res Result
	res.State = NewState()
	var tick *time.Ticker
	if cfg.Rate > 0 {
		tick = time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
		defer tick.Stop()
	}
	var last time.Time // when the last poll ended
	first := true
	game := c.GamesEnded() // the game this run plays: it ends with it
	for {
		next := c.Status().Poll
		if !first && next >= cfg.Polls {
			return res, nil
		}
		var presses [session.NumPorts]session.Input
		for k := range session.NumPorts {
			presses[k] = cfg.Script.Press(k, next)
		}
		if cfg.OnPress != nil {
			cfg.OnPress(next)
		}
		t0 := time.Now()
		p, in, err := c.PollGame(ctx, game, presses)
		if err != nil {
			return res, fmt.Errorf("poll %d: %w", next, err)
		}
		end := time.Now()
		if first {
			res.First, first = p, false
		} else if res.noteWait(t0, end, last, cfg.Rate) && cfg.OnStall != nil {
			cfg.OnStall()
		}
		last = end
		if p >= cfg.Polls {
			return res, nil
		}
		res.State.Step(in)
		if cfg.OnPoll != nil {
			cfg.OnPoll(p, in)
		}
		if tick != nil && !c.CatchingUp() {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
	}
}

// noteWait records a poll that began at t0 and ended at end, the poll
// before it having ended at last, at rate polls/s (0: unpaced), and
// reports whether it was a stall.
func (r *Result) noteWait(t0, end, last time.Time, rate float64) bool {
	r.Worst = max(r.Worst, end.Sub(t0))
	gap, period := end.Sub(t0), time.Duration(0)
	if rate > 0 {
		gap, period = end.Sub(last), time.Duration(float64(time.Second)/rate)
	}
	if gap <= stallGap(rate) {
		return false
	}
	r.Stalls++
	r.Waited += gap - period
	return true
}
