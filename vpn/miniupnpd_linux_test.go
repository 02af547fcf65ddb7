package vpn

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The router lab: namespace "host" sits on the router's LAN, namespace
// "wan" on its WAN side. miniupnpd refuses a reserved or private external
// address (TEST-NET ranges included), so the WAN side uses 11.64.0.0/24;
// the namespaces reach nothing outside this machine.
const (
	labRouterLAN = "192.168.77.1"
	labHostIP    = "192.168.77.2"
	labRouterExt = "11.64.0.1"
	labWANPeer   = "11.64.0.2"
	miniupnpd    = "/usr/sbin/miniupnpd"

	// miniupnpdChild names the mapper the host side forces ("upnp" or
	// "natpmp") when TestMiniupnpdChild runs inside the lab.
	miniupnpdChild = "NETPAK_MINIUPNPD_CHILD"
)

// TestMiniupnpd drives netpak's UPnP-IGD and NAT-PMP mappers against a
// real miniupnpd (Debian's miniupnpd-iptables) running in a router
// namespace with MASQUERADE on its WAN side. For each mapper, the host
// side runs as this test binary re-executed under `ip netns exec`, so
// SSDP, the routing table and every socket are the host namespace's. It
// checks that the router holds the mapping, that a datagram from the WAN
// side reaches the host's socket through it, that the candidate is the
// router's external address, that a player on the WAN side joins
// "direct via" the mapping, and that the mapping is gone when the host
// closes.
func TestMiniupnpd(t *testing.T) {
	lab := newRouterLab(t)
	for _, kind := range []struct{ name, method string }{{"upnp", "UPnP"}, {"natpmp", "NAT-PMP"}} {
		t.Run(kind.name, func(t *testing.T) {
			lab.checkMapper(t, kind.name, kind.method)
		})
	}
}

type routerLab struct {
	router, host, wan string // namespace names
	dir               string // config, lease and pid files
	iptables          string
}

// newRouterLab builds the namespaces, the router's NAT and miniupnpd's
// chains, and starts miniupnpd, or skips the test saying why it cannot.
func newRouterLab(t *testing.T) *routerLab {
	t.Helper()
	if os.Getenv(miniupnpdChild) != "" {
		t.Skip("this process is the host side of TestMiniupnpd")
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	for _, tool := range []struct{ name, pkg string }{{"ip", "iproute2"}, {"iptables-legacy", "iptables"}, {miniupnpd, "miniupnpd-iptables"}} {
		if _, err := exec.LookPath(tool.name); err != nil {
			t.Skipf("%s not installed (Debian: %s)", tool.name, tool.pkg)
		}
	}
	if out, _ := exec.Command(miniupnpd, "--version").CombinedOutput(); !strings.Contains(string(out), "iptables") {
		t.Skipf("this test sets up the chains of miniupnpd's iptables backend; %s is %q (Debian: install miniupnpd-iptables)", miniupnpd, strings.TrimSpace(string(out)))
	}
	id := os.Getpid() % 100000
	l := &routerLab{
		router: fmt.Sprintf("npk-ur%d", id), host: fmt.Sprintf("npk-uh%d", id), wan: fmt.Sprintf("npk-uw%d", id),
		dir: t.TempDir(),
	}
	if out, err := exec.Command("ip", "netns", "add", l.router).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow network namespaces: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", l.router).Run() })
	for _, ns := range []string{l.host, l.wan} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	l.links(t)
	// miniupnpd-iptables edits the legacy tables through libiptc, so the
	// lab uses them too; iptables-nft rules would be invisible to it.
	l.iptables = "iptables-legacy"
	if out, err := exec.Command("ip", "netns", "exec", l.router, l.iptables, "-w", "-t", "nat", "-L", "-n").CombinedOutput(); err != nil {
		t.Skipf("the kernel has no legacy iptables, which miniupnpd-iptables needs: %v: %s", err, out)
	}
	l.firewall(t)
	l.startMiniupnpd(t)
	return l
}

func (l *routerLab) links(t *testing.T) {
	t.Helper()
	run(t, "ip", "link", "add", "lan", "netns", l.router, "type", "veth", "peer", "name", "eth0", "netns", l.host)
	run(t, "ip", "link", "add", "wan", "netns", l.router, "type", "veth", "peer", "name", "eth0", "netns", l.wan)
	for _, c := range []struct{ ns, dev, addr string }{
		{l.router, "lan", labRouterLAN + "/24"}, {l.router, "wan", labRouterExt + "/24"},
		{l.host, "eth0", labHostIP + "/24"}, {l.wan, "eth0", labWANPeer + "/24"},
	} {
		run(t, "ip", "-n", c.ns, "addr", "add", c.addr, "dev", c.dev)
		run(t, "ip", "-n", c.ns, "link", "set", c.dev, "up")
		run(t, "ip", "-n", c.ns, "link", "set", "lo", "up")
	}
	run(t, "ip", "-n", l.host, "route", "add", "default", "via", labRouterLAN)
	// /proc/sys/net is the writing thread's namespace's.
	inNetns(t, l.router, func() {
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
			t.Fatalf("turn on forwarding in the router: %v", err)
		}
	})
}

// firewall makes the router a consumer router: MASQUERADE out of wan,
// nothing unsolicited in, and the chains Debian's iptables_init.sh makes
// for miniupnpd, hooked in ahead of the rest.
func (l *routerLab) firewall(t *testing.T) {
	t.Helper()
	for _, rule := range [][]string{
		{"-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"},
		{"-A", "FORWARD", "-i", "wan", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
		{"-A", "FORWARD", "-i", "wan", "-j", "DROP"},
		{"-t", "nat", "-N", "MINIUPNPD"},
		{"-t", "nat", "-I", "PREROUTING", "-i", "wan", "-j", "MINIUPNPD"},
		{"-t", "mangle", "-N", "MINIUPNPD"},
		{"-t", "mangle", "-I", "PREROUTING", "-i", "wan", "-j", "MINIUPNPD"},
		{"-t", "filter", "-N", "MINIUPNPD"},
		{"-t", "filter", "-I", "FORWARD", "-i", "wan", "!", "-o", "wan", "-j", "MINIUPNPD"},
		{"-t", "nat", "-N", "MINIUPNPD-POSTROUTING"},
		{"-t", "nat", "-I", "POSTROUTING", "-o", "wan", "-j", "MINIUPNPD-POSTROUTING"},
	} {
		run(t, "ip", append([]string{"netns", "exec", l.router, l.iptables, "-w"}, rule...)...)
	}
}

// startMiniupnpd runs miniupnpd in the foreground in the router namespace
// and waits until it listens for UPnP and NAT-PMP.
func (l *routerLab) startMiniupnpd(t *testing.T) {
	t.Helper()
	conf := filepath.Join(l.dir, "miniupnpd.conf")
	err := os.WriteFile(conf, []byte(strings.Join([]string{
		"ext_ifname=wan",
		"listening_ip=lan",
		"http_port=0",
		"enable_upnp=yes",
		"enable_natpmp=yes",
		"secure_mode=yes",
		"lease_file=" + l.leaseFile(),
		"uuid=6e657470-616b-4000-8000-6d696e697570",
		"allow 1024-65535 192.168.77.0/24 1024-65535",
		"deny 0-65535 0.0.0.0/0 0-65535",
	}, "\n")+"\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", l.router, miniupnpd, "-d", "-f", conf, "-P", filepath.Join(l.dir, "miniupnpd.pid"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start miniupnpd: %v", err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var log strings.Builder
	var logMu sync.Mutex
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logMu.Lock()
		defer logMu.Unlock()
		if t.Failed() {
			t.Logf("miniupnpd said:\n%s", log.String())
		}
	})
	deadline := time.After(5 * time.Second)
	for upnp, natpmp := false, false; !upnp || !natpmp; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("miniupnpd exited before listening: %v\n%s", cmd.Wait(), log.String())
			}
			log.WriteString(line + "\n")
			upnp = upnp || strings.Contains(line, "HTTP listening on port")
			natpmp = natpmp || strings.Contains(line, "Listening for NAT-PMP")
		case <-deadline:
			t.Fatalf("miniupnpd did not listen within 5 s:\n%s", log.String())
		}
	}
	go func() { // keep its log for the failure report
		for line := range lines {
			logMu.Lock()
			log.WriteString(line + "\n")
			logMu.Unlock()
		}
	}()
}

func (l *routerLab) leaseFile() string { return filepath.Join(l.dir, "leases") }

// routerMaps reports whether the router forwards UDP port ext to
// labHostIP:port: in miniupnpd's chains (a DNAT of ext in the nat table;
// iptables-legacy cannot print the target's revision that miniupnpd
// writes, so the filter table's ACCEPT names the inside address) and in
// its lease file.
func (l *routerLab) routerMaps(t *testing.T, ext, port uint16) (inChains, inLeases bool) {
	t.Helper()
	nat := l.chain(t, "nat")
	filter := l.chain(t, "filter")
	dnat := fmt.Sprintf("-p udp -m udp --dport %d -j DNAT", ext)
	accept := fmt.Sprintf("-d %s/32 -p udp -m udp --dport %d -j ACCEPT", labHostIP, port)
	inChains = strings.Contains(nat, dnat) && strings.Contains(filter, accept)
	leases, err := os.ReadFile(l.leaseFile())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	// One line per mapping: "UDP:ext:ip:port:expiry:description".
	inLeases = strings.Contains(string(leases), fmt.Sprintf("UDP:%d:%s:%d:", ext, labHostIP, port))
	t.Logf("router's chains:\n%s%slease file:\n%s", nat, filter, leases)
	return inChains, inLeases
}

// chain lists miniupnpd's chain in table.
func (l *routerLab) chain(t *testing.T, table string) string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", l.router, l.iptables, "-w", "-t", table, "-S", "MINIUPNPD").CombinedOutput()
	if err != nil {
		t.Fatalf("list miniupnpd's %s chain: %v: %s", table, err, out)
	}
	return string(out)
}

// checkMapper runs the host side in the host namespace with only the
// named mapper, and checks each step from outside.
func (l *routerLab) checkMapper(t *testing.T, kind, method string) {
	c := l.startChild(t, kind)

	// Step 1: the mapper alone, on a plain socket.
	f := c.expect(t, "mapped")
	mapped, local := netip.MustParseAddrPort(f[0]), parsePort(t, f[2])
	if mapped.Addr() != netip.MustParseAddr(labRouterExt) || f[1] != method {
		t.Fatalf("candidate %v (%s), want the router's external address %s by %s", mapped, f[1], labRouterExt, method)
	}
	if chain, leases := l.routerMaps(t, mapped.Port(), local); !chain || !leases {
		t.Fatalf("router holds no mapping of %v to %s:%d (chains %v, lease file %v)", mapped, labHostIP, local, chain, leases)
	}
	stop := l.sendFromWAN(t, mapped, "netpak-probe")
	f = c.expect(t, "got")
	stop()
	if f[0] != "netpak-probe" || netip.MustParseAddrPort(f[1]).Addr() != netip.MustParseAddr(labWANPeer) {
		t.Fatalf("host read %q from %s, want the probe from %s", f[0], f[1], labWANPeer)
	}
	c.expect(t, "removed")
	if chain, leases := l.routerMaps(t, mapped.Port(), local); chain || leases {
		t.Fatalf("router still maps %v after remove (chains %v, lease file %v)", mapped, chain, leases)
	}

	// Step 2: a Host maps its own port, a player on the WAN side joins
	// through it, and the mapping goes when the host closes.
	f = c.expect(t, "host")
	if f[1] != method {
		t.Fatalf("host's mapping is %s %s, want one by %s", f[0], f[1], method)
	}
	hostMapped := netip.MustParseAddrPort(f[0])
	inv, err := ParseInvite(f[2])
	if err != nil {
		t.Fatal(err)
	}
	if inv.Endpoints[0] != hostMapped {
		t.Fatalf("invite endpoints %v do not start with the mapping %v", inv.Endpoints, hostMapped)
	}
	var tun *Tunnel
	inNetns(t, l.wan, func() {
		tun, err = JoinInvite(testContext(t), inv, JoinConfig{Logf: t.Logf})
	})
	if err != nil {
		t.Fatalf("join from the WAN side: %v", err)
	}
	defer tun.Close()
	if got, want := tun.Path().String(), "direct via "+method; got != want || tun.Path().Addr != hostMapped {
		t.Fatalf("path %q to %v, want %q to %v", got, tun.Path().Addr, want, hostMapped)
	}
	checkTCPEcho(t, tun)
	checkUDPEcho(t, tun)
	tun.Close()
	c.say(t, "close")
	c.expect(t, "closed")
	c.wait(t)
	if chain, leases := l.routerMaps(t, hostMapped.Port(), DefaultPort); chain || leases {
		t.Fatalf("router still maps %v after the host closed (chains %v, lease file %v)", hostMapped, chain, leases)
	}
}

func parsePort(t *testing.T, s string) uint16 {
	t.Helper()
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return uint16(p)
}

// sendFromWAN sends msg to addr from the WAN namespace every 50 ms until
// stop is called.
func (l *routerLab) sendFromWAN(t *testing.T, addr netip.AddrPort, msg string) (stop func()) {
	t.Helper()
	var conn *net.UDPConn
	inNetns(t, l.wan, func() {
		var err error
		if conn, err = net.ListenUDP("udp4", nil); err != nil {
			t.Fatal(err)
		}
	})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			conn.WriteToUDPAddrPort([]byte(msg), addr)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { close(done); wg.Wait(); conn.Close() }) }
	t.Cleanup(stop)
	return stop
}

// labChild is the host side of TestMiniupnpd, running in the host
// namespace. It prints "npk: VERB FIELDS..." lines and reads commands.
type labChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func (l *routerLab) startChild(t *testing.T, kind string) *labChild {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", l.host, os.Args[0],
		"-test.run=^TestMiniupnpdChild$", "-test.v", "-test.count=1", "-test.timeout=30s")
	cmd.Env = append(os.Environ(), miniupnpdChild+"="+kind)
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		// The child is a -race build, whose runtime sleeps 1 s at exit
		// (atexit_sleep_ms) for other threads' reports, and the test
		// waits for it to exit. Races it hits while running still fail
		// its exit status.
		cmd.Env = append(cmd.Env, "GORACE="+strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	cmd.Stderr = cmd.Stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the host side: %v", err)
	}
	c := &labChild{cmd: cmd, stdin: stdin, lines: make(chan string, 256)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		for line := range c.lines {
			t.Logf("host side: %s", line)
		}
	})
	return c
}

// expect waits for the child's "npk: verb" line and returns its fields;
// the child's other output goes to the test log.
func (c *labChild) expect(t *testing.T, verb string) []string {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("host side ended before %q", verb)
			}
			if rest, ok := strings.CutPrefix(line, "npk: "+verb); ok {
				return strings.Fields(rest)
			}
			t.Logf("host side: %s", line)
			if strings.HasPrefix(line, "npk: fail") || strings.HasPrefix(line, "--- FAIL") {
				t.Fatalf("host side failed before %q", verb)
			}
		case <-deadline:
			t.Fatalf("host side said no %q within 15 s", verb)
		}
	}
}

func (c *labChild) say(t *testing.T, cmd string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
		t.Fatalf("tell the host side %q: %v", cmd, err)
	}
}

func (c *labChild) wait(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	for line := range c.lines {
		t.Logf("host side: %s", line)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("host side: %v", err)
	}
}

// TestMiniupnpdChild is the host side of TestMiniupnpd; it does nothing
// unless that test runs it in the lab's host namespace.
func TestMiniupnpdChild(t *testing.T) {
	kind := os.Getenv(miniupnpdChild)
	if kind == "" {
		t.Skip("the host side of TestMiniupnpd, which runs it in its router lab")
	}
	say := func(verb string, fields ...any) { fmt.Println(append([]any{"npk: " + verb}, fields...)...) }
	fail := func(format string, args ...any) {
		say("fail")
		t.Fatalf(format, args...)
	}
	switch kind {
	case "upnp":
		discoverers = discoverers[:1]
	case "natpmp":
		discoverers = discoverers[1:]
	default:
		fail("unknown mapper %q", kind)
	}
	ctx := testContext(t)

	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		fail("%v", err)
	}
	defer conn.Close()
	port := uint16(conn.LocalAddr().(*net.UDPAddr).Port)
	m, err := discoverers[0](ctx, port)
	if err != nil {
		fail("discover: %v", err)
	}
	c, err := m.renew(ctx)
	if err != nil {
		fail("map: %v", err)
	}
	say("mapped", c.Addr, c.Kind, port)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, from, err := conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		fail("read through the mapping: %v", err)
	}
	say("got", string(buf[:n]), from)
	if err := m.remove(ctx); err != nil {
		fail("remove: %v", err)
	}
	say("removed")

	h, err := NewHost(HostConfig{Logf: t.Logf}) // DefaultPort, every interface
	if err != nil {
		fail("NewHost: %v", err)
	}
	defer h.Close()
	reach := h.WaitDiscovery(ctx)
	if !reach.Mapping.Addr.IsValid() {
		fail("host made no mapping: %s", reach.MapNote)
	}
	serveEcho(t, h)
	say("host", reach.Mapping.Addr, reach.Mapping.Kind, h.Invite())
	if sc := bufio.NewScanner(os.Stdin); !sc.Scan() || sc.Text() != "close" {
		fail("no close command: %v", sc.Err())
	}
	if peers, err := h.Peers(); err == nil && len(peers) == 1 {
		t.Logf("host sees its peer at %v, %v", peers[0].Endpoint, peers[0].Path)
	}
	h.Close()
	say("closed")
}
