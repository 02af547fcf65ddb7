package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/vpn"
)

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

func testTunnels(t testing.TB) tunnels {
	return tunnels{dir: t.TempDir(), join: loopback, noPortMapping: true, logf: t.Logf}
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// tunnelSession is a host serving one session on loopback and inside a
// real WireGuard tunnel, as /server 0 vpn does.
type tunnelSession struct {
	h    *host.Host
	th   commands.TunnelHost
	addr string // the loopback listener
}

func startTunnelSession(t *testing.T, cfg host.Config) *tunnelSession {
	t.Helper()
	th, err := testTunnels(t).Host(commands.TunnelHostConfig{Bind: "127.0.0.1", MaxPeers: session.NumPorts, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	tln, tpc, err := th.Listen(commands.TunnelSessionPort)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logf = t.Logf
	ts := &tunnelSession{h: host.New(cfg), th: th, addr: ln.Addr().String()}
	var wg sync.WaitGroup
	wg.Go(func() { ts.h.Serve(ln, pc) })
	wg.Go(func() { ts.h.Serve(tln, tpc) })
	t.Cleanup(func() {
		ts.h.Close()
		wg.Wait()
		th.Close()
	})
	return ts
}

// joinTunnel joins the session through the tunnel as a netpak player.
func (ts *tunnelSession) joinTunnel(t *testing.T, name string, cfg client.Config) *client.Client {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	tun, err := testTunnels(t).Join(ctx, ts.th.Invite(), commands.TunnelJoinConfig{})
	if err != nil {
		t.Fatalf("%s joins the tunnel: %v", name, err)
	}
	t.Cleanup(func() { tun.Close() })
	cfg.Name, cfg.Dial = name, tun.DialContext
	c, err := client.Dial(ctx, tun.HostAddress(commands.TunnelSessionPort), cfg)
	if err != nil {
		t.Fatalf("%s joins the session through the tunnel: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestTunnelSimulatedSession plays a whole simulated game with the host's
// own player and three players who all come through the tunnel.
func TestTunnelSimulatedSession(t *testing.T) {
	ts := startTunnelSession(t, host.Config{Lag: 3, DropTimeout: 10 * time.Second}) // -race on a busy 2-core machine
	clients := []*client.Client{}
	for _, name := range []string{"p2", "p3", "p4"} {
		clients = append(clients, ts.joinTunnel(t, name, client.Config{}))
	}
	own, err := client.Dial(testCtx(t, 10*time.Second), ts.addr, client.Config{Name: "p1", OwnerKey: ts.h.OwnerKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { own.Close() })
	clients = append([]*client.Client{own}, clients...)
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	const polls = 600
	ctx := testCtx(t, 50*time.Second)
	res := make([]sim.Result, len(clients))
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			res[i], errs[i] = sim.Run(ctx, c, sim.Config{Polls: polls, Script: sim.Script{Seed: uint64(i + 1)}})
		})
	}
	wg.Wait()
	for i := range clients {
		if errs[i] != nil {
			t.Fatalf("player %d: %v", i+1, errs[i])
		}
		if res[i].State != res[0].State || res[i].State.Polls != polls {
			t.Errorf("player %d ended in %v, player 1 in %v", i+1, res[i].State, res[0].State)
		}
	}
	if len(ts.h.Members()) != 4 {
		t.Errorf("members %+v", ts.h.Members())
	}
}

// TestTunnelBridge carries a mupen64plus-protocol client through the
// tunnel: a fake core (the real one needs a window-less game for each
// player; the launcher's tests run it) talks to the bridge of a client
// that joined through the tunnel, and plays against a fake core that
// connects to the host directly. Both consume the same inputs.
func TestTunnelBridge(t *testing.T) {
	ts := startTunnelSession(t, host.Config{Lag: 2})
	remote := ts.joinTunnel(t, "remote", client.Config{Ports: 1 << 1})
	bridge, err := remote.ListenBridge("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bridged := newFakeCore(t, bridge.Addr(), 1)
	direct := newFakeCore(t, netip.MustParseAddrPort(ts.addr), 0)
	cores := []*hosttest.FakeCore{direct, bridged}
	ctx := testCtx(t, 50*time.Second)
	done := make(chan error, len(cores))
	for _, c := range cores {
		go func() {
			_, _, _, err := c.Handshake(ctx)
			done <- err
		}()
	}
	hosttest.WaitFor(t, "both cores registered", func() bool { return portsTaken(ts.h.Members()) == 0b11 })
	// Player 1's core announces its saves after it registered.
	hosttest.WaitFor(t, "player 1's saves", func() bool { err = ts.h.Start(); return !errors.Is(err, session.ErrNotAnnounced) })
	if err != nil {
		t.Fatal(err)
	}
	for range cores {
		if err := <-done; err != nil {
			t.Fatalf("handshake: %v", err)
		}
	}
	const polls = 300
	var wg sync.WaitGroup
	for i, c := range cores {
		wg.Go(func() {
			for n := range polls {
				if _, err := c.Poll(ctx, map[int]uint32{i: keysFor(i, n)}); err != nil {
					t.Errorf("core %d poll %d: %v", i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for n := range polls {
		a, b := direct.History()[n].Keys, bridged.History()[n].Keys
		want := [2]uint32{}
		if n >= 2 {
			want = [2]uint32{keysFor(0, n-2), keysFor(1, n-2)}
		}
		if a != b || a[0] != want[0] || a[1] != want[1] {
			t.Fatalf("poll %d: direct %x, bridged %x, want %x at lag 2", n, a, b, want)
		}
	}
}

func newFakeCore(t *testing.T, addr netip.AddrPort, player uint8) *hosttest.FakeCore {
	t.Helper()
	c, err := hosttest.NewFakeCore(hosttest.FakeCoreConfig{Host: addr, Players: []uint8{player}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func keysFor(player, n int) uint32 { return uint32(player+1)<<24 | uint32(n*13+player)&0xffff }

func portsTaken(ms []session.Member) session.PortMask {
	var m session.PortMask
	for _, x := range ms {
		m |= x.Ports
	}
	return m
}

// TestTunnelJoinErrors checks what a player reads when a join fails.
func TestTunnelJoinErrors(t *testing.T) {
	ts := startTunnelSession(t, host.Config{})
	good := ts.th.Invite()
	inv, err := vpn.ParseInvite(good)
	if err != nil {
		t.Fatal(err)
	}
	wrong := inv
	wrong.Secret[0] ^= 1
	silent := inv
	silent.Endpoints = []netip.AddrPort{deadUDPPort(t)}
	for _, tc := range []struct {
		name, invite string
		is           error
		want         string
		wait         time.Duration // the join's deadline
	}{
		{"mangled", good[:len(good)-3] + "AAA", vpn.ErrBadInvite, "copy the whole line", 2 * time.Second},
		{"wrong secret", wrong.String(), vpn.ErrBadSecret, "ask the host for a fresh /invite", 2 * time.Second},
		// Silence ends only at the deadline, so this one is short.
		{"no answer", silent.String(), vpn.ErrNoPath, "forward UDP port " + strconv.Itoa(int(silent.Endpoints[0].Port())), 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testTunnels(t).Join(testCtx(t, tc.wait), tc.invite, commands.TunnelJoinConfig{})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("join: %v; want %v saying %q", err, tc.is, tc.want)
			}
		})
	}
}

// deadUDPPort returns a loopback UDP address nobody answers on.
func deadUDPPort(t *testing.T) netip.AddrPort {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

// TestTunnelConstantsAgree checks the copies commands keeps of vpn's
// constants, as commands may not import vpn.
func TestTunnelConstantsAgree(t *testing.T) {
	if commands.InvitePrefix != vpn.InvitePrefix {
		t.Errorf("commands.InvitePrefix %q, vpn %q", commands.InvitePrefix, vpn.InvitePrefix)
	}
	if commands.AnswerPrefix != vpn.AnswerPrefix {
		t.Errorf("commands.AnswerPrefix %q, vpn %q", commands.AnswerPrefix, vpn.AnswerPrefix)
	}
	if d := commands.Defaults(); d.VPNPort != vpn.DefaultPort {
		t.Errorf("default vpn_port %d, vpn.DefaultPort %d", d.VPNPort, vpn.DefaultPort)
	}
}

// TestInviteWGFile writes a WireGuard-app file and checks it admits a
// peer, refuses to overwrite, and that /kick's tunnel side removes it.
func TestInviteWGFile(t *testing.T) {
	ts := startTunnelSession(t, host.Config{})
	path := filepath.Join(t.TempDir(), "bob.conf")
	wg, err := ts.th.InviteWG(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != wg.Text || !strings.Contains(wg.Text, "[Peer]") || wg.HostAddr != vpn.HostAddr.String() {
		t.Fatalf("wg file %q (%v), invite %+v", b, err, wg)
	}
	if fi, err := os.Stat(path); err != nil || !ownerOnly(fi) {
		t.Errorf("wg file mode %v, %v; want 0600", fi.Mode(), err)
	}
	if _, err := ts.th.InviteWG(path); err == nil {
		t.Error("InviteWG overwrote a file")
	}
	if ok, err := ts.th.Kick(wg.Addr); !ok || err != nil {
		t.Errorf("kick the wg peer: %v, %v", ok, err)
	}
	if ok, err := ts.th.Kick(wg.Addr); ok || err != nil {
		t.Errorf("kick again: %v, %v; want false, nil", ok, err)
	}
}

func TestASCIIQR(t *testing.T) {
	got := asciiQR([]string{"█▀▄ "})
	want := []string{"####    ", "##  ##  "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("asciiQR = %q, want %q", got, want)
	}
	lines, err := tunnels{ascii: true}.QRLines("netpak1abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if strings.Trim(l, "# ") != "" {
			t.Fatalf("ASCII QR line %q holds other characters", l)
		}
	}
}

// TestSessionVPNOnly hosts a console session only through the tunnel (and
// loopback for the host's own player) and joins it with the invite, the
// way a session file with vpn = true and vpn_only = true does.
func TestSessionVPNOnly(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	newSession := func(name string) (*commands.Session, chan string) {
		ev := make(chan string, 64)
		s := &commands.Session{Settings: commands.Defaults(), Tunnels: testTunnels(t), Logf: t.Logf}
		s.Settings.Name, s.Settings.VPNPort, s.Settings.VPNOnly = name, 0, true
		s.Settings.Bind = "127.0.0.1"
		s.Events = func(line string) {
			select {
			case ev <- line:
			default:
			}
		}
		t.Cleanup(func() { s.Leave() })
		return s, ev
	}
	alice, aliceEv := newSession("Alice")
	hosted, err := alice.Serve(ctx, commands.Server{VPN: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hosted.VPNOnly || hosted.VPNPort == 0 || !strings.HasPrefix(hosted.Invite, vpn.InvitePrefix) {
		t.Fatalf("hosted %+v", hosted)
	}
	if st := alice.State(); !st.VPN || st.Addr != "vpn port "+strconv.Itoa(hosted.VPNPort) {
		t.Errorf("host state %+v", st)
	}
	bob, _ := newSession("Bob")
	if err := bob.Connect(ctx, hosted.Invite); err != nil {
		t.Fatal(err)
	}
	waitLine(t, aliceEv, "Bob joined on port 2")
	if st := bob.State(); !st.VPN || st.Hosting || len(st.Members) != 2 || !strings.HasPrefix(st.Path, "direct") {
		t.Errorf("joiner state %+v", st)
	}
	if !strings.Contains(hosted.Reach, "no rendezvous or STUN server configured") {
		t.Errorf("reachability advice %q", hosted.Reach)
	}
	if st := alice.State(); len(st.Peers) != 1 || !strings.HasPrefix(st.Peers[0].Path.Name, "direct") {
		t.Errorf("host's tunnel peers %+v", st.Peers)
	}
	if err := alice.AcceptAnswer(vpn.AnswerPrefix + "AAAA"); !errors.Is(err, vpn.ErrBadAnswer) {
		t.Errorf("a damaged answer code: %v", err)
	}
	inv, err := alice.Invite(true)
	if err != nil || inv.Text == hosted.Invite || len(inv.QR) < 20 {
		t.Errorf("rotated invite %q (%d QR lines), %v", inv.Text, len(inv.QR), err)
	}
	if err := alice.Kick("Bob"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, aliceEv, "Bob left (kicked)")
	carol, _ := newSession("Carol")
	if err := carol.Connect(ctx, hosted.Invite); !errors.Is(err, vpn.ErrBadSecret) {
		t.Errorf("join with the replaced invite: %v", err)
	}
	if err := carol.Connect(ctx, inv.Text); err != nil {
		t.Errorf("join with the new invite: %v", err)
	}
}

func waitLine(t *testing.T, ev chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-ev:
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no event %q", want)
		}
	}
}
