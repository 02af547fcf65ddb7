package host_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/host/wire"
)

// A player who leaves a running game rejoins with the same name and key,
// gets its port back, replays the game from poll 0 while the others play
// on, takes its port back near the live game, and ends in the same state
// as them. Meanwhile, impostors who know its name but not its key may
// neither take its port nor use its name.
func TestRejoinReplays(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	key := [16]byte{0: 3, 15: 3}
	cs := append(ts.joinPlayers(2, 0), ts.join("p3", client.Config{PlayerKey: key}))
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const polls = 1200
	cfg := sim.Config{Polls: polls, Rate: 400, Script: sim.Script{Seed: 5}}
	res := make([]sim.Result, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { res[i], errs[i] = sim.Run(ctx, cs[i], cfg) })
	}

	// p3 plays a while, then quits without a word to anyone.
	first := cfg
	first.Polls = 300
	if _, err := sim.Run(ctx, cs[2], first); err != nil {
		t.Fatal(err)
	}
	cs[2].Close()
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	for what, cfg := range map[string]client.Config{
		"p3 without a key":    {Name: "p3"},
		"P3 with another key": {Name: "P3", PlayerKey: [16]byte{0: 3}},
		"p3 as a spectator":   {Name: "p3", Spectator: true},
	} {
		if c, err := client.Dial(ctx, ts.addr, cfg); err == nil {
			c.Close()
			t.Errorf("%s joined while p3's port is held", what)
		} else if !strings.Contains(err.Error(), "kept for the player who left") {
			t.Errorf("%s was refused with %v, want the name kept for p3", what, err)
		}
	}
	if n := len(ts.h.Members()); n != 2 {
		t.Errorf("the impostors changed the session: %d members, want 2", n)
	}

	again := ts.join("p3", client.Config{PlayerKey: key})
	if got := again.Ports(); got != 1<<2 {
		t.Fatalf("p3 rejoined with ports %v, want its port 3 back", got)
	}
	res[2], errs[2] = sim.Run(ctx, again, cfg)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("player %d: %v", i+1, err)
		}
	}
	requireSameState(t, res, polls)

	joined := ts.eventsOf("host", session.EventJoined)
	last := joined[len(joined)-1]
	if last.Who != "p3" || last.Ports != 1<<2 || last.Poll == 0 {
		t.Errorf("last join %v, want p3 rejoining port 3 at a poll of the game", last)
	}
	handedOver := false
	for _, e := range ts.eventsOf("host", session.EventNotice) {
		handedOver = handedOver || strings.Contains(e.Text, "p3 caught up")
	}
	if !handedOver {
		t.Error("the host never said p3 caught up")
	}
}

// BenchmarkCatchUp measures how long a rejoined player takes to replay an
// hour of two-player play (216,000 polls at 60 a second) on loopback: the
// host sends it the recorded inputs and it consumes them, as a simulated
// game does (an emulator's replay runs at its own unthrottled speed). It
// reports seconds per hour of play.
func BenchmarkCatchUp(b *testing.B) {
	const hour = 216000
	for range b.N {
		b.StopTimer()
		ts := startHost(b, host.Config{Lag: 2}, nil)
		cs := ts.joinPlayers(2, 0)
		ts.waitMembers(2)
		if err := ts.start(); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cfg := sim.Config{Polls: hour, Script: sim.Script{Seed: 9}}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := sim.Run(ctx, cs[0], cfg); err != nil {
				b.Error(err)
			}
		})
		if _, err := sim.Run(ctx, cs[1], cfg); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		cs[1].Close()
		waitEvents(b, ts, []string{"host"}, session.EventLeft, 1)
		b.StartTimer()
		t0 := time.Now()
		again := ts.join("p2", client.Config{})
		if _, err := sim.Run(ctx, again, cfg); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "s/hour-of-play")
		cancel()
	}
}

// A player who quits while an emulator plays through its bridge leaves as
// one who plays without one: its emulator stops because the player
// leaves, and the host holds its port for a rejoin instead of taking it
// as the emulator's end (whose port nobody may take back in that game).
func TestQuitWithAnEmulatorHoldsThePort(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	bob, core := bridgedCore(t, ts, "bob", 1<<0, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{0}, Settings: m64p.Settings{CountPerOp: 2}})
	ts.join("alice", client.Config{Ports: 1 << 1})
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := core.Handshake(t.Context()); err != nil {
		t.Fatal(err)
	}
	bob.Quitting()
	core.Close()                       // the console stops the emulator first
	time.Sleep(300 * time.Millisecond) // and its bridge hears it go
	bob.Close()
	waitEvents(t, ts, []string{"alice"}, session.EventLeft, 1)
	again := ts.join("bob", client.Config{})
	if got := again.Ports(); got != 1<<0 {
		t.Errorf("bob rejoined with ports %v, want its port 1 back", got)
	}
}

// A player who left a running game may rejoin however many spectators
// came since: the session keeps its slot. Spectators take every other
// slot, one more is refused as the session is full, and the player who
// left gets its port back.
func TestRejoinFindsItsSlotInAFullSession(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	cs[1].Close()
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	for i := range wire.MaxMembers - 2 {
		ts.join(fmt.Sprint("w", i+1), client.Config{Spectator: true})
	}
	if c, err := client.Dial(t.Context(), ts.addr, client.Config{Name: "late", Spectator: true}); err == nil {
		c.Close()
		t.Error("a spectator took the slot kept for the player who left")
	} else if !strings.Contains(err.Error(), "full") {
		t.Errorf("the extra spectator was refused with %v, want a full session", err)
	}
	if got := ts.join("p2", client.Config{}).Ports(); got != 1<<1 {
		t.Errorf("p2 rejoined with ports %v, want its port 2 back", got)
	}
}

// A player who rejoins is told the game's earlier lag changes as its
// history, not as news: it hears none of them again, not even its own
// under the member number it had before.
func TestRejoinTellsNoOldChanges(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	if err := cs[1].SetLag(4); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p1", "p2"}, session.EventLag, 1)
	cs[1].Close()
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	ts.join("p2", client.Config{})
	if err := cs[0].SetLag(3); err != nil { // news, after the rejoin
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p2"}, session.EventLag, 2)
	time.Sleep(100 * time.Millisecond)
	lags := ts.eventsOf("p2", session.EventLag)
	if len(lags) != 2 || lags[1].Who != "p1" || lags[1].Lag != 3 {
		t.Errorf("p2, before and after its rejoin, was told of %d lag changes: %v; want its own and p1's after the rejoin", len(lags), lags)
	}
}

// The slot kept for a player who left is kept from spectator cores too:
// a core rejoins nothing, so it may not take a kept slot.
func TestRejoinSlotKeptFromSpectatorCores(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, DropTimeout: time.Minute}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	cs[1].Close()
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	for range wire.MaxMembers - 1 {
		if _, err := dialRawCore(t, ts.addr).ask([]byte{6}, 24); err != nil { // a spectator core's GET_REGISTRATION
			break // the session is full
		}
	}
	if got := ts.join("p2", client.Config{}).Ports(); got != 1<<1 {
		t.Errorf("p2 rejoined with ports %v, want its port 2 back", got)
	}
}
