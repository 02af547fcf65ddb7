package host_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
)

// A game that ends leaves each player's emulator waiting for an input
// that never comes, and a mupen64plus core that waits for input cannot
// stop: it stopped only when it gave up on the server, 10 s later. Its
// bridge feeds it blank inputs once its game is over, so it reaches its
// next frame, where the stop lands. And nothing the emulator of an ended
// game does reaches the next game: Alice's old core, still running when
// the next game started, asked for the poll it stood at in the old game,
// which the new game's "waiting for your emulator" then named, and when
// it closed it released her port in the new game; her new core's inputs
// for that port then had the host drop her for a protocol error.
func TestEndedGamesCoreStaysOutOfTheNext(t *testing.T) {
	ctx, ts, alice, bob, old, bobOld := twoBridgedPlaying(t)
	if err := alice.Stop(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"alice", "bob"}, session.EventEnded, 1)
	bobOld.Close()

	requireBlankInputs(ctx, t, old, 0, "the ended game's core")

	// The next game, with new cores, while the old one still runs.
	cores := []*hosttest.FakeCore{coreBehind(t, alice, hosttest.FakeCoreConfig{Players: []uint8{0}}), coreBehind(t, bob, hosttest.FakeCoreConfig{Players: []uint8{1}})}
	playGame(ctx, t, ts, cores, 30)
	if _, err := old.Poll(ctx, map[int]uint32{0: 0x40}); err != nil {
		t.Fatalf("the ended game's core polled during the next: %v", err)
	}
	if p := alice.Status().Poll; p > 40 {
		t.Errorf("alice's client stands at poll %d in a game at poll 30: the old core's count", p)
	}
	old.Close() // it stops at last, and says so
	time.Sleep(200 * time.Millisecond)
	pollAll(ctx, t, cores, 30)
	requireSameGame(t, cores[0], cores[1])
	for _, e := range ts.eventsOf("host", session.EventLeft) {
		t.Errorf("in the next game: %v", e)
	}
}

// twoBridgedPlaying has alice (the host's player) and bob play 60 polls
// at lag 1, each with a fake core behind a bridge, and returns a context
// for the rest of the test.
func twoBridgedPlaying(t *testing.T) (ctx context.Context, ts *testSession, alice, bob *client.Client, aliceCore, bobCore *hosttest.FakeCore) {
	t.Helper()
	ts = startHost(t, host.Config{Lag: 1}, nil)
	alice, aliceCore = bridgedCore(t, ts, "alice", 1<<0, client.Config{OwnerKey: ts.h.OwnerKey()}, hosttest.FakeCoreConfig{Players: []uint8{0}})
	bob, bobCore = bridgedCore(t, ts, "bob", 1<<1, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{1}})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	playGame(ctx, t, ts, []*hosttest.FakeCore{aliceCore, bobCore}, 60)
	return ctx, ts, alice, bob, aliceCore, bobCore
}

// playGame starts a game of ts for cores, each behind its player's
// bridge and controlling the player of its index, and plays polls.
func playGame(ctx context.Context, t *testing.T, ts *testSession, cores []*hosttest.FakeCore, polls int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range cores {
		wg.Go(func() {
			if _, _, _, err := c.Handshake(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	hosttest.WaitFor(t, "every port taken", func() bool { return allPorts(ts.h.Members()) == 1<<len(cores)-1 })
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	pollAll(ctx, t, cores, polls)
}

// pollAll has each of cores, controlling the player of its index, play
// polls at once.
func pollAll(ctx context.Context, t *testing.T, cores []*hosttest.FakeCore, polls int) {
	t.Helper()
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			if err := pollCore(ctx, c, []uint8{uint8(i)}, polls); err != nil {
				t.Errorf("core %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// A player whose netpak lost the host, or was kicked, stops its emulator,
// and the emulator must be able to stop: its bridge outlives the client
// until it closes and feeds the core blank inputs. A real core waiting for
// an input when its client stopped was killed after 10 s, and a netpak
// that lost the host began to rejoin only then.
func TestStoppedClientsCoreCanStop(t *testing.T) {
	ctx, ts, _, bob, _, bobCore := twoBridgedPlaying(t)
	if _, err := ts.h.Kick("bob"); err != nil {
		t.Fatal(err)
	}
	<-bob.Done()
	requireBlankInputs(ctx, t, bobCore, 1, "the kicked player's core")
}

// requireBlankInputs has core, which controls player, poll on through the
// inputs it held: each poll must come at once, the last with blank
// inputs.
func requireBlankInputs(ctx context.Context, t *testing.T, core *hosttest.FakeCore, player int, who string) {
	t.Helper()
	var keys [4]uint32
	for range 5 {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		var err error
		keys, err = core.Poll(pctx, map[int]uint32{player: 0x40})
		cancel()
		if err != nil {
			t.Fatalf("%s waits for an input: %v", who, err)
		}
	}
	if keys != [4]uint32{} {
		t.Fatalf("%s polled %x, want blank inputs", who, keys)
	}
}
