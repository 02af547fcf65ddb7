package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/testrom"
)

// scriptKeys is every port's scripted controller word at a count: varied
// buttons and stick positions, different per port. Headless cores have no
// input of their own, so the host (direct cores) and the bridges (bridged
// cores) put these in place of the zero keys the cores report.
func scriptKeys(port int, count uint32) uint32 {
	x := uint64(port+1)<<40 ^ uint64(count)*0x9E3779B97F4A7C15
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return uint32(x >> 16)
}

// seat is one emulator process and how it reaches the session.
type seat struct {
	ports   []int // player numbers (1-4) this core controls
	bridged bool  // through a netpak client's bridge; else direct on the session port
	// tweak, if set, changes this core's launcher config (a wrong player).
	tweak func(*launcher.Config)
}

// gameSpec describes one real-core game.
type gameSpec struct {
	polls int   // the ROM's N
	lag   uint8 // the session lag at the start
	seats []seat
}

// game is a running session: the host, a spectator that records every
// stream, the bridges' clients and the emulator processes.
type game struct {
	t       *testing.T
	spec    gameSpec
	h       *host.Host
	addr    string
	events  *eventLog
	rec     *host.Client   // spectator recording the streams
	owner   *host.Client   // the host's own player: the first bridged seat
	clients []*host.Client // per seat; nil for a direct core
	severs  []*severer     // per seat; nil for a direct core
	procs   []*launcher.Process
	logs    []string // per seat: the core's log file
	names   []string // per seat: its member name in the session
	active  host.PortMask
}

// resultAddrs are the ROM's words every core reports once it is done.
var resultAddrs = []uint32{testrom.AddrDone, testrom.AddrCounter, testrom.AddrHash, testrom.AddrMagic}

// startGame starts a turbo host that starts by itself once every port of
// spec is taken, a recording spectator, a bridge per bridged seat, and one
// emulator process per seat.
func startGame(t *testing.T, spec gameSpec) *game {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	g := &game{t: t, spec: spec, events: newEventLog(),
		clients: make([]*host.Client, len(spec.seats)), severs: make([]*severer, len(spec.seats))}
	for _, s := range spec.seats {
		for _, p := range s.ports {
			g.active |= 1 << (p - 1)
		}
	}
	g.startHost()
	g.rec = g.dial("rec", host.ClientConfig{Spectator: true})
	rom := writeROM(t, spec.polls)
	for i, s := range spec.seats {
		cfg := g.coreConfig(i, s, rom)
		p, err := launcher.Start(context.Background(), exe, cfg)
		if err != nil {
			t.Fatalf("start core %d: %v", i, err)
		}
		g.procs = append(g.procs, p)
	}
	t.Cleanup(g.stopCores)
	return g
}

func (g *game) startHost() {
	t := g.t
	ln, pc, addr := listenPair(t)
	g.addr = addr
	g.h = host.New(host.Config{
		Lag: g.spec.lag, AutoStart: g.active.Count(), Turbo: true, ScriptKeys: scriptKeys,
		Logf: t.Logf, OnEvent: g.events.add,
	})
	served := make(chan error, 1)
	go func() { served <- g.h.Serve(ln, pc) }()
	t.Cleanup(func() {
		g.h.Close()
		if err := <-served; !errors.Is(err, host.ErrClosed) {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
}

func (g *game) dial(name string, cfg host.ClientConfig) *host.Client {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg.Name, cfg.Logf = name, g.t.Logf
	c, err := host.Dial(ctx, g.addr, cfg)
	if err != nil {
		g.t.Fatalf("%s joins: %v", name, err)
	}
	g.t.Cleanup(func() { c.Close() })
	return c
}

// coreConfig joins seat i's bridge client if it has one and returns the
// config of its emulator, pointed at the bridge or at the host.
func (g *game) coreConfig(i int, s seat, rom string) launcher.Config {
	t := g.t
	logPath := filepath.Join(t.TempDir(), fmt.Sprintf("core%d.log", i))
	g.logs = append(g.logs, logPath)
	cfg := launcher.Config{
		ROM: rom, Headless: true, LogPath: logPath, Logf: t.Logf,
		NetplayHost: "127.0.0.1", Ports: s.ports,
		DoneAddr: testrom.AddrDone, ReportAddrs: resultAddrs,
	}
	name := fmt.Sprintf("core-p%d", s.ports[0])
	target := g.addr
	if s.bridged {
		var mask host.PortMask
		for _, p := range s.ports {
			mask |= 1 << (p - 1)
		}
		name = fmt.Sprintf("p%d", s.ports[0])
		g.severs[i] = &severer{}
		cc := host.ClientConfig{Ports: mask, ScriptKeys: scriptKeys, Dial: g.severs[i].dial}
		if g.owner == nil {
			cc.OwnerKey = g.h.OwnerKey()
		}
		c := g.dial(name, cc)
		if g.owner == nil {
			g.owner = c
		}
		g.clients[i] = c
		ap, err := c.ListenBridge("127.0.0.1:0")
		if err != nil {
			t.Fatalf("bridge: %v", err)
		}
		target = ap.String()
	}
	g.names = append(g.names, name)
	_, port, err := net.SplitHostPort(target)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Sscan(port, &cfg.NetplayPort)
	if s.tweak != nil {
		s.tweak(&cfg)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("core %d (%s) log:\n%s", i, name, tail(logPath))
		}
	})
	return cfg
}

// severer dials a client's connections and can cut them all at once
// without a goodbye, as the kernel does when a process dies.
type severer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *severer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err == nil {
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
	}
	return c, err
}

// sever closes every connection the client opened.
func (s *severer) sever() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

// stopCores stops every emulator at once, so a hung one costs one
// launcher.StopTimeout, not one each.
func (g *game) stopCores() {
	var wg sync.WaitGroup
	for _, p := range g.procs {
		wg.Go(func() { p.Stop() })
	}
	wg.Wait()
}

// record consumes polls [0, polls) as the spectator and returns every
// port's input per poll; onPoll, if set, runs after each poll.
func (g *game) record(ctx context.Context, onPoll func(p uint32)) ([][host.NumPorts]host.Input, error) {
	out := make([][host.NumPorts]host.Input, 0, g.spec.polls)
	for len(out) < g.spec.polls {
		p, in, err := g.rec.Poll(ctx, [host.NumPorts]host.Input{})
		if err != nil {
			return out, fmt.Errorf("spectator at poll %d: %w", len(out), err)
		}
		if int(p) != len(out) {
			return out, fmt.Errorf("spectator consumed poll %d, want %d", p, len(out))
		}
		out = append(out, in)
		if onPoll != nil {
			onPoll(p)
		}
	}
	return out, nil
}

// waitDone waits until core i's ROM set its done flag and returns the
// words it reported. It skips the test when the core is not installed.
func (g *game) waitDone(ctx context.Context, i int) []uint32 {
	g.t.Helper()
	p := g.procs[i]
	select {
	case <-p.Done():
		return p.DoneWords()
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(g.t, err)
		g.t.Fatalf("core %d (%s) ended before its ROM was done: %v", i, g.names[i], err)
	case <-ctx.Done():
		words, err := p.ReadWords(context.Background(), resultAddrs)
		g.t.Fatalf("core %d (%s) not done in time: done, counter, hash, magic = %x (%v)", i, g.names[i], words, err)
	}
	return nil
}

// skipIfMissing skips the test when the real core cannot run here.
func skipIfMissing(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, launcher.ErrMissing) || errors.Is(err, launcher.ErrUnsupported) {
		t.Skipf("real mupen64plus core not usable here: %v", err)
	}
}

// checkCores compares the final words of the named cores with the hash the ROM must
// have computed from the recorded inputs.
func (g *game) checkCores(words [][]uint32, names []string, rec [][host.NumPorts]host.Input) {
	g.t.Helper()
	want := []uint32{1, uint32(g.spec.polls), romHash(rec, g.active), testrom.Magic}
	for i, w := range words {
		if len(w) != len(want) {
			g.t.Errorf("core %d (%s) reported %x", i, names[i], w)
			continue
		}
		for j := range want {
			if w[j] != want[j] {
				g.t.Errorf("core %d (%s): word at %#x = %#x, want %#x", i, names[i], resultAddrs[j], w[j], want[j])
			}
		}
	}
}

// romHash folds the recorded inputs as the ROM does: a port of the game
// is a present controller (a departed player's port reads as no input),
// the others are absent.
func romHash(rec [][host.NumPorts]host.Input, active host.PortMask) uint32 {
	polls := make([]testrom.Poll, len(rec))
	for n, in := range rec {
		for k := range host.NumPorts {
			polls[n][k] = testrom.Pad{Present: active.Has(k), Keys: in[k].Keys}
		}
	}
	return testrom.Hash(polls)
}

func writeROM(t *testing.T, polls int) string {
	t.Helper()
	rom, err := testrom.Build(polls)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "netpak-test.z64")
	if err := os.WriteFile(path, rom, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// listenPair opens TCP and UDP on the same loopback port.
func listenPair(t *testing.T) (net.Listener, net.PacketConn, string) {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		pc, err := net.ListenPacket("udp", addr)
		if err == nil {
			return ln, pc, addr
		}
		ln.Close()
	}
	t.Fatal("no free TCP+UDP port pair on loopback")
	return nil, nil, ""
}

// tail returns the end of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const max = 6000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// logHas reports whether a core's log contains s.
func logHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), s)
}
