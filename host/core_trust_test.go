package host_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// Attacks on the session port by mupen64plus-core participants and raw
// peers, each run against a real host while honest players play: they
// must finish with the same inputs, never wait long in one poll, and the
// host's goroutines and memory must stay bounded.

const (
	trustLag   = 3
	trustPace  = 2 * time.Millisecond   // one poll per player
	worstStall = 250 * time.Millisecond // longest allowed wait in one poll
)

// trustGame is a running game of honest players: either three netpak
// clients (ports 1-3), or a direct core on port 1 and netpak clients on
// ports 2 and 3.
type trustGame struct {
	ts      *testSession
	core    *hosttest.FakeCore // nil without a core
	clients []*client.Client
	ports   []int // the port each client plays
	extra   []*hosttest.FakeCore
}

func startTrustGame(t *testing.T, cfg host.Config, withCore bool, spectatorCores int) *trustGame {
	t.Helper()
	if !withCore && spectatorCores > 0 {
		// Without a core on port 1, settings never come: cores wait for
		// good, which is what the ghost attacks need, and spectators too.
		t.Fatal("spectator cores need a core on port 1")
	}
	cfg.Lag = trustLag
	g := &trustGame{ts: startHost(t, cfg, nil)}
	var done chan error
	if withCore {
		var cores []*hosttest.FakeCore
		cores, done = startCores(t, g.ts.addr, []uint8{0})
		g.core = cores[0]
	}
	for range spectatorCores {
		c, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: netip.MustParseAddrPort(g.ts.addr), Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		g.extra = append(g.extra, c)
		go func() { _, _, _, err := c.Handshake(t.Context()); done <- err }()
	}
	for k := range 3 {
		if withCore && k == 0 {
			continue
		}
		g.clients = append(g.clients, g.ts.join(playerName(k), client.Config{Ports: 1 << k}))
		g.ports = append(g.ports, k)
	}
	g.ts.waitMembers(3 + spectatorCores)
	if err := g.ts.start(); err != nil {
		t.Fatal(err)
	}
	if withCore {
		waitHandshakes(t, 1+spectatorCores, done)
	}
	return g
}

// playerRun is what one honest player consumed, and its longest wait.
type playerRun struct {
	name    string
	keys    [][session.NumPorts]uint32
	worst   time.Duration
	worstAt int
	err     error
}

// play runs every honest player for polls polls, one every trustPace, and
// runs attack meanwhile, once the game has gone 50 polls. It fails the
// test unless every player consumed the same keys and none waited
// worstStall or longer in one poll while the attack ran.
func (g *trustGame) play(t *testing.T, polls int, attack func()) []playerRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	started := make(chan struct{})
	// Waits are measured while the attack runs: the machine is shared,
	// and what other processes do to the scheduler before and after is
	// not the host's doing.
	var attacking, finished atomic.Bool
	var once sync.Once
	runs := make([]playerRun, 0, 1+len(g.clients)+len(g.extra))
	var mu sync.Mutex
	var wg sync.WaitGroup
	paced := func(name string, poll func(i int) ([session.NumPorts]uint32, error)) {
		wg.Go(func() {
			r := playerRun{name: name}
			next := time.Now()
			for i := range polls {
				time.Sleep(time.Until(next))
				next = next.Add(trustPace)
				t0 := time.Now()
				during := attacking.Load()
				keys, err := poll(i)
				if d := time.Since(t0); (during || attacking.Load()) && d > r.worst {
					r.worst = d
					r.worstAt = i
				}
				if err != nil {
					r.err = err
					break
				}
				r.keys = append(r.keys, keys)
				if i == 50 {
					once.Do(func() { close(started) })
				}
			}
			mu.Lock()
			runs = append(runs, r)
			mu.Unlock()
		})
	}
	if g.core != nil {
		paced("core-p1", func(i int) ([session.NumPorts]uint32, error) {
			return g.core.Poll(ctx, map[int]uint32{0: coreKeys(0, i)})
		})
	}
	for i, c := range g.extra {
		paced(fmt.Sprintf("spectator core %d", i+1), func(int) ([session.NumPorts]uint32, error) {
			return c.Poll(ctx, nil)
		})
	}
	script := sim.Script{Seed: 9}
	for j, c := range g.clients {
		k := g.ports[j]
		paced(playerName(k), func(i int) ([session.NumPorts]uint32, error) {
			var presses [session.NumPorts]session.Input
			presses[k] = script.Press(k, uint32(i))
			presses[k].Pak = 0
			_, in, err := c.Poll(ctx, presses)
			var keys [session.NumPorts]uint32
			for p := range session.NumPorts {
				keys[p] = in[p].Keys
			}
			return keys, err
		})
	}
	// The canary measures how late the scheduler wakes this process: the
	// machine is shared, and a stall all of it suffers is not the host's.
	// It takes no lock of the host, so a host that freezes cannot delay it.
	var canary atomic.Int64
	canaryDone := make(chan struct{})
	go func() {
		defer close(canaryDone)
		for ctx.Err() == nil && !finished.Load() {
			t0 := time.Now()
			time.Sleep(time.Millisecond)
			if late := time.Since(t0) - time.Millisecond; attacking.Load() && int64(late) > canary.Load() {
				canary.Store(int64(late))
			}
		}
	}()
	attacked := make(chan struct{})
	go func() {
		defer close(attacked)
		select {
		case <-started:
			attacking.Store(true)
			t0 := time.Now()
			attack()
			attacking.Store(false)
			t.Logf("the attack ran %v", time.Since(t0))
		case <-ctx.Done():
		}
	}()
	wg.Wait()
	<-attacked
	finished.Store(true)
	<-canaryDone
	slack := time.Duration(canary.Load())
	t.Logf("the scheduler woke this process up to %v late during the attack", slack)
	for _, r := range runs {
		t.Logf("%s: %d polls, worst wait in one poll during the attack %v (poll %d)", r.name, len(r.keys), r.worst, r.worstAt)
		if r.err != nil {
			t.Errorf("%s: %v", r.name, r.err)
		}
		if len(r.keys) != polls {
			t.Errorf("%s played %d polls, want %d", r.name, len(r.keys), polls)
		}
		if r.worst >= worstStall+slack {
			t.Errorf("%s waited %v in one poll, want < %v + %v the whole process waited", r.name, r.worst, worstStall, slack)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for n := range polls {
		for _, r := range runs[1:] {
			if r.keys[n] != runs[0].keys[n] {
				t.Fatalf("poll %d: %s consumed %x, %s %x", n, r.name, r.keys[n], runs[0].name, runs[0].keys[n])
			}
		}
	}
	return runs
}

func playerName(k int) string { return []string{"p1", "bob", "eve"}[k] }

// usage is what the host process holds: goroutines, heap in use after a
// collection, and open descriptors (the test's own sockets included).
type usage struct {
	goroutines int
	heap       uint64
	fds        int
}

func measure() usage {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, _ := os.ReadDir("/proc/self/fd")
	return usage{goroutines: runtime.NumGoroutine(), heap: ms.HeapInuse, fds: len(fds)}
}

// hungUp reports whether the host closed c within d.
func hungUp(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 256)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// dialFrom dials the host from another loopback address (127.0.0.2 …),
// which the host counts as another source.
func dialFrom(ip string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{}
		if network == "tcp" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
		} else {
			d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(ip)}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// Ghost members: 64 connections that each send one RECEIVE_SETTINGS byte
// (a core waiting for player 1's settings, which never come) and hang up
// leave no member behind; idle and half-sent ones are let go; at most
// DefaultJoiningPerIP connections of one source wait at once, so they
// cannot fill the member table.
func TestCoreGhostMembers(t *testing.T) {
	cfg := host.WithLimits(host.Config{}, 0, 500*time.Millisecond, time.Second)
	g := startTrustGame(t, cfg, false, 0)
	before := measure()
	g.play(t, 2000, func() {
		// 64 that ask and hang up.
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				c, err := net.Dial("tcp", g.ts.addr)
				if err != nil {
					t.Error(err)
					return
				}
				c.Write([]byte{4})
				c.Close()
			})
		}
		wg.Wait()
		if !hosttest.Eventually(func() bool { return len(g.ts.h.Members()) == 3 }) {
			t.Errorf("%d members after 64 ghosts hung up, want 3", len(g.ts.h.Members()))
			return
		}
		// 16 that ask and stay, from a source of their own: only
		// DefaultJoiningPerIP are served.
		var stay []net.Conn
		for range 16 {
			c, err := dialFrom("127.0.0.3")(t.Context(), "tcp", g.ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte{4})
			stay = append(stay, c)
		}
		refused := 0
		for _, c := range stay {
			if hungUp(c, 100*time.Millisecond) {
				refused++
			}
		}
		waiting := len(g.ts.h.Members()) - 3
		t.Logf("16 waiting ghosts from one address: %d members, %d refused", waiting, refused)
		if waiting > host.DefaultJoiningPerIP || refused < 16-host.DefaultJoiningPerIP {
			t.Errorf("%d ghosts are members and %d were refused, want at most %d members", waiting, refused, host.DefaultJoiningPerIP)
		}
		// Another source still joins meanwhile.
		late, err := client.Dial(t.Context(), g.ts.addr, client.Config{Name: "late", Spectator: true, Dial: dialFrom("127.0.0.2")})
		if err != nil {
			t.Errorf("a spectator from another address, while ghosts wait: %v", err)
		} else {
			late.Close()
		}
		for _, c := range stay {
			c.Close()
		}
		if !hosttest.Eventually(func() bool { return len(g.ts.h.Members()) == 3 }) {
			t.Errorf("%d members after the waiting ghosts hung up, want 3", len(g.ts.h.Members()))
		}
		// A message cut short, and a connection idle after one message, are
		// let go after the (shortened) message and idle timeouts.
		half, err := net.Dial("tcp", g.ts.addr)
		if err != nil {
			t.Error(err)
			return
		}
		defer half.Close()
		half.Write([]byte{1, 'f', 'l', 'a', 0, 0, 2, 0, 0, 1, 2, 3}) // SEND_SAVE, 3 of 128 Ki bytes
		idle, err := net.Dial("tcp", g.ts.addr)
		if err != nil {
			t.Error(err)
			return
		}
		defer idle.Close()
		idle.Write([]byte{5, 3, 1, 0, 0, 0, 0, 9}) // REGISTER_PLAYER 4 after the start: refused, then silence
		if !hungUp(half, 3*time.Second) {
			t.Error("the host kept a connection whose message never completed")
		}
		if !hungUp(idle, 3*time.Second) {
			t.Error("the host kept a core idle in the handshake")
		}
		// A new player's connection is served again.
		if !hosttest.Eventually(func() bool {
			c, err := client.Dial(t.Context(), g.ts.addr, client.Config{Name: "later", Spectator: true})
			if err == nil {
				c.Close()
			}
			return err == nil
		}) {
			t.Error("no join after the ghosts left")
		}
	})
	after := measure()
	t.Logf("goroutines %d before, %d after; heap %d KiB before, %d KiB after", before.goroutines, after.goroutines, before.heap>>10, after.heap>>10)
	if after.goroutines > before.goroutines+10 {
		t.Errorf("%d goroutines before the attack, %d after", before.goroutines, after.goroutines)
	}
}

// SEND_SAVE flood: 300 connections send a SEND_SAVE header (a 128 KiB
// FlashRAM save follows, it says) and stall. The host serves at most
// DefaultJoiningPerIP of them at once, and lets those go when the message
// deadline passes; honest players play on.
func TestCoreSaveHeaderFlood(t *testing.T) {
	cfg := host.WithLimits(host.Config{}, 0, time.Second, 0)
	g := startTrustGame(t, cfg, false, 0)
	before := measure()
	var during usage
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	g.play(t, 2500, func() {
		header := []byte{1, 'f', 'l', 'a', 0, 0, 2, 0, 0}
		for range 300 {
			c, err := net.Dial("tcp", g.ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			c.Write(header)
			conns = append(conns, c)
		}
		time.Sleep(100 * time.Millisecond) // let the host accept and read them
		during = measure()
		for _, c := range conns {
			if !hungUp(c, 5*time.Second) {
				t.Error("a stalled SEND_SAVE outlived the message deadline")
				return
			}
		}
	})
	after := measure()
	t.Logf("300 stalled SEND_SAVE headers: goroutines %d → %d → %d, heap %d → %d → %d KiB, descriptors %d → %d → %d (300 are the attacker's)",
		before.goroutines, during.goroutines, after.goroutines, before.heap>>10, during.heap>>10, after.heap>>10, before.fds, during.fds, after.fds)
	// Each served core connection holds 3 goroutines and 1 descriptor.
	const served = host.DefaultJoiningPerIP
	if d := during.goroutines - before.goroutines; d > 3*served+10 {
		t.Errorf("the flood added %d goroutines, want at most %d", d, 3*served+10)
	}
	if d := during.fds - before.fds; d > 300+served+10 {
		t.Errorf("the flood added %d descriptors, want at most 300 (the attacker's) + %d", d, served+10)
	}
	if d := int64(during.heap) - int64(before.heap); d > 8<<20 {
		t.Errorf("the flood added %d KiB of heap, want < 8 MiB", d>>10)
	}
	if after.goroutines > before.goroutines+10 {
		t.Errorf("%d goroutines before the flood, %d after", before.goroutines, after.goroutines)
	}
}

// Far-future KEY_INFO: a direct core's keys for a count the host never let
// it reach (10,000; 2^31; 4,000,000,000) are refused at once; the sender
// plays on and nobody is dropped.
func TestCoreFarFutureKeys(t *testing.T) {
	g := startTrustGame(t, host.Config{}, true, 0)
	dropped := g.ts.h.Stats().DroppedDatagrams
	var sent int
	g.play(t, 1500, func() {
		for range 100 {
			time.Sleep(5 * time.Millisecond)
			for _, count := range []uint32{10_000, 1 << 31, 4_000_000_000, 0xffffffff} {
				b, _ := m64p.KeyInfoClient{Player: 0, Count: count, Keys: 0xbad, Plugin: m64p.PluginNone}.AppendTo(nil)
				if err := g.core.SendDatagram(b); err != nil {
					t.Error(err)
					return
				}
				sent++
			}
		}
	})
	if got := g.ts.h.Stats().DroppedDatagrams - dropped; got < uint64(sent) {
		t.Errorf("%d datagrams dropped, want the %d far-future ones", got, sent)
	}
	if n := len(g.ts.h.Members()); n != 3 {
		t.Errorf("%d members after the attack, want 3", n)
	}
}

// Runaway KEY_INFO: a direct core that sends keys for every count its
// stream holds, as fast as it can, cannot run its port ahead of the others
// until they are dropped as behind; it plays on, and so does everyone.
func TestCoreRunawayKeys(t *testing.T) {
	g := startTrustGame(t, host.Config{}, true, 0)
	dropped := g.ts.h.Stats().DroppedDatagrams
	var sent int
	g.play(t, 1500, func() {
		// Counts 0, 4, 8 …: with lag 3 each one the host takes publishes
		// four polls, which lets the next one in.
		for c := uint32(0); c < 40_000; c += trustLag + 1 {
			b, _ := m64p.KeyInfoClient{Player: 0, Count: c, Keys: 0xbad, Plugin: m64p.PluginNone}.AppendTo(nil)
			if err := g.core.SendDatagram(b); err != nil {
				t.Error(err)
				return
			}
			if sent++; sent%20 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	})
	t.Logf("%d datagrams sent, %d dropped", sent, g.ts.h.Stats().DroppedDatagrams-dropped)
	if n := len(g.ts.h.Members()); n != 3 {
		t.Errorf("%d members after the attack, want 3", n)
	}
}

// Core UDP addresses: another port of a core's IP can neither send keys
// for it nor take its replies with its regid, nor take a spectator core's
// replies with regid 0. The host answers only the bound addresses.
func TestCoreUDPAddressBound(t *testing.T) {
	g := startTrustGame(t, host.Config{}, true, 1)
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(g.ts.addr))
	answered := make(chan int, 1)
	go func() {
		n := 0
		buf := make([]byte, 600)
		for {
			if _, _, err := stranger.ReadFrom(buf); err != nil {
				answered <- n
				return
			}
			n++
		}
	}()
	dropped := g.ts.h.Stats().DroppedDatagrams
	var sent int
	runs := g.play(t, 1500, func() {
		t0 := time.Now()
		defer func() { t.Logf("the stranger sent %d datagrams in %v", sent, time.Since(t0)) }()
		// Paced, as a core would send: the point is who may speak for a
		// core, not how much the socket can take.
		for round := range 300 {
			c := uint32(round * 5)
			req, _ := m64p.InputRequest{Player: uint8(round % 3), RegID: g.core.RegID(), Count: c}.AppendTo(nil)
			spec, _ := m64p.InputRequest{Player: 1, Count: c, Spectator: true}.AppendTo(nil)
			keys, _ := m64p.KeyInfoClient{Player: 0, Count: c, Keys: 0xbad, Plugin: m64p.PluginNone}.AppendTo(nil)
			for _, b := range [][]byte{req, spec, keys} {
				stranger.WriteTo(b, to)
				sent++
			}
			time.Sleep(time.Millisecond)
		}
	})
	stranger.Close()
	if n := <-answered; n != 0 {
		t.Errorf("the host answered the stranger %d times", n)
	}
	if got := g.ts.h.Stats().DroppedDatagrams - dropped; got < uint64(sent) {
		t.Errorf("%d datagrams dropped, want the stranger's %d", got, sent)
	}
	for n, keys := range runs[0].keys {
		if keys[0] == 0xbad || (n >= trustLag && keys[0]>>24 != 1) {
			t.Fatalf("poll %d: port 1 read %#x, which the core never sent", n, keys[0])
		}
	}
}

// Honest cores that wait in the lobby longer than the idle and message
// timeouts (for /start, here) are kept: the deadlines bound silence and
// half-sent messages, never a wait for the host.
func TestCoreWaitOutlastsTimeouts(t *testing.T) {
	cfg := host.WithLimits(host.Config{Lag: 2}, 0, 200*time.Millisecond, 200*time.Millisecond)
	ts := startHost(t, cfg, nil)
	players := [][]uint8{{0}, {1}}
	cores, done := startCores(t, ts.addr, players...)
	ts.waitMembers(2)
	time.Sleep(time.Second) // five timeouts pass while both wait for /start
	if n := len(ts.h.Members()); n != 2 {
		t.Fatalf("%d members after a second in the lobby, want 2", n)
	}
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	waitHandshakes(t, 2, done)
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			if err := pollCore(t.Context(), c, players[i], 300); err != nil {
				t.Errorf("core %d: %v", i+1, err)
			}
		})
	}
	wg.Wait()
	requireSameGame(t, cores[0], cores[1])
	// A playing core is silent on TCP for the whole game.
	time.Sleep(500 * time.Millisecond)
	if n := len(ts.h.Members()); n != 2 {
		t.Errorf("%d members after the cores were silent on TCP in the game, want 2", n)
	}
}
