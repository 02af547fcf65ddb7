package vpn

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/vpn/natmsg"
)

func TestSessionFull(t *testing.T) {
	h := newTestHost(t, HostConfig{MaxPeers: 1})
	serveEcho(t, h)
	first := mustJoin(t, h.Invite())
	if _, err := joinTest(t, h.Invite()); !errors.Is(err, ErrSessionFull) {
		t.Fatalf("second join = %v, want ErrSessionFull", err)
	}
	h.SetMaxPeers(2)
	second := mustJoin(t, h.Invite())
	checkUDPEcho(t, first)
	checkUDPEcho(t, second)
}

func TestKick(t *testing.T) {
	h := newTestHost(t, HostConfig{MaxPeers: 1})
	serveEcho(t, h)
	kicked := mustJoin(t, h.Invite())
	checkUDPEcho(t, kicked)
	if err := h.Kick(kicked.Addr()); err != nil {
		t.Fatalf("Kick: %v", err)
	}
	if err := h.Kick(kicked.Addr()); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("second Kick = %v, want ErrUnknownPeer", err)
	}
	if peers, _ := h.Peers(); len(peers) != 0 {
		t.Fatalf("host still has %d peers", len(peers))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if c, err := kicked.DialContext(ctx, "tcp", hostAddrPort(echoPort)); err == nil {
		c.Close()
		t.Fatal("kicked player still reaches the host")
	}
	// The kick freed the only slot.
	checkUDPEcho(t, mustJoin(t, h.Invite()))
}

func TestRotateSecret(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	serveEcho(t, h)
	old := h.Invite()
	before := mustJoin(t, old)
	rotated, err := h.RotateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Secret == old.Secret || rotated.HostKey != old.HostKey || rotated.Session != old.Session {
		t.Fatalf("rotation changed the wrong fields: %+v -> %+v", old, rotated)
	}
	if _, err := joinTest(t, old); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("join with old invite = %v, want ErrBadSecret", err)
	}
	checkUDPEcho(t, mustJoin(t, rotated))
	checkUDPEcho(t, before) // admitted peers stay
}

// TestSilentWithoutHostKey checks that the host answers nothing a sender
// without its public key can send: joins with a wrong mac1, WireGuard
// initiations with garbage, and a real WireGuard device that has the
// wrong host key. A join with the right mac1 but a wrong secret, sent
// last, is answered: it shows replies would have arrived.
func TestSilentWithoutHostKey(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	inv := h.Invite()
	stranger := startStrangerDevice(t, h.LocalAddr())

	raw, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	to := net.UDPAddrFromAddrPort(h.LocalAddr())
	wrongKey := inv.HostKey
	wrongKey[0] ^= 1
	player, _ := NewPrivateKey()
	m := joinMsg{Session: inv.Session, Player: player.Public(), Nonce: [natmsg.NonceLen]byte{1}}
	initiation := make([]byte, 148)
	initiation[0] = 1
	probes := [][]byte{
		appendJoin(nil, m, inv.Secret, wrongKey), // right secret, wrong host key
		initiation,                               // WireGuard initiation, bad mac1
		append(natmsg.Magic[:], 1, byte(natmsg.TypeJoin), 0), // truncated join
	}
	for _, p := range probes {
		raw.WriteToUDP(p, to)
	}
	m.Nonce[0] = 2
	wrongSecret := inv.Secret
	wrongSecret[0] ^= 1
	raw.WriteToUDP(appendJoin(nil, m, wrongSecret, inv.HostKey), to)

	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, err := raw.Read(buf)
	if err != nil {
		t.Fatalf("no answer to the control join: %v", err)
	}
	rej, err := parseReject(buf[:n])
	if err != nil || rej.Nonce != m.Nonce || rej.Reason != rejectBadSecret {
		t.Fatalf("first answer %x (%v), want the reject of the control join", buf[:n], err)
	}
	raw.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := raw.Read(buf); err == nil {
		t.Fatalf("host answered a probe: %x", buf[:n])
	}
	hosttest.WaitFor(t, "host to receive the stranger's handshake", func() bool { return h.Bind().Stats().WireGuard >= 1 })
	if got := stranger.Stats(); got.WireGuard+got.Control+got.Other+got.STUN != 0 {
		t.Fatalf("stranger device got answers: %+v", got)
	}
}

// startStrangerDevice runs a WireGuard device that knows the host's
// endpoint but not its public key, and lets it initiate.
func startStrangerDevice(t *testing.T, hostEP netip.AddrPort) *Bind {
	t.Helper()
	bind, err := ListenBind(loopback)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := NewPrivateKey()
	dev, _, err := startDevice(netip.MustParseAddr("10.64.0.9"), bind, priv, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close(); bind.Shutdown() })
	someKey, _ := NewPrivateKey()
	err = dev.IpcSet("public_key=" + someKey.Public().hex() + "\nendpoint=" + hostEP.String() +
		"\nallowed_ip=10.64.0.1/32\npersistent_keepalive_interval=1\n")
	if err != nil {
		t.Fatal(err)
	}
	return bind
}

func TestInviteWG(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	serveEcho(t, h)
	cfg, err := h.InviteWG(netip.AddrPort{})
	if err != nil {
		t.Fatal(err)
	}
	tun := tunnelFromWGQuick(t, cfg.Text)
	checkTCPEcho(t, tun)
	checkUDPEcho(t, tun)

	path := filepath.Join(t.TempDir(), "netpak.conf")
	if err := cfg.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || !ownerOnly(fi) {
		t.Fatalf("config file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if err := cfg.WriteFile(path); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second WriteFile = %v, want ErrExist", err)
	}
	if err := h.Kick(cfg.Addr); err != nil {
		t.Fatalf("kick wg player: %v", err)
	}
}

// tunnelFromWGQuick brings up a WireGuard device the way wg-quick would,
// from the configuration text alone.
func tunnelFromWGQuick(t *testing.T, text string) *Tunnel {
	t.Helper()
	f := map[string]string{}
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(line, " = ")
		if ok {
			f[k] = strings.TrimSpace(v)
		}
	}
	key := func(name string) Key {
		k, err := ParseKey(f[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return k
	}
	addr := netip.MustParsePrefix(f["Address"]).Addr()
	bind, err := ListenBind(loopback)
	if err != nil {
		t.Fatal(err)
	}
	dev, tnet, err := startDevice(addr, bind, key("PrivateKey"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	tun := &Tunnel{bind: bind, dev: dev, tnet: tnet, addr: addr, hostKey: key("PublicKey")}
	t.Cleanup(func() { tun.Close() })
	err = dev.IpcSet("public_key=" + tun.hostKey.hex() + "\npreshared_key=" + key("PresharedKey").hex() +
		"\nendpoint=" + f["Endpoint"] + "\nallowed_ip=" + f["AllowedIPs"] +
		"\npersistent_keepalive_interval=" + f["PersistentKeepalive"] + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := tun.waitHandshake(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return tun
}

// TestStaleSlotsReclaimed checks that a full session reclaims the slot of
// a peer admitted but never heard from, and never that of a wg-quick peer,
// whose user may take long to import the configuration.
func TestStaleSlotsReclaimed(t *testing.T) {
	h := newTestHost(t, HostConfig{MaxPeers: 2})
	serveEcho(t, h)
	var offset atomic.Int64
	h.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	ghost, _ := NewPrivateKey()
	if _, err := h.admit(ghost.Public(), Key{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.InviteWG(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if _, err := joinTest(t, h.Invite()); !errors.Is(err, ErrSessionFull) {
		t.Fatalf("join into a full session = %v, want ErrSessionFull", err)
	}
	offset.Store(int64(pendingTimeout + time.Second))
	checkUDPEcho(t, mustJoin(t, h.Invite()))
	if _, err := joinTest(t, h.Invite()); !errors.Is(err, ErrSessionFull) {
		t.Fatalf("wg-quick slot was reclaimed: %v", err)
	}
}

// TestJoinFlood sends a burst of joins with a valid mac1 but a wrong
// secret, and junk; the host admits nobody, and a real player still joins.
func TestJoinFlood(t *testing.T) {
	h := newTestHost(t, HostConfig{})
	serveEcho(t, h)
	inv := h.Invite()
	raw, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(loopback))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	to := net.UDPAddrFromAddrPort(h.LocalAddr())
	wrong := inv.Secret
	wrong[0] ^= 1
	for i := range 500 {
		pub, _ := NewPrivateKey()
		m := joinMsg{Session: inv.Session, Player: pub, Nonce: [natmsg.NonceLen]byte{byte(i)}}
		raw.WriteToUDP(appendJoin(nil, m, wrong, inv.HostKey), to)
		raw.WriteToUDP(append(natmsg.Magic[:], byte(i)), to)
	}
	checkUDPEcho(t, mustJoin(t, inv))
	if peers, _ := h.Peers(); len(peers) != 1 {
		t.Fatalf("host has %d peers after the flood, want 1", len(peers))
	}
	if st := h.Stats(); st.Admitted != 1 || st.Refused == 0 || st.Refused > 500 {
		t.Fatalf("Stats = %+v, want 1 admitted and up to 500 refused", st)
	}
}

func TestLocalEndpoints(t *testing.T) {
	specific := netip.MustParseAddrPort("192.0.2.7:6464")
	if got := localEndpoints(specific); len(got) != 1 || got[0] != specific {
		t.Fatalf("localEndpoints(%v) = %v", specific, got)
	}
	got := localEndpoints(netip.AddrPortFrom(netip.IPv6Unspecified(), 6464))
	if len(got) == 0 || len(got) > MaxEndpoints/2 {
		t.Fatalf("localEndpoints(any) = %v", got)
	}
	for _, ep := range got {
		if ep.Port() != 6464 || ep.Addr().IsUnspecified() {
			t.Fatalf("localEndpoints(any) = %v", got)
		}
	}
}
