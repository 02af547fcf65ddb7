package latency_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

const (
	paceRate  = 60
	paceJit   = 5 * time.Millisecond // ± between two players
	fullSpeed = 59.5                 // polls/s that count as holding 60
	warmup    = 500 * time.Millisecond
	play      = 3 * time.Second
)

// paceResult is what one game through the lab measured.
type paceResult struct {
	pace            float64 // polls/s after the warmup, the slowest player's
	use, useMax     float64 // input-to-use delay, ms: mean and worst
	stallsPerPlayer float64
}

// BenchmarkPace measures how fast four simulated players (sim.Run at 60
// polls/s) play through the latency lab when inputs take d ± 5 ms from
// player to player: each player's link to the host delays d/2 ± 2.5 ms in
// each direction, so an input crosses two links. It plays about 3 s at
// every lag from 0 to the physical minimum + 1 and reports the pace next
// to the physical bound, and the input-to-use delay.
//
//	go test -run '^$' -bench BenchmarkPace -benchtime 1x ./host/latency
func BenchmarkPace(b *testing.B) {
	for _, d := range []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		phys := latency.MinLag(d, paceJit)
		held := -1
		for lag := 0; lag <= phys+1; lag++ {
			b.Run(fmt.Sprintf("d=%v/lag=%d", d, lag), func(b *testing.B) {
				var r paceResult
				for range b.N {
					r = playThroughLab(b, d, lag)
				}
				b.ReportMetric(r.pace, "polls/s")
				b.ReportMetric(latency.Bound(lag, d, paceJit), "bound-polls/s")
				b.ReportMetric(r.use, "use-ms")
				b.ReportMetric(r.useMax, "use-max-ms")
				b.ReportMetric(r.stallsPerPlayer, "stalls/player")
				if held < 0 && r.pace >= fullSpeed {
					held = lag
				}
			})
		}
		// The smallest lag that held full speed (-1: none did) next to
		// the physical minimum.
		b.Run(fmt.Sprintf("d=%v/min-lag", d), func(b *testing.B) {
			b.ReportMetric(float64(held), "lag-held-59.5")
			b.ReportMetric(float64(phys), "physical-min-lag")
		})
	}
}

// playThroughLab plays one game of four players at the given lag, each
// player behind its own link (d/2 ± paceJit/2 each way), and measures it.
// The input-to-use delay runs from a press on one player's machine (as sim
// makes it) to the end of the poll that uses it on another's.
func playThroughLab(b *testing.B, d time.Duration, lag int) paceResult {
	b.Helper()
	rate := latency.Bound(lag, d, paceJit)
	first := uint32(math.Ceil(warmup.Seconds() * rate))
	polls := first + uint32(math.Ceil(play.Seconds()*rate))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second+time.Duration(float64(polls)/rate*2*float64(time.Second)))
	defer cancel()

	const players = 4
	leg := latency.Shape{Delay: d / 2, Jitter: paceJit / 2}
	var links []*latency.Link
	for i := range players {
		links = append(links, latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)}))
	}
	cs := startLab(b, ctx, lag, links)

	// at[k][p] is when player k finished poll p, pressed[k][p] when it
	// made the press published for poll p+lag.
	at := make([][]time.Time, len(cs))
	pressed := make([][]time.Time, len(cs))
	res := make([]sim.Result, len(cs))
	errs := make([]error, len(cs))
	b.ResetTimer()
	var wg sync.WaitGroup
	for k, c := range cs {
		at[k], pressed[k] = make([]time.Time, polls), make([]time.Time, polls)
		wg.Go(func() {
			res[k], errs[k] = sim.Run(ctx, c, sim.Config{Polls: polls, Rate: paceRate, Script: sim.Script{Seed: 1},
				OnPress: func(p uint32) {
					if p < polls {
						pressed[k][p] = time.Now()
					}
				},
				OnPoll: func(p uint32, _ [session.NumPorts]session.Input) { at[k][p] = time.Now() }})
		})
	}
	wg.Wait()
	b.StopTimer()
	for k, err := range errs {
		if err != nil {
			b.Fatalf("player %d: %v", k+1, err)
		}
		if res[k].State != res[0].State {
			b.Fatalf("player %d finished in state %v, player 1 in %v", k+1, res[k].State, res[0].State)
		}
	}
	return measure(at, pressed, first, lag, res)
}

func measure(at, pressed [][]time.Time, first uint32, lag int, res []sim.Result) paceResult {
	polls := uint32(len(at[0]))
	r := paceResult{pace: math.Inf(1)}
	for k := range at {
		span := at[k][polls-1].Sub(at[k][first]).Seconds()
		r.pace = min(r.pace, float64(polls-1-first)/span)
		r.stallsPerPlayer += float64(res[k].Stalls) / float64(len(at))
	}
	var sum, worst time.Duration
	n := 0
	for a := range at {
		for u := range at {
			if a == u {
				continue
			}
			for p := first; p+uint32(lag) < polls; p++ {
				d := at[u][p+uint32(lag)].Sub(pressed[a][p])
				sum += d
				worst = max(worst, d)
				n++
			}
		}
	}
	r.use = float64(sum) / float64(n) / float64(time.Millisecond)
	r.useMax = float64(worst) / float64(time.Millisecond)
	return r
}

// autoLagPlay is how long BenchmarkAutoLag plays; autoLagSettle, how long
// it gives autolag to find its lag before counting changes.
const (
	autoLagPlay   = 3 * time.Minute
	autoLagSettle = 15 * time.Second
)

// BenchmarkAutoLag plays four simulated players through the lab at
// d ± 5 ms for three minutes with autolag on, starting from lag 5, and
// reports the lag autolag settled on next to the physical minimum, how
// many times it changed the lag after the first 15 s (0: stable), and the
// pace after that:
//
//	go test -run '^$' -bench BenchmarkAutoLag -benchtime 1x -timeout 30m ./host/latency
func BenchmarkAutoLag(b *testing.B) {
	for _, d := range []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		b.Run(fmt.Sprintf("d=%v", d), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), autoLagPlay+time.Minute)
			defer cancel()
			leg := latency.Shape{Delay: d / 2, Jitter: paceJit / 2}
			var links []*latency.Link
			for i := range 4 {
				links = append(links, latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)}))
			}
			cs := startLabHost(b, ctx, host.Config{Lag: 5, AutoLag: true}, links)
			polls := uint32(autoLagPlay.Seconds() * paceRate)
			var settledAt time.Time
			var settledPoll uint32
			lags, changes := watchLag(cs[0], autoLagSettle, autoLagPlay)
			var wg sync.WaitGroup
			errs := make([]error, len(cs))
			res := make([]sim.Result, len(cs))
			start := time.Now()
			for k, c := range cs {
				wg.Go(func() {
					res[k], errs[k] = sim.Run(ctx, c, sim.Config{Polls: polls, Rate: paceRate, Script: sim.Script{Seed: 1},
						OnPoll: func(p uint32, _ [session.NumPorts]session.Input) {
							if k == 0 && settledAt.IsZero() && time.Since(start) >= autoLagSettle {
								settledAt, settledPoll = time.Now(), p
							}
						}})
				})
			}
			wg.Wait()
			for k, err := range errs {
				if err != nil {
					b.Fatalf("player %d: %v", k+1, err)
				}
				if res[k].State != res[0].State {
					b.Fatalf("player %d finished in state %v, player 1 in %v", k+1, res[k].State, res[0].State)
				}
			}
			final := <-lags
			b.ReportMetric(float64(final), "lag")
			b.ReportMetric(float64(latency.MinLag(d, paceJit)), "physical-min-lag")
			b.ReportMetric(float64(<-changes), "changes-after-15s")
			b.ReportMetric(float64(polls-1-settledPoll)/time.Since(settledAt).Seconds(), "polls/s")
		})
	}
}

// watchLag samples c's lag every 250 ms for play and sends its last lag and
// how many times it changed after settle.
func watchLag(c *client.Client, settle, play time.Duration) (<-chan uint8, <-chan int) {
	last, changes := make(chan uint8, 1), make(chan int, 1)
	go func() {
		start := time.Now()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		lag, n := c.Status().Lag, 0
		for time.Since(start) < play {
			<-t.C
			if l := c.Status().Lag; l != lag {
				lag = l
				if time.Since(start) > settle {
					n++
				}
			}
		}
		last <- lag
		changes <- n
	}()
	return last, changes
}
