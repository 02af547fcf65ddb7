package e2e

import (
	"context"
	"flag"
	"runtime"
	"testing"
	"time"

	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/session"
)

var evening = flag.Duration("evening", 45*time.Minute, "how long BenchmarkCoreEvening plays")

// BenchmarkCoreEvening plays one long game with four real cores, two
// bridged through netpak clients and two direct on the session port, each
// behind its own link of the latency lab (40 ms ± 5 from core to core),
// autolag on from lag 5, for -evening. It logs every minute the slowest
// core's pace over that minute and the test process's Go heap (the host,
// the bridges and a spectator recording every stream), and every change of
// lag and notice; every core must end with the hash of the recorded
// streams, and nobody may desync. It reports the game's pace and the
// changes of lag after the first 30 s:
//
//	go test -v -run '^$' -bench CoreEvening -benchtime 1x -timeout 2h ./host/e2e -evening 45m
//
// (-v: without it, a benchmark's log is cut after ten lines.)
func BenchmarkCoreEvening(b *testing.B) {
	const d, jitter = 40 * time.Millisecond, 5 * time.Millisecond
	minutes := max(int(*evening/time.Minute), 1)
	links := labLinks(4, d, jitter)
	seats := []seat{
		{ports: []int{1}, link: links[0], bridged: true},
		{ports: []int{2}, link: links[1], bridged: true},
		{ports: []int{3}, link: links[2]},
		{ports: []int{4}, link: links[3]},
	}
	g := startGame(b, gameSpec{polls: minutes * 3600, lag: 5, autoLag: true, seats: seats, paced: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(minutes)*time.Minute*11/10+time.Minute)
	defer cancel()
	recorded := g.recordAsync(ctx, nil)
	started := g.waitStarted(ctx)
	for m := 1; m < minutes; m++ {
		fps := slowestOver(b, ctx, g.procs, time.Until(started.At.Add(time.Duration(m)*time.Minute)))
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("minute %d: slowest core %.2f fps, heap %d KiB", m, fps, ms.HeapAlloc>>10)
	}
	words := g.waitAllDone(ctx)
	played := time.Since(started.At)
	r := <-recorded
	if r.err != nil {
		b.Fatal(r.err)
	}
	g.checkCores(words, g.names, r.in)
	if ds := g.events.all(session.EventDesync); len(ds) > 0 {
		b.Errorf("the host reported desyncs: %v", ds[0].Event)
	}
	changes, lag := 0, uint8(5)
	for _, e := range g.events.all(session.EventLag) {
		at := e.At.Sub(started.At)
		b.Logf("%v, %v into the game", e, at.Round(time.Second))
		if at > 30*time.Second {
			changes++
		}
		lag = e.Lag
	}
	for _, e := range g.events.all(session.EventNotice) {
		b.Logf("%v, %v into the game", e, e.At.Sub(started.At).Round(time.Second))
	}
	b.ReportMetric(float64(minutes*3600)/played.Seconds(), "polls/s")
	b.ReportMetric(float64(changes), "changes-after-30s")
	b.ReportMetric(float64(lag), "lag")
	b.ReportMetric(float64(latency.MinLag(d, jitter)), "physical-min-lag")
}
