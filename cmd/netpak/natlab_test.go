package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/vpn"
)

// The NAT lab: real network namespaces, veth links and iptables
// MASQUERADE routers (wireguard-nat.md §3.5), with the rendezvous, host
// and player as separate processes: this test binary re-executed in a
// role inside `ip netns exec`. Each case plays a simulated session
// through the tunnel and compares the host's and the player's hashes.

const (
	labRoleEnv    = "NETPAK_NATLAB_ROLE"
	labArgEnv     = "NETPAK_NATLAB_ARG"
	labRendezvous = "203.0.113.10:6465"
	labPolls      = 600
	labGamePort   = 6400
)

// router is how a lab router treats traffic: "pr" (MASQUERADE: endpoint-
// independent mapping, address-and-port-dependent filtering), "sym"
// (--random-fully: a new port per flow) or "fwd" (pr plus a port forward
// of the host's UDP port).
type labCase struct {
	name     string
	host     string // router of the host
	cgn      bool   // the host's router sits behind a second pr NAT
	player   string // router of the player
	wantPath string
}

func TestNATLab(t *testing.T) {
	if os.Getenv(labRoleEnv) != "" {
		t.Skip("running as a lab role")
	}
	for i, tc := range []labCase{
		{"port-restricted to port-restricted", "pr", false, "pr", "direct"},
		{"symmetric to port-restricted", "sym", false, "pr", "relayed via " + labRendezvous[:len("203.0.113.10")]},
		{"forwarded to symmetric", "fwd", false, "sym", "direct"},
		{"double NAT to port-restricted", "pr", true, "pr", "direct"},
	} {
		// Each case has namespaces of its own, so the cases run at once:
		// most of a case is waiting for discovery and punching.
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runLabCase(t, tc, i)
		})
	}
}

func runLabCase(t *testing.T, tc labCase, i int) {
	ns := buildLab(t, tc, i)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rdv := startRole(t, self, ns.inet, "rendezvous", "")
	rdv.out.wait(t, `listening on`)
	hst := startRole(t, self, ns.host, "host", "")
	invite := hst.out.wait(t, `^invite: (\S+)`)[1]
	ply := startRole(t, self, ns.player, "player", invite)
	m := ply.out.wait(t, `^path: (.+) up-ms: (\d+)`)
	t.Logf("%s: tunnel up in %s ms, %s", tc.name, m[2], m[1])
	if !strings.HasPrefix(m[1], tc.wantPath) {
		t.Errorf("path %q, want %q", m[1], tc.wantPath)
	}
	hp := ply.out.wait(t, `^hash: (\S+)`)[1]
	hh := hst.out.wait(t, `^hash: (\S+)`)[1]
	if hp != hh {
		t.Fatalf("player hash %s, host hash %s", hp, hh)
	}
}

// labNamespaces names the namespaces of one case.
type labNamespaces struct{ inet, host, player string }

// buildLab makes the namespaces and links for tc, or skips saying why.
func buildLab(t *testing.T, tc labCase, i int) labNamespaces {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the NAT lab needs root for network namespaces")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian: iproute2, iptables)", tool)
		}
	}
	p := fmt.Sprintf("nl%d%d", os.Getpid()%10000, i)
	n := func(s string) string { return p + s }
	if out, err := exec.Command("ip", "netns", "add", n("i")).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow network namespaces: %v: %s", err, out)
	}
	names := []string{n("i"), n("rh"), n("h"), n("rp"), n("p")}
	if tc.cgn {
		names = append(names, n("c"))
	}
	t.Cleanup(func() {
		for _, s := range names {
			exec.Command("ip", "netns", "del", s).Run()
		}
	})
	for _, s := range names[1:] {
		sh(t, "ip netns add "+s)
	}
	for _, s := range names {
		sh(t, "ip -n "+s+" link set lo up")
	}
	sh(t, "ip -n "+n("i")+" link add br0 type bridge")
	sh(t, "ip -n "+n("i")+" addr add 203.0.113.10/24 dev br0")
	sh(t, "ip -n "+n("i")+" link set br0 up")
	hostWAN, hostUp := "203.0.113.1/24", n("i")
	if tc.cgn {
		wire(t, n("c"), "wan", "203.0.113.3/24", n("i"), "vc", "")
		sh(t, "ip -n "+n("i")+" link set vc master br0 up")
		wire(t, n("c"), "lan", "100.64.0.1/24", n("rh"), "wan", "100.64.0.2/24")
		sh(t, "ip -n "+n("rh")+" route add default via 100.64.0.1")
		natRules(t, n("c"), "pr", "")
		hostWAN, hostUp = "", ""
	}
	if hostUp != "" {
		wire(t, n("rh"), "wan", hostWAN, n("i"), "vh", "")
		sh(t, "ip -n "+n("i")+" link set vh master br0 up")
	}
	wire(t, n("rp"), "wan", "203.0.113.2/24", n("i"), "vp", "")
	sh(t, "ip -n "+n("i")+" link set vp master br0 up")
	wire(t, n("rh"), "lan", "192.168.1.1/24", n("h"), "eth0", "192.168.1.2/24")
	wire(t, n("rp"), "lan", "192.168.2.1/24", n("p"), "eth0", "192.168.2.2/24")
	sh(t, "ip -n "+n("h")+" route add default via 192.168.1.1")
	sh(t, "ip -n "+n("p")+" route add default via 192.168.2.1")
	natRules(t, n("rh"), tc.host, "192.168.1.2")
	natRules(t, n("rp"), tc.player, "192.168.2.2")
	return labNamespaces{inet: n("i"), host: n("h"), player: n("p")}
}

// wire links namespace a's device da (address aa) to b's db (address ab);
// an empty address leaves the device unaddressed.
func wire(t *testing.T, a, da, aa, b, db, ab string) {
	t.Helper()
	sh(t, fmt.Sprintf("ip link add %s netns %s type veth peer name %s netns %s", da, a, db, b))
	for _, d := range [][3]string{{a, da, aa}, {b, db, ab}} {
		if d[2] != "" {
			sh(t, "ip -n "+d[0]+" addr add "+d[2]+" dev "+d[1])
		}
		sh(t, "ip -n "+d[0]+" link set "+d[1]+" up")
	}
}

// natRules makes namespace ns a consumer router of the given kind that
// drops unsolicited inbound datagrams.
func natRules(t *testing.T, ns, kind, inside string) {
	t.Helper()
	ipt := "ip netns exec " + ns + " iptables "
	sh(t, "ip netns exec "+ns+" sysctl -qw net.ipv4.ip_forward=1")
	masq := ipt + "-t nat -A POSTROUTING -o wan -j MASQUERADE"
	if kind == "sym" {
		masq += " --random-fully"
	}
	sh(t, masq)
	if kind == "fwd" {
		sh(t, ipt+"-t nat -A PREROUTING -i wan -p udp --dport "+strconv.Itoa(vpn.DefaultPort)+
			" -j DNAT --to-destination "+inside+":"+strconv.Itoa(vpn.DefaultPort))
	}
	sh(t, ipt+"-A INPUT -i wan -m conntrack --ctstate NEW -j DROP")
	sh(t, ipt+"-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED,DNAT -j ACCEPT")
	sh(t, ipt+"-A FORWARD -i wan -j DROP")
}

func sh(t *testing.T, cmd string) {
	t.Helper()
	f := strings.Fields(cmd)
	if out, err := exec.Command(f[0], f[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", cmd, err, out)
	}
}

// startRole runs this test binary as role inside namespace ns.
func startRole(t *testing.T, self, ns, role, arg string) *consoleProc {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, self, "-test.run=^TestNATLabRole$", "-test.v")
	cmd.Env = append(os.Environ(), labRoleEnv+"="+role, labArgEnv+"="+arg)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	c := &consoleProc{name: role, cmd: cmd, exited: make(chan error, 1),
		out: newStream(role+" stdout", stdout), err: newStream(role+" stderr", stderr)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-c.exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-c.exited
		}
	})
	return c
}

// TestNATLabRole is not a test on its own: TestNATLab runs this binary
// with NETPAK_NATLAB_ROLE set, and this plays that role.
func TestNATLabRole(t *testing.T) {
	role := os.Getenv(labRoleEnv)
	switch role {
	case "":
		t.Skip("only runs as a role of TestNATLab")
	case "rendezvous":
		if code := runRendezvous([]string{"-listen", labRendezvous}, os.Stdout, os.Stderr); code != 0 {
			t.Fatalf("rendezvous exited %d", code)
		}
	case "host":
		labHost(t)
	case "player":
		labPlayer(t, os.Getenv(labArgEnv))
	default:
		t.Fatalf("unknown role %q", role)
	}
}

func labHost(t *testing.T) {
	h, err := vpn.NewHost(vpn.HostConfig{
		Listen:        netip.AddrPortFrom(netip.IPv4Unspecified(), vpn.DefaultPort),
		Rendezvous:    []string{labRendezvous},
		NoPortMapping: true,
		Logf:          t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reach := h.WaitDiscovery(ctx)
	t.Log(reach.Advice())
	s := host.New(host.Config{AutoStart: 2, Logf: t.Logf})
	defer s.Close()
	tln, tpc, err := h.Listen(labGamePort)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(tln, tpc)
	lln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := lln.Addr().(*net.TCPAddr).Port
	lpc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(lln, lpc)
	fmt.Printf("invite: %s\n", h.Invite())
	c, err := client.Dial(ctx, lln.Addr().String(), client.Config{Name: "host", OwnerKey: s.OwnerKey(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	playAndPrint(t, ctx, c)
	if peers, err := h.Peers(); err == nil && len(peers) > 0 {
		t.Logf("host sees the player on path %v (rtt %v)", peers[0].Path, peers[0].Path.RTT)
	}
	// Stay until the lab stops this role: the player may still be
	// waiting for the last polls, and a closed host would lose them.
	<-ctx.Done()
}

func labPlayer(t *testing.T, invite string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	tun, err := vpn.Join(ctx, invite, vpn.JoinConfig{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	up := time.Since(start)
	defer tun.Close()
	fmt.Printf("path: %v up-ms: %d\n", tun.Path(), up.Milliseconds())
	c, err := client.Dial(ctx, vpn.HostAddress(labGamePort), client.Config{Name: "player", Dial: tun.DialContext, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	playAndPrint(t, ctx, c)
}

func playAndPrint(t *testing.T, ctx context.Context, c *client.Client) {
	r, err := sim.Run(ctx, c, sim.Config{Polls: labPolls, Script: sim.Script{Seed: 7}})
	if err != nil {
		t.Fatalf("sim.Run: %v", err)
	}
	fmt.Printf("hash: %x polls: %d\n", r.State.Hash, r.State.Polls)
}
