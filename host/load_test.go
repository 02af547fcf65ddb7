package host_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/sim"
)

// latencyHist counts durations in 1 µs buckets up to 10 ms.
type latencyHist struct {
	buckets [10001]atomic.Uint64
}

func (h *latencyHist) add(d time.Duration) {
	us := d.Microseconds()
	if us > 10000 {
		us = 10000
	}
	h.buckets[us].Add(1)
}

// quantile returns the q-quantile in microseconds.
func (h *latencyHist) quantile(q float64) float64 {
	var total uint64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	want := uint64(q * float64(total))
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen > want {
			return float64(i)
		}
	}
	return 10000
}

// BenchmarkLoad runs many concurrent 4-player sessions at 60 polls/s on
// loopback for a few seconds and reports the time each input datagram
// spends in its host (p50, p99) and the CPU the whole process used. The
// players run in the same process, so the CPU figure includes them.
func BenchmarkLoad(b *testing.B) {
	for _, sessions := range []int{50, 100, 200, 500} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			for range b.N {
				runLoad(b, sessions, 4*time.Second)
			}
		})
	}
}

func runLoad(b *testing.B, sessions int, play time.Duration) {
	var hist latencyHist
	var clients []*client.Client
	for range sessions {
		ts := startHost(b, host.Config{Lag: 5}, nil)
		host.SetRelayObserver(ts.h, hist.add)
		for i := range 4 {
			cfg := client.Config{Name: fmt.Sprint("p", i)}
			if i == 0 {
				cfg.OwnerKey = ts.h.OwnerKey()
			}
			c, err := client.Dial(context.Background(), ts.addr, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			clients = append(clients, c)
		}
		ts.waitMembers(4)
	}
	for i := 0; i < len(clients); i += 4 {
		clients[i].Start()
	}
	polls := uint32(play.Seconds() * 60)
	ctx, cancel := context.WithTimeout(context.Background(), play+time.Minute)
	defer cancel()
	cpu0, wall0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	var stalls atomic.Int64
	var firstErr atomic.Value
	for _, c := range clients {
		wg.Go(func() {
			r, err := sim.Run(ctx, c, sim.Config{Polls: polls, Rate: 60, Script: sim.Script{Seed: 1}})
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			stalls.Add(int64(r.Stalls))
		})
	}
	wg.Wait()
	wall := time.Since(wall0)
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d players failed; first: %v", n, firstErr.Load())
	}
	b.ReportMetric(hist.quantile(0.50), "p50-µs")
	b.ReportMetric(hist.quantile(0.99), "p99-µs")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(wall), "cpu-cores")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(stalls.Load())/float64(len(clients)), "stalls/player")
}
