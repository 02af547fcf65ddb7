package host_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
)

// Inputs reach a waiting core the moment they exist, on the bridge and on
// the host: cores that would re-request only every 10 s still play a game
// at lag 0 without a single re-request, so the request cadence adds
// nothing to the lag.
func TestInputsPushedToWaitingCores(t *testing.T) {
	for _, lag := range []uint8{0, 2} {
		t.Run("lag "+string('0'+lag), func(t *testing.T) {
			ts := startHost(t, host.Config{Lag: lag}, nil)
			slow := hosttest.FakeCoreConfig{RequestEvery: 10 * time.Second, InputTimeout: time.Minute}
			cfg1, cfg2 := slow, slow
			cfg1.Players, cfg2.Players = []uint8{0}, []uint8{1}
			_, core1 := bridgedCore(t, ts, "alice", 1<<0, client.Config{OwnerKey: ts.h.OwnerKey()}, cfg1)
			_, core2 := bridgedCore(t, ts, "bob", 1<<1, client.Config{}, cfg2)
			cfg3 := slow
			cfg3.Host, cfg3.Players, cfg3.Logf = netip.MustParseAddrPort(ts.addr), []uint8{2}, t.Logf
			direct, err := hosttest.NewFakeCore(cfg3)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { direct.Close() })
			cores := []*hosttest.FakeCore{core1, core2, direct}
			var wg sync.WaitGroup
			for _, c := range cores {
				wg.Go(func() {
					if _, _, _, err := c.Handshake(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			hosttest.WaitFor(t, "the condition", func() bool { return allPorts(ts.h.Members()) == 0b111 })
			if err := ts.start(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			const polls = 300
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			for i, c := range cores {
				wg.Go(func() {
					if err := pollCore(ctx, c, []uint8{uint8(i)}, polls); err != nil {
						t.Errorf("core %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			for i, c := range cores {
				st := c.Stats()
				// One request per present player and poll at most (fewer
				// when a reply carries several events); a re-request
				// would be one more.
				if max := uint64(3 * polls); st.Requests > max {
					t.Errorf("core %d sent %d requests in %d polls, want at most %d: it had to ask again", i, st.Requests, st.Polls, max)
				}
			}
			for n := range polls {
				if a, b, c := core1.History()[n], core2.History()[n], direct.History()[n]; a.Keys != b.Keys || a.Keys != c.Keys {
					t.Fatalf("poll %d: cores consumed %x, %x, %x", n, a.Keys, b.Keys, c.Keys)
				}
			}
		})
	}
}
