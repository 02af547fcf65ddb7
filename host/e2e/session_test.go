package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/latency"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/lossy"
	"github.com/netpak/netpak/host/portfwd"
	"github.com/netpak/netpak/host/session"
)

// seat is one emulator process and how it reaches the session.
type seat struct {
	ports   []int // player numbers (1-4) this core controls; none: a spectator's
	bridged bool  // through a netpak client's bridge; else direct on the session port
	// late seats are started by the test, mid-game (g.startSeat).
	late bool
	// tweak, if set, changes this core's launcher config (a wrong player).
	tweak func(*emucfg.Config)
	// link, if set, is the latency lab's network between this seat and
	// the host: under the bridge's client, or under a forward of the
	// session port for a direct core.
	link *latency.Link
}

// gameSpec describes one real-core game.
type gameSpec struct {
	polls int   // the ROM's N
	lag   uint8 // the session lag at the start
	seats []seat
	// paced keeps the cores' speed limiter: they play at 60 frames a
	// second instead of as fast as they can (benchmarks).
	paced bool
	// autoLag turns the host's autolag on, from lag.
	autoLag bool
	// golf turns golf mode on from the start.
	golf bool
	// keys, if set, replaces scriptKeys as every core's presses.
	keys func(port int, count uint32) uint32
	// tap, if set, times every core's inputs on its side of its network.
	tap *inputTap
	// loss is the share of the host's datagrams lost, each way.
	loss float64
}

// game is a running session: the host, a spectator that records every
// stream, the bridges' clients and the emulator processes.
type game struct {
	t       testing.TB
	spec    gameSpec
	h       *host.Host
	addr    string
	events  *eventLog
	rec     *client.Client   // spectator recording the streams
	owner   *client.Client   // the host's own player: the first bridged seat
	clients []*client.Client // per seat; nil for a direct core
	severs  []*severer       // per seat; nil for a direct core
	procs   []*launcher.Process
	logs    []string // per seat: the core's log file
	names   []string // per seat: its member name in the session
	active  session.PortMask
	rom     string // the ROM file every core runs
}

// resultAddrs are the ROM's words every core reports once it is done.
var resultAddrs = []uint32{testrom.AddrDone, testrom.AddrCounter, testrom.AddrHash, testrom.AddrMagic}

// startGame starts a turbo host that starts by itself once every port of
// spec is taken, a recording spectator, a bridge per bridged seat, and one
// emulator process per seat.
func startGame(t testing.TB, spec gameSpec) *game {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	n := len(spec.seats)
	g := &game{t: t, spec: spec, events: newEventLog(), clients: make([]*client.Client, n), severs: make([]*severer, n),
		procs: make([]*launcher.Process, n), logs: make([]string, n), names: make([]string, n)}
	for _, s := range spec.seats {
		for _, p := range s.ports {
			g.active |= 1 << (p - 1)
		}
	}
	g.startHost()
	g.rec = g.dial("rec", client.Config{Spectator: true})
	g.rom = writeROM(t, spec.polls)
	for i, s := range spec.seats {
		if !s.late {
			g.startSeat(exe, i)
		}
	}
	t.Cleanup(g.stopCores)
	return g
}

// startSeat joins seat i's bridge client if it has one and starts its
// emulator.
func (g *game) startSeat(exe string, i int) {
	cfg := g.coreConfig(i, g.spec.seats[i], g.rom)
	p, err := launcher.Start(context.Background(), exe, cfg)
	if err != nil {
		g.t.Fatalf("start core %d: %v", i, err)
	}
	g.procs[i] = p
}

// testCores makes the headless cores run unthrottled and gives them the
// scripted keys they cannot read from a controller.
var testCores = testhook.Hooks{Turbo: true, ScriptKeys: scriptKeys}

// hooks are the test behaviours of the game's host and bridges.
func (g *game) hooks() testhook.Hooks {
	h := testCores
	h.Turbo = !g.spec.paced
	h.ScriptKeys = g.keys()
	return h
}

// keys is every core's scripted presses.
func (g *game) keys() func(port int, count uint32) uint32 {
	if g.spec.keys != nil {
		return g.spec.keys
	}
	return scriptKeys
}

func (g *game) startHost() {
	t := g.t
	ln, pc, addr := listenPair(t)
	if g.spec.loss > 0 {
		pc = lossy.Wrap(pc, lossy.Config{Drop: g.spec.loss, Seed: 1})
	}
	g.addr = addr
	g.h = host.New(host.WithTestHooks(host.Config{
		Lag: g.spec.lag, AutoLag: g.spec.autoLag, Golf: g.spec.golf, AutoStart: g.active.Count(), Logf: t.Logf, OnEvent: g.events.add,
	}, g.hooks()))
	served := make(chan error, 1)
	go func() { served <- g.h.Serve(ln, pc) }()
	t.Cleanup(func() {
		g.h.Close()
		if err := <-served; !errors.Is(err, session.ErrClosed) {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
}

func (g *game) dial(name string, cfg client.Config) *client.Client {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg.Name, cfg.Logf = name, g.t.Logf
	c, err := client.Dial(ctx, g.addr, cfg)
	if err != nil {
		g.t.Fatalf("%s joins: %v", name, err)
	}
	g.t.Cleanup(func() { c.Close() })
	return c
}

// coreConfig joins seat i's bridge client if it has one and returns the
// config of its emulator, pointed at the bridge or at the host.
func (g *game) coreConfig(i int, s seat, rom string) emucfg.Config {
	t := g.t
	logPath := filepath.Join(t.TempDir(), fmt.Sprintf("core%d.log", i))
	g.logs[i] = logPath
	cfg := emucfg.Config{
		ROM: rom, Headless: true, LogPath: logPath, Logf: t.Logf,
		NetplayHost: "127.0.0.1", Ports: s.ports,
		DoneAddr: testrom.AddrDone, ReportAddrs: resultAddrs,
	}
	name := "watcher"
	if len(s.ports) > 0 {
		name = fmt.Sprintf("core-p%d", s.ports[0])
	}
	target, err := netip.ParseAddrPort(g.addr)
	if err != nil {
		t.Fatal(err)
	}
	var dial portfwd.DialFunc
	if s.link != nil && !s.bridged {
		dial = s.link.Dial(nil)
	}
	if s.bridged {
		if len(s.ports) > 0 {
			name = fmt.Sprintf("p%d", s.ports[0])
		}
		target = g.joinBridge(i, name, s.ports, s.link)
	}
	if tap := g.spec.tap; tap != nil {
		dial = tap.dial(i, dial)
	}
	if dial != nil {
		target = g.forwardTo(target, dial)
	}
	g.names[i] = name
	cfg.NetplayPort = int(target.Port())
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

// joinBridge joins seat i's netpak client holding ports, the first one as
// the host's own player, and opens its bridge.
func (g *game) joinBridge(i int, name string, ports []int, link *latency.Link) netip.AddrPort {
	var mask session.PortMask
	for _, p := range ports {
		mask |= 1 << (p - 1)
	}
	g.severs[i] = &severer{}
	dial := g.severs[i].dial
	if link != nil {
		dial = link.Dial(dial)
	}
	// A seat without ports is a spectator whose emulator replays the game
	// from power-on, as a console's with a ROM does.
	cc := client.WithTestHooks(client.Config{Ports: mask, Spectator: mask == 0, Replay: true, Dial: dial}, g.hooks())
	if g.owner == nil {
		cc.OwnerKey = g.h.OwnerKey()
	}
	c := g.dial(name, cc)
	if g.owner == nil {
		g.owner = c
	}
	g.clients[i] = c
	b, err := c.ListenBridge("127.0.0.1:0")
	if err != nil {
		g.t.Fatalf("bridge of %s: %v", name, err)
	}
	return b.Addr()
}

// forwardTo opens a port that carries a core's TCP and UDP to target
// through dial (a lab link, a tap), and returns it.
func (g *game) forwardTo(target netip.AddrPort, dial portfwd.DialFunc) netip.AddrPort {
	ln, pc, addr := listenPair(g.t)
	f := portfwd.Start(context.Background(), ln, pc, portfwd.Config{Target: target.String(), Dial: dial, Name: "lab port", Logf: g.t.Logf})
	g.t.Cleanup(f.Close)
	return netip.MustParseAddrPort(addr)
}

// stopCores stops every emulator at once, so a hung one costs one
// launcher.StopTimeout, not one each.
func (g *game) stopCores() {
	var wg sync.WaitGroup
	for _, p := range g.procs {
		if p != nil {
			wg.Go(func() { p.Stop() })
		}
	}
	wg.Wait()
}
