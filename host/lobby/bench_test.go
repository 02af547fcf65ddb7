package lobby_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby"
)

// BenchmarkRooms plays rooms of four fake cores at once, each core polling
// at 60 polls/s as a real game does; an op is one poll of every core. It
// reports the 99th percentile of the time a poll waits for its inputs.
// Run it alone, it is paced in real time:
//
//	go test -run '^$' -bench BenchmarkRooms -benchtime 300x ./host/lobby
func BenchmarkRooms(b *testing.B) {
	for _, rooms := range []int{1, 10, 25, 100} {
		b.Run(fmt.Sprintf("rooms=%d", rooms), func(b *testing.B) { benchRooms(b, rooms) })
	}
}

func benchRooms(b *testing.B, rooms int) {
	_, url := startServer(b, lobby.Config{Lag: 2, AnyGameIP: true, MaxRooms: rooms,
		MaxSockets: 4 * rooms, MaxSocketsPerSource: 4, Logf: func(string, ...any) {}})
	cores := make([]*hosttest.FakeCore, 0, 4*rooms)
	for i := range rooms {
		cores = append(cores, openBenchRoom(b, url, i)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range cores {
		wg.Go(func() {
			if _, _, _, err := c.Handshake(ctx); err != nil {
				b.Errorf("handshake: %v", err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	waits := make([][]time.Duration, len(cores))
	b.ResetTimer()
	for i, c := range cores {
		wg.Go(func() { waits[i] = pacedPolls(ctx, b, c, i%4, b.N) })
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(waits...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "poll-wait-p99-ms")
	}
	b.ReportMetric(float64(rooms), "rooms")
}

// openBenchRoom makes room i through the lobby, four players from their own
// loopback address, begins it and returns its four cores, not yet dialed.
func openBenchRoom(b *testing.B, url string, i int) []*hosttest.FakeCore {
	from := fmt.Sprintf("127.0.1.%d", i+1)
	cls := make([]*client, 4)
	for p := range cls {
		c, err := dialFrom(b, url, fmt.Sprintf("p%d", p), from)
		if err != nil {
			b.Skipf("cannot connect from %s: %v", from, err)
		}
		cls[p] = c
	}
	port := createRoom(b, cls[0], fmt.Sprintf("Bench %d", i), "")
	for _, c := range cls[1:] {
		mustAccept(b, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		mustAccept(b, join(c, port, ""))
	}
	mustAccept(b, cls[0].do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))
	ap := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	cores := make([]*hosttest.FakeCore, 4)
	for p := range cores {
		c, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: ap, Players: []uint8{uint8(p)}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		cores[p] = c
	}
	return cores
}

// pacedPolls polls n times at 60 polls/s and returns how long each poll
// waited.
func pacedPolls(ctx context.Context, b *testing.B, c *hosttest.FakeCore, p, n int) []time.Duration {
	tick := time.NewTicker(time.Second / 60)
	defer tick.Stop()
	waits := make([]time.Duration, 0, n)
	for i := range n {
		<-tick.C
		t0 := time.Now()
		if _, err := c.Poll(ctx, map[int]uint32{p: coreKeys(p, i)}); err != nil {
			b.Errorf("player %d poll %d: %v", p+1, i, err)
			return waits
		}
		waits = append(waits, time.Since(t0))
	}
	return waits
}
