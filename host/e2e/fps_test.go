package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/session"
)

// fpsWarmup is how long a game plays before its pace is measured (the
// cores start one after another, and the first frames wait for all of
// them); fpsWindow, how long it is measured.
const (
	fpsWarmup = 2 * time.Second
	fpsWindow = 5 * time.Second
)

// BenchmarkCoreFPS plays netpak's test ROM on real Debian mupen64plus cores
// with their speed limiter on, as players would, and reports the frames
// per second the game holds (every core's, the slowest first), with 2 and
// 4 players, bridged through netpak clients or direct on the session
// port, at lags 0 to 5, on an idle machine and with a busy loop on every
// CPU at normal priority. "solo=N" is N of the same cores at once
// without netplay under the same load, the most a game of N players on
// this machine can reach; "solo-unthrottled" is one without its speed
// limiter, as a rejoined player's emulator replays a game:
//
//	go test -run '^$' -bench CoreFPS -benchtime 1x ./host/e2e
func BenchmarkCoreFPS(b *testing.B) {
	for _, load := range []string{"idle", "busy"} {
		for _, n := range []int{1, 4} {
			b.Run(fmt.Sprintf("load=%s/solo=%d", load, n), func(b *testing.B) {
				stopLoad := startLoad(b, load)
				defer stopLoad()
				b.ReportMetric(soloFPS(b, n, false), "fps")
			})
		}
		// How fast a rejoined player's emulator replays the game.
		b.Run("load="+load+"/solo-unthrottled", func(b *testing.B) {
			stopLoad := startLoad(b, load)
			defer stopLoad()
			fps := soloFPS(b, 1, true)
			b.ReportMetric(fps, "fps")
			b.ReportMetric(216000/fps, "s/hour-of-play")
		})
		for _, players := range []int{2, 4} {
			for _, bridged := range []bool{true, false} {
				for _, lag := range []uint8{0, 1, 2, 3, 5} {
					mode := "direct"
					if bridged {
						mode = "bridged"
					}
					b.Run(fmt.Sprintf("load=%s/players=%d/%s/lag=%d", load, players, mode, lag), func(b *testing.B) {
						stopLoad := startLoad(b, load)
						defer stopLoad()
						b.ReportMetric(gameFPS(b, players, bridged, lag, nil, nil), "fps")
					})
				}
			}
		}
	}
}

// startLoad starts a busy loop per CPU when load is "busy".
func startLoad(b *testing.B, load string) func() {
	if load != "busy" {
		return func() {}
	}
	var cmds []*exec.Cmd
	for range runtime.NumCPU() {
		c := exec.Command("sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	return func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}
}

// gameFPS plays a game and returns the pace of its slowest core; links,
// if set, are the seats' networks in the latency lab; tap, if set, times
// the inputs of the measured window.
func gameFPS(b *testing.B, players int, bridged bool, lag uint8, links []*latency.Link, tap *inputTap) float64 {
	var seats []seat
	for p := 1; p <= players; p++ {
		s := seat{ports: []int{p}, bridged: bridged}
		if links != nil {
			s.link = links[p-1]
		}
		seats = append(seats, s)
	}
	g := startGame(b, gameSpec{polls: 1 << 20, lag: lag, seats: seats, paced: true, tap: tap})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	g.waitStarted(ctx)
	if tap != nil {
		defer time.AfterFunc(fpsWarmup, tap.start).Stop()
	}
	return slowest(b, ctx, g.procs)
}

// reportUseDelay reports the mean, 99th percentile and worst of the
// input-to-use delays tap timed, in milliseconds.
func reportUseDelay(b *testing.B, tap *inputTap) {
	d := tap.delays()
	if len(d) == 0 {
		b.Fatal("no input was timed from its press to its use")
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(ms(sum/time.Duration(len(d))), "use-ms-mean")
	b.ReportMetric(ms(d[len(d)*99/100]), "use-ms-p99")
	b.ReportMetric(ms(d[len(d)-1]), "use-ms-worst")
}

// slowest measures every process's frame counter over fpsWindow, after
// fpsWarmup, and returns the lowest rate.
func slowest(b *testing.B, ctx context.Context, procs []*launcher.Process) float64 {
	time.Sleep(fpsWarmup)
	return slowestOver(b, ctx, procs, fpsWindow)
}

// slowestOver measures every process's frame counter over window, from
// now, and returns the lowest rate.
func slowestOver(b *testing.B, ctx context.Context, procs []*launcher.Process, window time.Duration) float64 {
	counters := func() ([]uint32, time.Time) {
		out := make([]uint32, len(procs))
		for i, p := range procs {
			w, err := p.ReadWords(ctx, []uint32{testrom.AddrCounter})
			if err != nil {
				b.Fatalf("core %d: %v", i, err)
			}
			out[i] = w[0]
		}
		return out, time.Now()
	}
	c0, t0 := counters()
	time.Sleep(window)
	c1, t1 := counters()
	low := 1e9
	for i := range procs {
		low = min(low, float64(c1[i]-c0[i])/t1.Sub(t0).Seconds())
	}
	return low
}

// soloFPS plays the test ROM on n cores at once without netplay, speed
// limiter on unless unthrottled, and returns the slowest one's pace.
func soloFPS(b *testing.B, n int, unthrottled bool) float64 {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rom := writeROM(b, 1<<20)
	var procs []*launcher.Process
	for i := range n {
		cfg := emucfg.Config{ROM: rom, Headless: true, NoSpeedLimit: unthrottled,
			LogPath: filepath.Join(b.TempDir(), fmt.Sprintf("solo%d.log", i)), Logf: b.Logf}
		p, err := launcher.Start(ctx, exe, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Stop()
		procs = append(procs, p)
	}
	for _, p := range procs {
		select {
		case <-p.Running():
		case <-p.Exited():
			skipIfMissing(b, p.Wait())
			b.Fatal("the core ended before running")
		}
	}
	return slowest(b, ctx, procs)
}

// BenchmarkCorePace plays netpak's test ROM on two real Debian cores with
// their speed limiter on, each behind its own link of the latency lab
// (d/2 ± 2.5 ms each way, so inputs take d ± 5 ms from core to core),
// bridged through netpak clients or direct on the session port (through a
// forward of the port), at every lag from 0 to the physical minimum + 1.
// It reports the slowest core's frames per second beside the physical
// bound min(60, (L+1)/(d+5 ms)), and, per case, the smallest lag that held
// 59.5 fps beside the physical minimum:
//
//	go test -run '^$' -bench CorePace -benchtime 1x ./host/e2e
func BenchmarkCorePace(b *testing.B) {
	const jitter = 5 * time.Millisecond
	for _, d := range []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		phys := latency.MinLag(d, jitter)
		for _, mode := range []string{"bridged", "direct"} {
			held := -1
			for lag := 0; lag <= phys+1; lag++ {
				b.Run(fmt.Sprintf("d=%v/%s/lag=%d", d, mode, lag), func(b *testing.B) {
					tap := newInputTap(uint8(lag))
					fps := gameFPS(b, 2, mode == "bridged", uint8(lag), labLinks(2, d, jitter), tap)
					bound := latency.Bound(lag, d, jitter)
					b.ReportMetric(fps, "fps")
					reportUseDelay(b, tap)
					b.ReportMetric(bound, "bound-fps")
					b.ReportMetric(100*fps/bound, "%-of-bound")
					if held < 0 && fps >= 59.5 {
						held = lag
					}
				})
			}
			b.Run(fmt.Sprintf("d=%v/%s/min-lag", d, mode), func(b *testing.B) {
				b.ReportMetric(float64(held), "lag-held-59.5")
				b.ReportMetric(float64(phys), "physical-min-lag")
			})
		}
	}
}

// labLinks returns n links of the latency lab that put inputs d ± jitter
// apart from player to player: d/2 ± jitter/2 each way on each link.
func labLinks(n int, d, jitter time.Duration) []*latency.Link {
	leg := latency.Shape{Delay: d / 2, Jitter: jitter / 2}
	links := make([]*latency.Link, n)
	for i := range links {
		links[i] = latency.New(latency.Config{Out: leg, In: leg, Seed: uint64(i + 1)})
	}
	return links
}

// BenchmarkCoreAutoLag plays two real cores, each behind its own link of
// the latency lab (inputs d ± 5 ms from core to core), bridged through
// netpak clients or direct on the session port, with autolag on from lag
// 5, for coreAutoLagPlay. Bridged players measure their round trips;
// direct cores report none, and autolag follows how early their inputs
// reach them. It reports the lag autolag chose, how often it changed the
// lag after coreAutoLagSettle, the slowest core's pace over the rest of
// the game, and the physical minimum:
//
//	go test -run '^$' -bench CoreAutoLag -benchtime 1x ./host/e2e
func BenchmarkCoreAutoLag(b *testing.B) {
	const jitter = 5 * time.Millisecond
	for _, mode := range []string{"bridged", "direct"} {
		for _, d := range []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
			b.Run(fmt.Sprintf("%s/d=%v", mode, d), func(b *testing.B) {
				coreAutoLag(b, mode == "bridged", d, jitter)
			})
		}
	}
}

// coreAutoLag plays one case of BenchmarkCoreAutoLag.
func coreAutoLag(b *testing.B, bridged bool, d, jitter time.Duration) {
	links := labLinks(2, d, jitter)
	seats := []seat{{ports: []int{1}, link: links[0], bridged: bridged}, {ports: []int{2}, link: links[1], bridged: bridged}}
	g := startGame(b, gameSpec{polls: 1 << 20, lag: 5, autoLag: true, seats: seats, paced: true})
	ctx, cancel := context.WithTimeout(context.Background(), coreAutoLagPlay+time.Minute)
	defer cancel()
	started := g.waitStarted(ctx)
	time.Sleep(time.Until(started.At.Add(coreAutoLagSettle)))
	fps := slowestOver(b, ctx, g.procs, coreAutoLagPlay-coreAutoLagSettle)
	changes, lag := 0, uint8(5)
	for _, e := range g.events.all(session.EventLag) {
		b.Logf("%v, %v into the game", e, e.At.Sub(started.At).Round(time.Second))
		lag = e.Lag
		if e.At.After(started.At.Add(coreAutoLagSettle)) {
			changes++
		}
	}
	for _, e := range g.events.all(session.EventNotice) {
		if strings.HasPrefix(e.Text, "autolag:") {
			b.Logf("%v, %v into the game", e, e.At.Sub(started.At).Round(time.Second))
		}
	}
	b.ReportMetric(float64(lag), "lag")
	b.ReportMetric(float64(changes), "changes-after-settle")
	b.ReportMetric(fps, "fps")
	b.ReportMetric(float64(latency.MinLag(d, jitter)), "physical-min-lag")
}

// How long BenchmarkCoreAutoLag plays each case, and after how long it
// counts changes of the lag as changes of mind.
const (
	coreAutoLagPlay   = 3*time.Minute + 30*time.Second
	coreAutoLagSettle = 30 * time.Second
)
