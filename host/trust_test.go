package host_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// Hostile participants against a real host on loopback, each with honest
// players in the same session who must finish with identical state, never
// dropped, and never held up for long. maxStall is the longest one poll
// of theirs may wait while an attack runs; on a quiet machine they wait
// well under 10 ms.
const maxStall = 250 * time.Millisecond

// playHonest plays polls on the honest clients and checks they agree and
// were not held up.
func playHonest(t *testing.T, cs []*client.Client, polls uint32, rate float64) []sim.Result {
	t.Helper()
	late := watchScheduler()
	res := playAll(t, cs, sim.Config{Polls: polls, Rate: rate}, time.Minute)
	slack := late()
	requireSameState(t, res, polls)
	for i, r := range res {
		if r.Worst > maxStall+slack {
			t.Errorf("honest player %d waited %v for one poll (%d stalls), want under %v + %v the whole process waited", i, r.Worst, r.Stalls, maxStall, slack)
		}
	}
	return res
}

// watchScheduler measures how late the Go scheduler wakes this process
// until the returned function is called, which returns the worst
// lateness. The machine is shared: a stall the whole process suffers is
// not the host's. It takes no lock of the host, so a host that freezes
// cannot delay it.
func watchScheduler() func() time.Duration {
	var worst atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			t0 := time.Now()
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if late := int64(time.Since(t0) - time.Millisecond); late > worst.Load() {
				worst.Store(late)
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		<-done
		return time.Duration(worst.Load())
	}
}

// rawJoin joins ts with hello over a bare TCP connection that writes what
// the test writes and reads (and drops) everything the host sends, so the
// host never finds it behind.
func rawJoin(t *testing.T, ts *testSession, hello []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(hello); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, c)
	return c
}

// requireNotDropped fails if any of names left the session.
func requireNotDropped(t *testing.T, ts *testSession, names ...string) {
	t.Helper()
	for _, e := range ts.eventsOf("host", session.EventLeft) {
		for _, n := range names {
			if e.Who == n {
				t.Errorf("%s was dropped: %v", n, e)
			}
		}
	}
}

// A player who publishes thousands of its own inputs at once is held to
// what lockstep allows; the others are not dropped as "fell behind".
func TestAuthorFloodHurtsOnlyItself(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 5}, nil)
	cs := ts.joinPlayers(2, 0)
	mallory := rawJoin(t, ts, host.RawHelloNoROM("mallory"))
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"host"}, session.EventStarted, 1)
	for first := uint32(0); first < 4160; first += 64 {
		if _, err := mallory.Write(host.RawInputs(2, first, 64)); err != nil {
			t.Fatal(err)
		}
	}
	hosttest.WaitFor(t, "the condition", func() bool { return ts.h.Stats().RefusedInputs > 0 })
	mallory.Close() // its port reads empty from the last input the host took
	playHonest(t, cs, 2000, 0)
	requireNotDropped(t, ts, "p1", "p2")
	if st := ts.h.Stats(); st.RelayedInputs > 2*2000+200 {
		t.Errorf("host took %d inputs, want mallory's held to the lockstep window", st.RelayedInputs)
	}
}

// floodGame starts a game of two players, p1 and p2, at lag 3 with a
// spectator "spam" on a raw socket, which a flood test writes to; told
// is closed once the host told it it sends too fast.
func floodGame(t *testing.T) (ts *testSession, cs []*client.Client, spam net.Conn, told <-chan struct{}) {
	t.Helper()
	ts = startHost(t, host.Config{Lag: 3}, nil)
	cs = ts.joinPlayers(2, 0)
	spam, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spam.Close() })
	told = watchFor(spam, "sending too fast")
	spam.Write(host.RawHello("spam", true))
	ts.waitMembers(3)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	return ts, cs, spam, told
}

// A spectator's chat flood (5,000 lines of 400 bytes, written straight to
// the socket) reaches the others only at the talk rate; the players play
// on, and the flooder is told.
func TestChatFloodHurtsOnlyTheSender(t *testing.T) {
	ts, cs, spam, told := floodGame(t)
	line := host.RawChat(strings.Repeat("x", 400))
	go func() {
		for range 5000 {
			if _, err := spam.Write(line); err != nil {
				return
			}
		}
	}()
	t0 := time.Now()
	playHonest(t, cs, 300, 120)
	requireNotDropped(t, ts, "p1", "p2")
	chats := len(ts.eventsOf("p1", session.EventChat))
	if limit := 20 + int(4*time.Since(t0).Seconds()) + 4; chats > limit {
		t.Errorf("p1 received %d chat lines in %v, want at most %d", chats, time.Since(t0), limit)
	}
	select {
	case <-told:
	case <-time.After(5 * time.Second):
		t.Error("the flooder was not told it sends too fast")
	}
}

// A member that stops reading (derp's TestSendFreeze) holds up nobody: the
// host's writes to it are bounded, it is dropped, the players play on.
func TestFrozenMemberStallsNobody(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	frozen, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer frozen.Close()
	frozen.(*net.TCPConn).SetReadBuffer(1024)
	if _, err := frozen.Write(host.RawHello("frozen", true)); err != nil {
		t.Fatal(err)
	}
	ts.waitMembers(3)
	// It pings (so it is not silent) and never reads: every pong, roster
	// and input frame for it piles up.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				if _, err := frozen.Write(host.RawPing()); err != nil {
					return
				}
			}
		}
	}()
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	playHonest(t, cs, 1500, 0)
	requireNotDropped(t, ts, "p1", "p2")
}

// A spectator cannot frame honest players with made-up checksums, nor
// hide a real desync that way, whether the host plays or not.
func TestSpectatorCannotFrameDesync(t *testing.T) {
	for _, hostPlays := range []bool{true, false} {
		t.Run(fmt.Sprintf("host plays %v", hostPlays), func(t *testing.T) {
			ts := startHost(t, host.Config{Lag: 2}, nil)
			var cs []*client.Client
			for i, name := range []string{"ann", "ben", "cat"} {
				cfg := client.Config{}
				if i == 0 && hostPlays {
					cfg.OwnerKey = ts.h.OwnerKey()
				}
				cs = append(cs, ts.join(name, cfg))
			}
			liar := rawJoin(t, ts, host.RawHello("liar", true))
			ts.waitMembers(4)
			if err := ts.start(); err != nil {
				t.Fatal(err)
			}
			waitEvents(t, ts, []string{"host"}, session.EventStarted, 1)
			for from := uint32(0); from < 4096; from += client.DefaultChecksumEvery {
				liar.Write(host.RawChecksum(from, client.DefaultChecksumEvery, 0xbad))
			}
			playHonest(t, cs, 1024, 0)
			for _, e := range ts.eventsOf("host", session.EventDesync) {
				if e.Who != "liar" {
					t.Errorf("honest player reported: %v", e)
				}
			}
		})
	}
}

// The start waits for every player's files and refuses while any differ;
// a host without a player of its own compares the players with each other.
func TestStartFailsClosed(t *testing.T) {
	romA, romB := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	var set saves.Set
	mfA := saves.NewManifest(saves.FamilyMupen64Plus, romA, &set, "")
	mfB := saves.NewManifest(saves.FamilyMupen64Plus, romB, &set, "")

	t.Run("different ROMs, no host player", func(t *testing.T) {
		ts := startHost(t, host.Config{AutoStart: 2}, nil)
		ts.join("ann", client.Config{Manifest: mfA})
		ts.join("ben", client.Config{Manifest: mfB})
		ts.waitMembers(2)
		err := ts.h.Start()
		if !errors.Is(err, session.ErrSaveMismatch) || !strings.Contains(err.Error(), "ben: ROM differs from ann's") {
			t.Fatalf("start: %v", err)
		}
		waitEvents(t, ts, []string{"host"}, session.EventNotice, 1)
		if got := ts.eventsOf("host", session.EventNotice)[0].Text; !strings.HasPrefix(got, "autostart waits: ") {
			t.Errorf("host event %q", got)
		}
		if n := len(ts.eventsOf("host", session.EventStarted)); n != 0 {
			t.Errorf("autostart started a game with different ROMs")
		}
	})
	t.Run("a player that announced nothing", func(t *testing.T) {
		ts := startHost(t, host.Config{}, nil)
		ts.join("ann", client.Config{OwnerKey: ts.h.OwnerKey(), Manifest: mfA})
		mute, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer mute.Close()
		mute.Write(host.RawHello("mute", false))
		ts.waitMembers(2)
		if err := ts.h.Start(); !errors.Is(err, session.ErrNotAnnounced) || !strings.Contains(err.Error(), "mute") {
			t.Fatalf("start: %v, want a wait for mute", err)
		}
	})
	t.Run("same files start", func(t *testing.T) {
		ts := startHost(t, host.Config{AutoStart: 2}, nil)
		ts.join("ann", client.Config{Manifest: mfA})
		ts.join("ben", client.Config{Manifest: mfA})
		waitEvents(t, ts, []string{"host"}, session.EventStarted, 1)
	})
}

// The tables a flood could grow stay bounded: after the attacks the host
// holds no goroutine for a departed member.
func TestNoGoroutinesLeftByHostileMembers(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		ts := startHost(t, host.Config{}, nil)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				c, err := client.Dial(context.Background(), ts.addr, client.Config{Name: fmt.Sprintf("x%d", i), Spectator: true})
				if err == nil {
					c.Close()
				}
			})
		}
		wg.Wait()
		ts.h.Close()
	}()
	hosttest.WaitFor(t, "the condition", func() bool { return runtime.NumGoroutine() <= before+2 })
}

// A member that floods the reports everyone hears of (its emulator, its
// cheat names, a catch-up it is not in) is held to the talk rate, and told
// so: the honest players play on, undropped and never stalled, to the
// same state.
func TestReportFloodHurtsOnlyTheSender(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	flood, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Close()
	told := watchFor(flood, "sending too fast")
	flood.Write(host.RawHello("flood", true))
	ts.waitMembers(3)
	names := make([]string, wire.MaxCheatNames)
	for i := range names {
		names[i] = strings.Repeat("n", wire.MaxCheatNameLen)
	}
	frames := [][]byte{
		host.RawFrame(wire.FrameCheats, wire.AppendCheatNames(nil, wire.CheatNames{Names: names})),
		host.RawFrame(wire.FrameEmulator, wire.AppendEmulator(nil, wire.Emulator{Text: strings.Repeat("e", wire.MaxEmulatorText)})),
		host.RawFrame(wire.FrameCatchUp, wire.AppendCatchUp(nil, wire.CatchUp{Poll: 1, Done: true})),
	}
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 6000 {
			if _, err := flood.Write(frames[i%len(frames)]); err != nil {
				return
			}
		}
	}()
	playHonest(t, cs, 300, 120)
	requireNotDropped(t, ts, "p1", "p2")
	select {
	case <-told:
	case <-time.After(5 * time.Second):
		t.Error("the flooder was not told it sends too fast")
	}
}

// watchFor reads c until it has seen text, then closes the returned
// channel and reads the rest away.
func watchFor(c net.Conn, text string) <-chan struct{} {
	seen := make(chan struct{})
	go func() {
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if got = append(got, buf[:n]...); strings.Contains(string(got), text) {
				close(seen)
				io.Copy(io.Discard, c)
				return
			}
		}
	}()
	return seen
}
