package vpn

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNetnsHostAndPlayer puts the host's and the player's UDP sockets in
// two network namespaces joined by a veth pair, so the tunnel runs over a
// real link rather than loopback. It needs root and ip(8).
func TestNetnsHostAndPlayer(t *testing.T) {
	hostNS, playerNS := makeVethPair(t)
	var h *Host
	inNetns(t, hostNS, func() {
		h = newTestHost(t, HostConfig{Listen: netip.MustParseAddrPort("10.201.0.1:0")})
	})
	serveEcho(t, h)
	var tun *Tunnel
	inNetns(t, playerNS, func() {
		var err error
		tun, err = Join(testContext(t), h.Invite().String(), JoinConfig{Logf: t.Logf})
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
		t.Cleanup(func() { tun.Close() })
	})
	if got := tun.Endpoint().Addr(); got != netip.MustParseAddr("10.201.0.1") {
		t.Fatalf("tunnel endpoint %v, want the host's veth address", got)
	}
	checkTCPEcho(t, tun)
	checkUDPEcho(t, tun)
	peers, err := h.Peers()
	if err != nil || len(peers) != 1 || peers[0].Endpoint.Addr() != netip.MustParseAddr("10.201.0.2") {
		t.Fatalf("host peers %+v (%v), want one at the player's veth address", peers, err)
	}
}

// makeVethPair creates namespaces "host" (10.201.0.1/24) and "player"
// (10.201.0.2/24) linked by veth, or skips the test saying why not.
func makeVethPair(t *testing.T) (hostNS, playerNS string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) not installed (Debian: iproute2)")
	}
	id := os.Getpid() % 100000
	hostNS, playerNS = fmt.Sprintf("npk-h%d", id), fmt.Sprintf("npk-p%d", id)
	vh, vp := fmt.Sprintf("npkh%d", id), fmt.Sprintf("npkp%d", id)
	if out, err := exec.Command("ip", "netns", "add", hostNS).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow network namespaces: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", hostNS).Run() })
	run(t, "ip", "netns", "add", playerNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", playerNS).Run() })
	run(t, "ip", "link", "add", vh, "netns", hostNS, "type", "veth", "peer", "name", vp, "netns", playerNS)
	for _, c := range []struct{ ns, dev, addr string }{{hostNS, vh, "10.201.0.1/24"}, {playerNS, vp, "10.201.0.2/24"}} {
		run(t, "ip", "-n", c.ns, "addr", "add", c.addr, "dev", c.dev)
		run(t, "ip", "-n", c.ns, "link", "set", c.dev, "up")
		run(t, "ip", "-n", c.ns, "link", "set", "lo", "up")
	}
	return hostNS, playerNS
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// inNetns runs fn on a thread switched into network namespace ns. Sockets
// fn opens stay in ns for their lifetime, whichever thread later uses
// them. Go starts new threads from a clean template thread while this one
// is locked, so other goroutines never inherit the namespace.
func inNetns(t *testing.T, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("setns %s: %v", ns, err)
	}
	defer func() {
		// A thread that cannot go back stays locked, and Go discards it
		// when this goroutine ends.
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err == nil {
			runtime.UnlockOSThread()
		}
	}()
	fn()
}
