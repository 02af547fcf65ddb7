package host_test

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
)

// bridgedCore joins the session as a netpak client holding ports and
// connects a fake core to its bridge.
func bridgedCore(t *testing.T, ts *testSession, name string, ports session.PortMask, cfg client.Config, fc hosttest.FakeCoreConfig) (*client.Client, *hosttest.FakeCore) {
	t.Helper()
	cfg.Ports = ports
	c := ts.join(name, cfg)
	return c, coreBehind(t, c, fc)
}

// coreBehind opens a bridge of c, as a console does for each game, and
// returns a fake core configured by fc that talks to it.
func coreBehind(t *testing.T, c *client.Client, fc hosttest.FakeCoreConfig) *hosttest.FakeCore {
	t.Helper()
	b, err := c.ListenBridge("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fc.Host, fc.Logf = b.Addr(), t.Logf
	core, err := hosttest.NewFakeCore(fc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// Cores behind bridges and a direct core play one game; player 1's
// settings and saves reach every core, whichever way it came in.
func TestBridgedAndDirectCores(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	p1sets := m64p.Settings{CountPerOp: 2, SiDmaDuration: 0x900, EmuMode: 2}
	sram := make([]byte, m64p.SaveSRAM.Size())
	sram[100] = 0x5a
	var saves m64p.Saves
	saves[m64p.SaveSRAM] = sram
	alice, core1 := bridgedCore(t, ts, "alice", 1<<0, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{0}, Settings: p1sets, Saves: saves})
	_, core2 := bridgedCore(t, ts, "bob", 1<<1, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{1}})
	direct, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: netip.MustParseAddrPort(ts.addr), Players: []uint8{2}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	cores := []*hosttest.FakeCore{core1, core2, direct}
	players := [][]uint8{{0}, {1}, {2}}

	type hs struct {
		set   m64p.Settings
		saves m64p.Saves
		err   error
	}
	results := make([]hs, len(cores))
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			_, set, saves, err := c.Handshake(t.Context())
			results[i] = hs{set, saves, err}
		})
	}
	hosttest.WaitFor(t, "the condition", func() bool { return len(ts.h.Members()) == 3 && allPorts(ts.h.Members()) == 0b111 })
	if err := ts.h.Start(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("core %d handshake: %v", i, r.err)
		}
		if i > 0 && (r.set != p1sets || r.saves[m64p.SaveSRAM][100] != 0x5a) {
			t.Errorf("core %d got settings %+v, sram[100]=%#x; want player 1's", i, r.set, r.saves[m64p.SaveSRAM][100])
		}
	}
	const polls = 600
	for i, c := range cores {
		wg.Go(func() {
			if err := pollCore(t.Context(), c, players[i], polls); err != nil {
				t.Errorf("core %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// The emulator asks for a poll only when the replies it holds run
	// out, so the status may trail by the events of one reply.
	if got := alice.Status().Poll; got+m64p.MaxEvents < polls {
		t.Errorf("alice's status says poll %d; her emulator played %d", got, polls)
	}
	for n := range polls {
		want := cores[0].History()[n]
		for i, c := range cores[1:] {
			if got := c.History()[n]; got.Keys != want.Keys {
				t.Fatalf("poll %d: core %d consumed %x, core 0 %x", n, i+1, got.Keys, want.Keys)
			}
		}
		for p := range 3 {
			exp := uint32(0)
			if n >= 3 {
				exp = coreKeys(p, n-3)
			}
			if want.Keys[p] != exp {
				t.Fatalf("poll %d player %d: %#x, want %#x (lag 3)", n, p+1, want.Keys[p], exp)
			}
		}
	}
}

func allPorts(ms []session.Member) session.PortMask {
	var m session.PortMask
	for _, x := range ms {
		m |= x.Ports
	}
	return m
}

// A golfer behind a bridge gets real zero delay: after its golf press the
// events of its port carry the press of the same count.
func TestBridgedGolfer(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 4, Golf: true}, nil)
	script := func(port int, count uint32) uint32 {
		k := coreKeys(port, int(count)) &^ uint32(session.DefaultGolfMask)
		if port == 1 && count == 100 {
			k |= session.DefaultGolfMask
		}
		return k
	}
	_, alice := bridgedCore(t, ts, "alice", 1<<0, client.WithTestHooks(client.Config{}, testhook.Hooks{ScriptKeys: script}), hosttest.FakeCoreConfig{Players: []uint8{0}})
	_, bob := bridgedCore(t, ts, "bob", 1<<1, client.WithTestHooks(client.Config{}, testhook.Hooks{ScriptKeys: script}), hosttest.FakeCoreConfig{Players: []uint8{1}})
	cores := []*hosttest.FakeCore{alice, bob}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range cores {
		wg.Go(func() { _, _, _, errs[i] = c.Handshake(t.Context()) })
	}
	hosttest.WaitFor(t, "the condition", func() bool { return allPorts(ts.h.Members()) == 0b11 })
	if err := ts.h.Start(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	const polls = 400
	for i, c := range cores {
		wg.Go(func() { errs[i] = pollCore(t.Context(), c, []uint8{uint8(i)}, polls) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitEvents(t, ts, []string{"host"}, session.EventGolfSeat, 1)
	seat := ts.eventsOf("host", session.EventGolfSeat)[0]
	if seat.Who != "bob" {
		t.Fatalf("seat event %v, want bob", seat)
	}
	h := alice.History()
	for n := int(seat.Poll) + 4; n < polls; n++ {
		if got, want := h[n].Keys[1], script(1, uint32(n)); got != want {
			t.Fatalf("poll %d: bob's port %#x, want his press of the same poll %#x (lag 0)", n, got, want)
		}
		if got, want := h[n].Keys[0], script(0, uint32(n-4)); got != want {
			t.Fatalf("poll %d: alice's port %#x, want her press of poll %d (lag 4)", n, got, n-4)
		}
	}
	t.Logf("%v; checked polls %d-%d", seat, seat.Poll+4, polls-1)
}

// When a bridged emulator stops in the middle of a game while its netpak
// stays, its port reads empty and the others go on.
func TestBridgedEmulatorStops(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	_, alice := bridgedCore(t, ts, "alice", 1<<0, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{0}})
	bobClient, bob := bridgedCore(t, ts, "bob", 1<<1, client.Config{}, hosttest.FakeCoreConfig{Players: []uint8{1}})
	cores := []*hosttest.FakeCore{alice, bob}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range cores {
		wg.Go(func() { _, _, _, errs[i] = c.Handshake(t.Context()) })
	}
	hosttest.WaitFor(t, "the condition", func() bool { return allPorts(ts.h.Members()) == 0b11 })
	ts.h.Start()
	wg.Wait()
	wg.Go(func() { errs[0] = pollCore(t.Context(), alice, []uint8{0}, 1000) })
	wg.Go(func() {
		errs[1] = pollCore(t.Context(), bob, []uint8{1}, 200)
		bob.Close()
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitEvents(t, ts, []string{"host"}, session.EventLeft, 1)
	e := ts.eventsOf("host", session.EventLeft)[0]
	if e.Who != "bob" || e.Reason != session.LeaveEmulator || e.Ports != 1<<1 {
		t.Fatalf("host saw %v", e)
	}
	if h := alice.History(); h[999].Keys[1] != 0 {
		t.Errorf("bob's port after he left: %#x, want no input", h[999].Keys[1])
	}
	if st := bobClient.Status(); !st.Playing || len(ts.h.Members()) != 2 {
		t.Errorf("bob's netpak should stay in the session for chat")
	}
	t.Logf("%v", e)
}
