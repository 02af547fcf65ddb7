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

// A bridge pushes its core every new input unasked while the core plays
// near the live edge, not only the one it waits for: an input that
// reaches the bridge between two of the core's polls is in the core's
// buffer at the next, and the core never has to ask for it and wait
// (which costs a mupen64plus core up to 5 ms). Here Bob's core polls once
// and asks for nothing more, while Alice's core plays on as far as the
// lag lets it: her later presses reach Bob's core anyway.
func TestBridgePushesAhead(t *testing.T) {
	const lag = 3
	ts := startHost(t, host.Config{Lag: lag}, nil)
	slow := hosttest.FakeCoreConfig{RequestEvery: 10 * time.Second, InputTimeout: time.Minute}
	cfg1, cfg2 := slow, slow
	cfg1.Players, cfg2.Players = []uint8{0}, []uint8{1}
	_, alice := bridgedCore(t, ts, "alice", 1<<0, client.Config{OwnerKey: ts.h.OwnerKey()}, cfg1)
	_, bob := bridgedCore(t, ts, "bob", 1<<1, client.Config{}, cfg2)
	var wg sync.WaitGroup
	for _, c := range []*hosttest.FakeCore{alice, bob} {
		wg.Go(func() {
			if _, _, _, err := c.Handshake(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	hosttest.WaitFor(t, "both ports taken", func() bool { return allPorts(ts.h.Members()) == 0b11 })
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i, c := range []*hosttest.FakeCore{alice, bob} {
		wg.Go(func() {
			if err := pollCore(ctx, c, []uint8{uint8(i)}, 1); err != nil {
				t.Errorf("core %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	// Bob pressed at poll 0, so his stream reaches poll lag: Alice plays
	// on to poll lag, her presses filling her stream up to poll 2*lag.
	if err := pollCore(ctx, alice, []uint8{0}, lag); err != nil {
		t.Fatal(err)
	}
	asked := bob.Stats().Requests
	hosttest.WaitFor(t, "Alice's last press held by Bob's core", func() bool {
		ok, err := bob.Holds(0, 2*lag)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	if got := bob.Stats().Requests; got != asked {
		t.Errorf("Bob's core sent %d requests while it waited, want none", got-asked)
	}
	// And the game goes on, identical.
	for i, c := range []*hosttest.FakeCore{alice, bob} {
		wg.Go(func() {
			if err := pollCore(ctx, c, []uint8{uint8(i)}, 60); err != nil {
				t.Errorf("core %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for n := range 60 {
		if a, b := alice.History()[n], bob.History()[n]; a.Keys != b.Keys {
			t.Fatalf("poll %d: cores consumed %x and %x", n, a.Keys, b.Keys)
		}
	}
}
