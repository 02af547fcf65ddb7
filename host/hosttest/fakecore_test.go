package hosttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

// checkNoLeaks fails t if, after every other cleanup, a goroutine of this
// package is still running. Register it first so that it runs last.
func checkNoLeaks(t *testing.T) {
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for {
			leaked := ourGoroutines()
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("leaked goroutines:\n%s", strings.Join(leaked, "\n\n"))
			}
			runtime.Gosched()
			time.Sleep(5 * time.Millisecond) // bounded retry while goroutines unwind
		}
	})
}

func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		// Test goroutines (this one and running parents) are not leaks.
		if strings.Contains(g, "netpak/host/hosttest.") && !strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return out
}

func keysFor(player, poll int) uint32 {
	return uint32(player+1)<<28 | uint32(poll*2654435761)&0x0fffffff
}

func cp0For(vi int) (w [m64p.CP0Words]uint32) {
	for i := range w {
		w[i] = uint32(vi*31 + i)
	}
	return w
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i>>9)
	}
	return b
}

var p1Settings = m64p.Settings{CountPerOp: 2, SiDmaDuration: 0x900, EmuMode: 2}

type handshakeResult struct {
	reg   m64p.Registration
	set   m64p.Settings
	saves m64p.Saves
	err   error
}

// play runs the handshake and n polls of one core, one VI per poll.
func play(ctx context.Context, c *FakeCore, n int) (handshakeResult, error) {
	var r handshakeResult
	r.reg, r.set, r.saves, r.err = c.Handshake(ctx)
	if r.err != nil {
		return r, r.err
	}
	for i := range n {
		keys := map[int]uint32{}
		for _, p := range c.cfg.Players {
			keys[int(p)] = keysFor(int(p), i)
		}
		if _, err := c.Poll(ctx, keys); err != nil {
			return r, err
		}
		if err := c.NewVI(cp0For(i)); err != nil {
			return r, err
		}
	}
	return r, nil
}

// TestLockstepThroughStandIn runs fake cores through the stand-in server
// (not the real host; see standIn) and checks that every core consumed
// exactly the inputs the fixed-delay scheme predicts, identically.
func TestLockstepThroughStandIn(t *testing.T) {
	const delay, polls = 2, 300
	for _, tt := range []struct {
		name    string
		players [][]uint8 // per core; empty = spectator
	}{
		{"2 players", [][]uint8{{0}, {1}}},
		{"4 players, one core with 2, a spectator", [][]uint8{{0}, {1}, {2, 3}, {}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			ctx := testContext(t)
			present := 0
			for _, ps := range tt.players {
				present += len(ps)
			}
			s := newStandIn(t, delay, present)
			saves := m64p.Saves{m64p.SaveEEPROM: pattern(2048), m64p.SaveSRAM: pattern(32768)}
			var cores []*FakeCore
			for _, ps := range tt.players {
				cores = append(cores, s.core(t, FakeCoreConfig{Players: ps, Settings: p1Settings, Saves: saves}))
			}
			results := make([]handshakeResult, len(cores))
			errs := make([]error, len(cores))
			var wg sync.WaitGroup
			for i, c := range cores {
				wg.Go(func() { results[i], errs[i] = play(ctx, c, polls) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("core %d: %v", i, err)
				}
			}
			checkHandshakeResults(t, cores, results, saves)
			checkInputs(t, cores, delay, polls)
			checkServerView(t, s, cores, polls)
		})
	}
}

func checkHandshakeResults(t *testing.T, cores []*FakeCore, results []handshakeResult, saves m64p.Saves) {
	t.Helper()
	for i, r := range results {
		if r.set != p1Settings {
			t.Errorf("core %d runs with settings %+v, want P1's %+v", i, r.set, p1Settings)
		}
		for _, f := range m64p.SaveFiles {
			want := saves[f]
			if want == nil {
				want = make([]byte, f.Size())
			}
			if !bytes.Equal(r.saves[f], want) {
				t.Errorf("core %d: save %s differs from P1's", i, f)
			}
		}
		if r.reg != results[0].reg {
			t.Errorf("core %d: registration %+v, core 0 has %+v", i, r.reg, results[0].reg)
		}
	}
	for _, c := range cores {
		for _, p := range c.cfg.Players {
			slot := results[0].reg[p]
			if slot.RegID != c.RegID() || slot.RegID&7 != uint32(c.cfg.Players[0]+1) || slot.Plugin != m64p.PluginNone {
				t.Errorf("player %d: slot %+v, core regid %#x", p, slot, c.RegID())
			}
		}
	}
}

func checkInputs(t *testing.T, cores []*FakeCore, delay, polls int) {
	t.Helper()
	var present []int
	for _, c := range cores {
		for _, p := range c.cfg.Players {
			present = append(present, int(p))
		}
	}
	want := make([]PollRecord, polls)
	for n := range want {
		for _, p := range present {
			want[n].Plugins[p] = m64p.PluginNone
			if n >= delay {
				want[n].Keys[p] = keysFor(p, n-delay)
			}
		}
	}
	for i, c := range cores {
		got := c.History()
		if len(got) != polls {
			t.Fatalf("core %d: %d polls recorded, want %d", i, len(got), polls)
		}
		for n := range got {
			if got[n] != want[n] {
				t.Fatalf("core %d poll %d consumed %+v, want %+v", i, n, got[n], want[n])
			}
		}
		if st := c.Stats(); st.Unknown+st.Malformed+st.QueueDrops != 0 || st.LimiterOff != 0 {
			t.Errorf("core %d stats %+v", i, st)
		}
	}
}

// checkServerView closes the cores and checks what the server saw: the
// exact TCP order of the handshake and the notice, and the sync data.
func checkServerView(t *testing.T, s *standIn, cores []*FakeCore, polls int) {
	t.Helper()
	for _, c := range cores {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
	for _, c := range cores {
		var want []string
		for range c.cfg.Players {
			want = append(want, "register")
		}
		if c.p1 {
			want = append(want, "send settings", "send mpk", "send eep", "send fla", "send sra")
		} else {
			want = append(want, "receive settings", "receive mpk", "receive eep", "receive fla", "receive sra")
		}
		want = append(want, "get registration", "disconnect")
		if !s.waitFor(func() bool { return len(s.ops[c.RegID()]) >= len(want) }) {
			t.Fatalf("regid %#x: server saw only %v", c.RegID(), s.opsOf(c.RegID()))
		}
		if got := s.opsOf(c.RegID()); !slices.Equal(got, want) {
			t.Errorf("regid %#x: server saw %v, want %v", c.RegID(), got, want)
		}
	}
	last := uint32((polls - 1) / DefaultSyncEvery * DefaultSyncEvery)
	if !s.waitFor(func() bool { return s.syncs[last] == len(cores) }) {
		t.Fatalf("SYNC_DATA for VI %d from %d cores, want %d", last, s.syncs[last], len(cores))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for vi, n := range s.syncs {
		if vi%DefaultSyncEvery != 0 || n != len(cores) {
			t.Errorf("VI %d: %d SYNC_DATA", vi, n)
		}
	}
	if s.desync {
		t.Error("stand-in saw a desync")
	}
}

// TestHandshakeBlockingOrder checks the core's blocking waits: P2 blocks
// in RECEIVE_SETTINGS until P1 has sent settings, and everyone blocks in
// GET_REGISTRATION until the server releases it (the host's /start).
func TestHandshakeBlockingOrder(t *testing.T) {
	checkNoLeaks(t)
	ctx := testContext(t)
	s := newStandIn(t, 2, 0)
	p1 := s.core(t, FakeCoreConfig{Players: []uint8{0}})
	p2 := s.core(t, FakeCoreConfig{Players: []uint8{1}})
	done1, done2 := make(chan error, 1), make(chan error, 1)
	go func() { _, _, _, err := p2.Handshake(ctx); done2 <- err }()
	if !s.waitFor(func() bool { return slices.Contains(s.ops[p2.RegID()], "receive settings") }) {
		t.Fatal("P2 never asked for settings")
	}
	select {
	case err := <-done2:
		t.Fatalf("P2 finished its handshake before P1 sent settings: %v", err)
	default:
	}
	go func() { _, _, _, err := p1.Handshake(ctx); done1 <- err }()
	for _, c := range []*FakeCore{p1, p2} {
		if !s.waitFor(func() bool { return slices.Contains(s.ops[c.RegID()], "get registration") }) {
			t.Fatalf("regid %#x never reached GET_REGISTRATION: %v", c.RegID(), s.opsOf(c.RegID()))
		}
	}
	select {
	case err := <-done1:
		t.Fatalf("P1 finished before /start: %v", err)
	case err := <-done2:
		t.Fatalf("P2 finished before /start: %v", err)
	default:
	}
	close(s.release)
	for _, done := range []chan error{done1, done2} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p1.Poll(ctx, map[int]uint32{0: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestLostConnection checks the core's 10 s (here shortened) timeout with
// re-requests every 5 ms, and that it never recovers.
func TestLostConnection(t *testing.T) {
	checkNoLeaks(t)
	ctx := testContext(t)
	s := newStandIn(t, 2, 1)
	c := s.core(t, FakeCoreConfig{Players: []uint8{0}, InputTimeout: 150 * time.Millisecond})
	if _, err := play(ctx, c, 5); err != nil {
		t.Fatal(err)
	}
	s.set(func() { s.mute = true })
	before := c.Stats().Requests
	var err error
	for range 4 { // events already held are consumed first
		if _, err = c.Poll(ctx, nil); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrLostConnection) {
		t.Fatalf("Poll while the server is silent: %v, want ErrLostConnection", err)
	}
	if n := c.Stats().Requests - before; n < 4 {
		t.Errorf("only %d requests while waiting, want re-requests every 5 ms", n)
	}
	s.set(func() { s.mute = false })
	if _, err := c.Poll(ctx, nil); !errors.Is(err, ErrLostConnection) {
		t.Fatalf("Poll after losing the connection: %v, want ErrLostConnection", err)
	}
}

// TestGratuitous checks that a Debian core drops UDP type 3 as unknown and
// still plays, while a master core uses it.
func TestGratuitous(t *testing.T) {
	for _, tt := range []struct {
		name       string
		gratuitous bool
	}{{"debian", false}, {"master", true}} {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			ctx := testContext(t)
			s := newStandIn(t, 2, 1)
			s.set(func() { s.gratuitous = true })
			c := s.core(t, FakeCoreConfig{Players: []uint8{0}, Gratuitous: tt.gratuitous})
			if _, err := play(ctx, c, 50); err != nil {
				t.Fatal(err)
			}
			c.Close() // settles the queue: every datagram is either processed or gone
			st := c.Stats()
			if tt.gratuitous && st.Unknown != 0 {
				t.Errorf("master core counted %d unknown datagrams", st.Unknown)
			}
			if !tt.gratuitous && st.Unknown == 0 {
				t.Errorf("debian core processed type 3: %+v", st)
			}
			if got := c.History()[49].Keys[0]; got != keysFor(0, 47) {
				t.Errorf("poll 49 consumed %#x, want %#x", got, keysFor(0, 47))
			}
		})
	}
}

// TestSpeedLimiter checks the record of the core's limiter decision: off
// only while the server reports lag and more than buffer_target events are
// held (the prototype's "turbo" settings: lag 255, target 0).
func TestSpeedLimiter(t *testing.T) {
	for _, tt := range []struct {
		name    string
		lag     uint8
		wantOff bool
	}{{"in step", 0, false}, {"turbo", 255, true}} {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			ctx := testContext(t)
			s := newStandIn(t, 6, 1)
			s.set(func() { s.lag = tt.lag })
			c := s.core(t, FakeCoreConfig{Players: []uint8{0}})
			if _, err := play(ctx, c, 20); err != nil {
				t.Fatal(err)
			}
			st := c.Stats()
			if (st.LimiterOff > 0) != tt.wantOff || st.Lag[0] != tt.lag {
				t.Errorf("stats %+v, want limiter off %v", st, tt.wantOff)
			}
		})
	}
}

// TestProcess feeds the core's datagram handling hostile and odd input
// directly: nothing panics, and only valid future events are held.
func TestProcess(t *testing.T) {
	c, err := NewFakeCore(FakeCoreConfig{Host: netip.MustParseAddrPort("127.0.0.1:9"), Players: []uint8{1}})
	if err != nil {
		t.Fatal(err)
	}
	c.count[1] = 10
	c.held[1][12] = m64p.Event{Count: 12}
	enc := func(m m64p.KeyInfoServer) []byte {
		b, err := m.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name string
		pkt  []byte
		want Stats
	}{
		{"empty", nil, Stats{Unknown: 1}},
		{"client type", []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, Stats{Unknown: 1}},
		{"gratuitous on debian", enc(m64p.KeyInfoServer{Gratuitous: true, Player: 1, Events: []m64p.Event{{Count: 11}}}), Stats{Unknown: 1}},
		{"player 4", []byte{1, 4, 0, 0, 0}, Stats{Malformed: 1}},
		{"truncated", []byte{1, 1, 0, 0, 2, 0, 0, 0, 10}, Stats{Malformed: 1}},
		{"oversized", append([]byte{1, 1, 0, 0, 57}, make([]byte, 57*9)...), Stats{Malformed: 1}},
		{"past, held, new", enc(m64p.KeyInfoServer{Player: 1, Lag: 3, Status: m64p.PlayerGone(0), Events: []m64p.Event{{Count: 9}, {Count: 12}, {Count: 10, Keys: 7}, {Count: 0x8000_000a}}}),
			Stats{Replies: 1, Stale: 2, Duplicate: 1, Status: m64p.PlayerGone(0)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.stats = Stats{Status: c.stats.Status, Lag: c.stats.Lag}
			before := len(c.held[1])
			c.process(tt.pkt)
			got := c.stats
			got.Lag = [4]uint8{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stats %+v, want %+v", got, tt.want)
			}
			if tt.want.Replies == 0 && len(c.held[1]) != before {
				t.Errorf("rejected datagram changed the held events")
			}
		})
	}
	if e, ok := c.take(1); !ok || e.Keys != 7 || c.count[1] != 11 || c.stats.Lag[1] != 3 {
		t.Errorf("after processing: take = %+v %v, count %d, lag %d", e, ok, c.count[1], c.stats.Lag[1])
	}
}

func TestMisuse(t *testing.T) {
	host := netip.MustParseAddrPort("127.0.0.1:9")
	for _, tt := range []struct {
		name string
		cfg  FakeCoreConfig
	}{
		{"no host", FakeCoreConfig{}},
		{"player 4", FakeCoreConfig{Host: host, Players: []uint8{4}}},
		{"player twice", FakeCoreConfig{Host: host, Players: []uint8{1, 1}}},
		{"short save", FakeCoreConfig{Host: host, Saves: m64p.Saves{m64p.SaveSRAM: make([]byte, 10)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewFakeCore(tt.cfg); err == nil {
				t.Fatal("NewFakeCore accepted a bad config")
			}
		})
	}
	c, err := NewFakeCore(FakeCoreConfig{Host: host, Players: []uint8{2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Poll(t.Context(), nil); !errors.Is(err, ErrNotReady) {
		t.Errorf("Poll before the handshake: %v", err)
	}
	if _, err := c.SyncSettings(t.Context()); !errors.Is(err, ErrNotReady) {
		t.Errorf("SyncSettings before Register: %v", err)
	}
	if c.RegID()&7 != 3 || c.RegID() == 0 {
		t.Errorf("regid %#x: low 3 bits are not player 3", c.RegID())
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close of an unconnected core: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
}

func TestPollRejectsForeignKeys(t *testing.T) {
	checkNoLeaks(t)
	ctx := testContext(t)
	s := newStandIn(t, 2, 1)
	c := s.core(t, FakeCoreConfig{Players: []uint8{0}})
	if _, err := play(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{1, -1, 4} {
		if _, err := c.Poll(ctx, map[int]uint32{p: 1}); err == nil {
			t.Errorf("Poll accepted keys for player %d", p)
		}
	}
	if len(c.History()) != 1 {
		t.Errorf("rejected polls were recorded: %d", len(c.History()))
	}
}

// TestHandshakeAborts checks that a blocked handshake ends on Close, on
// cancellation, and with ErrServerClosed when the server hangs up.
func TestHandshakeAborts(t *testing.T) {
	checkNoLeaks(t)
	s := newStandIn(t, 2, 0) // never released
	for _, how := range []string{"close", "cancel"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			player := map[string]uint8{"close": 0, "cancel": 1}[how]
			c := s.core(t, FakeCoreConfig{Players: []uint8{player}})
			done := make(chan error, 1)
			go func() { _, _, _, err := c.Handshake(ctx); done <- err }()
			if !s.waitFor(func() bool { return slices.Contains(s.ops[c.RegID()], "get registration") }) {
				t.Fatal("never reached GET_REGISTRATION")
			}
			if how == "close" {
				c.Close()
			} else {
				cancel()
			}
			err := <-done
			if err == nil || (how == "cancel" && !errors.Is(err, context.Canceled)) {
				t.Fatalf("handshake after %s: %v", how, err)
			}
		})
	}
	t.Run("server hangs up", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			if conn, err := ln.Accept(); err == nil {
				conn.Read(make([]byte, 8))
				conn.Close()
			}
		}()
		c, err := NewFakeCore(FakeCoreConfig{Host: ln.Addr().(*net.TCPAddr).AddrPort(), Players: []uint8{0}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, _, _, err := c.Handshake(testContext(t)); !errors.Is(err, ErrServerClosed) {
			t.Fatalf("handshake against a server that hangs up: %v, want ErrServerClosed", err)
		}
	})
}

func ExampleFakeCore() {
	c, err := NewFakeCore(FakeCoreConfig{Host: netip.MustParseAddrPort("127.0.0.1:45000"), Players: []uint8{0}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	// c.Handshake(ctx), then c.Poll(ctx, map[int]uint32{0: keys}) per poll.
	fmt.Println(c.RegID()&7 == 1)
	// Output: true
}
