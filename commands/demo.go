package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/lossy"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// DemoConfig says what `netpak demo` plays.
type DemoConfig struct {
	Players    int     // simulated players, 1-4
	Spectators int     // simulated spectators, 0-16
	Polls      uint32  // polls in the game
	Lag        uint8   // session lag
	AutoLag    bool    // the host follows the network with the lag from Lag, as /autolag
	Golf       bool    // golf mode on; every player presses Z now and then
	Loss       float64 // share of the host's datagrams dropped, duplicated and reordered, 0-0.9
	Rate       float64 // polls per second; 0 runs as fast as lockstep allows
	Seed       uint64  // for the script, the loss and the jitter
	// Delay is the one-way delay of each participant's link to the host,
	// in each direction; Jitter adds ±Jitter at random to each datagram
	// and TCP chunk. Between two players inputs take twice as long: one
	// leg in, one leg out (2×Delay ± 2×Jitter).
	Delay, Jitter time.Duration
	// StatusEvery is how often a status line is printed; 0 means 500 ms.
	StatusEvery time.Duration
}

// DefaultDemo returns the demo's defaults.
func DefaultDemo() DemoConfig {
	return DemoConfig{Players: 4, Polls: 3000, Lag: session.DefaultLag, AutoLag: true, Rate: 60, Seed: 1}
}

// ErrDesync means the demo's players finished in different states.
var ErrDesync = errors.New("the players finished in different states")

// Validate reports a demo setting out of range.
func (d DemoConfig) Validate() error {
	switch {
	case d.Players < 1 || d.Players > session.NumPorts:
		return fmt.Errorf("players: %d is not from 1 to %d", d.Players, session.NumPorts)
	case d.Spectators < 0 || d.Spectators > 16:
		return fmt.Errorf("spectators: %d is not from 0 to 16", d.Spectators)
	case d.Polls < 1:
		return fmt.Errorf("polls: play at least one poll")
	case d.Loss < 0 || d.Loss > 0.9:
		return fmt.Errorf("loss: %v is not from 0 to 0.9", d.Loss)
	case d.Rate < 0 || d.Rate > 10000:
		return fmt.Errorf("rate: %v is not from 0 to 10000 polls per second", d.Rate)
	case d.Delay < 0 || d.Delay > maxDemoDelay:
		return fmt.Errorf("delay: %v is not from 0 to %v", d.Delay, maxDemoDelay)
	case d.Jitter < 0 || d.Jitter > maxDemoDelay:
		return fmt.Errorf("jitter: %v is not from 0 to %v", d.Jitter, maxDemoDelay)
	}
	return nil
}

// maxDemoDelay bounds the demo's delay and jitter.
const maxDemoDelay = 2 * time.Second

var demoNames = []string{"Mario", "Luigi", "Peach", "Yoshi"}

// demoPlayer is one simulated participant.
type demoPlayer struct {
	name  string
	c     *client.Client
	poll  atomic.Uint32
	slow  atomic.Int64 // its stalls so far (sim.Result.Stalls)
	res   sim.Result
	err   error
	spect bool
}

// RunDemo hosts a session on loopback with simulated players, prints the
// lockstep live to out, and compares every participant's final state. It
// returns ErrDesync if they differ, or why a player failed.
func RunDemo(ctx context.Context, d DemoConfig, out io.Writer) error {
	if err := d.Validate(); err != nil {
		return err
	}
	ln, pc, port, err := listenPair("127.0.0.1", 0)
	if err != nil {
		return err
	}
	var upc net.PacketConn = pc
	if d.Loss > 0 {
		upc = lossy.Wrap(pc, lossy.Config{Drop: d.Loss, Dup: d.Loss, Reorder: d.Loss, Seed: d.Seed})
	}
	q := newEventQueue()
	h := host.New(host.Config{Lag: d.Lag, AutoLag: d.AutoLag, Golf: d.Golf, OnEvent: q.push})
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln, upc) }()
	defer func() { h.Close(); <-served }()

	fmt.Fprintf(out, "netpak demo: %s, %s (watchers), %d polls at %v polls/s, lag %d, autolag %s, golf %s, loss %.0f%% on port %d\n",
		count(d.Players, "player"), count(d.Spectators, "spectator"), d.Polls, d.Rate, d.Lag, onOff(d.AutoLag), onOff(d.Golf), d.Loss*100, port)
	if d.delayed() {
		fmt.Fprintln(out, delayLine(d))
	}
	ps, err := joinDemo(ctx, h, fmt.Sprintf("127.0.0.1:%d", port), d)
	defer func() {
		for _, p := range ps {
			p.c.Close()
		}
	}()
	if err != nil {
		return err
	}
	if err := ps[0].c.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	playDemo(ctx, d, ps, q, out, h)
	return reportDemo(d, ps, out)
}

func joinDemo(ctx context.Context, h *host.Host, addr string, d DemoConfig) ([]*demoPlayer, error) {
	var ps []*demoPlayer
	for i := range d.Players + d.Spectators {
		p := &demoPlayer{name: fmt.Sprintf("watcher%d", i-d.Players+1), spect: i >= d.Players}
		cfg := client.Config{Spectator: p.spect}
		if !p.spect {
			p.name = demoNames[i]
		}
		if i == 0 {
			cfg.OwnerKey = h.OwnerKey()
		}
		if d.delayed() {
			s := latency.Shape{Delay: d.Delay, Jitter: d.Jitter}
			cfg.Dial = latency.New(latency.Config{Out: s, In: s, Seed: d.Seed + uint64(i)}).Dial(nil)
		}
		cfg.Name = p.name
		c, err := client.Dial(ctx, addr, cfg)
		if err != nil {
			return ps, fmt.Errorf("%s joins: %w", p.name, err)
		}
		p.c = c
		ps = append(ps, p)
	}
	return ps, nil
}

// playDemo runs every participant's game and prints a status line every
// StatusEvery until all are done.
func playDemo(ctx context.Context, d DemoConfig, ps []*demoPlayer, q *eventQueue, out io.Writer, h *host.Host) {
	ctx, cancel := context.WithTimeout(ctx, demoTimeout(d))
	defer cancel()
	var wg sync.WaitGroup
	script := sim.Script{Seed: d.Seed}
	if d.Golf {
		script.GolfEvery = 180
	}
	for _, p := range ps {
		wg.Go(func() {
			p.res, p.err = sim.Run(ctx, p.c, sim.Config{Polls: d.Polls, Rate: d.Rate, Script: script,
				OnPoll:  func(poll uint32, _ [session.NumPorts]session.Input) { p.poll.Store(poll + 1) },
				OnStall: func() { p.slow.Add(1) }})
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	every := d.StatusEvery
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	seats := 0
	pace := paceMeter{at: time.Now()}
	for {
		select {
		case <-done:
			fmt.Fprintln(out, statusLine(d, ps, seats, h, &pace))
			return
		case <-q.ready:
			evs, _, _ := q.take()
			for _, e := range evs {
				if e.Kind == session.EventGolfSeat {
					seats++
					continue
				}
				fmt.Fprintln(out, e.String())
			}
		case <-tick.C:
			fmt.Fprintln(out, statusLine(d, ps, seats, h, &pace))
		}
	}
}

func demoTimeout(d DemoConfig) time.Duration {
	rate := d.Rate
	if d.delayed() {
		if rate == 0 || rate > d.bound() {
			rate = d.bound()
		}
	}
	if rate == 0 {
		return 10 * time.Minute
	}
	return time.Duration(float64(d.Polls)/rate*2*float64(time.Second)) + 30*time.Second
}

func (d DemoConfig) delayed() bool { return d.Delay > 0 || d.Jitter > 0 }

// worst is the longest an input can take from one player to another: two
// legs, each as slow as its jitter allows.
func (d DemoConfig) worst() time.Duration { return 2 * (d.Delay + d.Jitter) }

// bound is the fastest pace the network allows at the demo's lag, in polls
// per second: the input for poll p+lag leaves at poll p and must arrive
// before poll p+lag, so lag+1 polls take at least worst().
func (d DemoConfig) bound() float64 {
	return float64(d.Lag+1) / d.worst().Seconds()
}

// delayLine explains the demo's delay and what it means for the lag.
func delayLine(d DemoConfig) string {
	line := fmt.Sprintf("delay %v ± %v each way between each player and the host: inputs take %v ± %v from player to player; lag %d allows at most %.1f polls/s",
		d.Delay, d.Jitter, 2*d.Delay, 2*d.Jitter, d.Lag, d.bound())
	if d.Rate > 0 {
		need := max(0, int(math.Ceil(d.worst().Seconds()*d.Rate))-1)
		line += fmt.Sprintf(", %v polls/s needs lag %d or more", d.Rate, need)
	}
	return line
}

// paceMeter turns the lowest poll into polls per second since the last
// status line.
type paceMeter struct {
	at   time.Time
	poll uint32
}

func (m *paceMeter) update(poll uint32) float64 {
	now := time.Now()
	dt := now.Sub(m.at).Seconds()
	rate := 0.0
	if dt > 0 {
		rate = float64(poll-m.poll) / dt
	}
	m.at, m.poll = now, poll
	return rate
}

func statusLine(d DemoConfig, ps []*demoPlayer, seats int, h *host.Host, pace *paceMeter) string {
	low, high := d.Polls, uint32(0)
	var slow int64
	for _, p := range ps {
		n := p.poll.Load()
		low, high = min(low, n), max(high, n)
		slow += p.slow.Load()
	}
	st := ps[0].c.Status()
	path := "TCP"
	if st.UDP {
		path = "UDP"
	}
	golf := "golf off"
	if st.Golf {
		golf = fmt.Sprintf("golf seat %s (%d moves)", orDash(st.Seat), seats)
	}
	return fmt.Sprintf("poll %d/%d (ahead %d) | %.1f polls/s | lag %d | %s | stalls %d | inputs via %s | bad datagrams %d",
		low, d.Polls, high-low, pace.update(low), st.Lag, golf, slow, path, h.Stats().DroppedDatagrams)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// reportDemo prints every participant's final state and checks they agree.
func reportDemo(d DemoConfig, ps []*demoPlayer, out io.Writer) error {
	var failed error
	for _, p := range ps {
		role := "port " + p.c.Ports().String()
		if p.spect {
			role = "spectator"
		}
		fmt.Fprintf(out, "%-9s %-9s polls %5d  state %v  stalls %d (waited %v)\n",
			p.name, role, p.res.State.Polls, p.res.State, p.res.Stalls, p.res.Waited.Round(time.Millisecond))
		if p.err != nil && failed == nil {
			failed = fmt.Errorf("%s: %w", p.name, p.err)
		}
	}
	if failed != nil {
		return failed
	}
	for _, p := range ps[1:] {
		if p.res.State != ps[0].res.State {
			return fmt.Errorf("%w: %s has %v, %s has %v", ErrDesync, ps[0].name, ps[0].res.State, p.name, p.res.State)
		}
	}
	fmt.Fprintf(out, "all %d finished poll %d in the same state %v: the lockstep held\n", len(ps), d.Polls, ps[0].res.State)
	return nil
}
