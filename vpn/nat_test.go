package vpn

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/vpn/natsim"
	"github.com/netpak/netpak/vpn/rendezvous"
)

// natLab is an in-process Internet with a rendezvous server on it.
type natLab struct {
	inet *natsim.LAN
	rdv  *rendezvous.Server
}

func newNATLab(t *testing.T, relay bool) *natLab {
	t.Helper()
	goroutineLeakCheck(t)
	return startNATLab(t, relay)
}

// startNATLab is newNATLab without the leak check, for parallel subtests
// whose parent checks for leaks once they all have ended.
func startNATLab(t *testing.T, relay bool) *natLab {
	t.Helper()
	inet := natsim.NewInternet()
	m := inet.Machine()
	c, err := m.Listen(rendezvous.DefaultPort)
	if err != nil {
		t.Fatal(err)
	}
	r, err := rendezvous.Listen(rendezvous.Config{Conn: c, NoRelay: !relay, Logf: t.Logf,
		ListenRelay: func() (rendezvous.PacketConn, error) { return m.Listen(0) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &natLab{inet: inet, rdv: r}
}

// site is where a lab machine sits: which NAT, if any, and how deep.
type site struct {
	name    string
	nat     []natsim.Mapping // outermost first; empty means on the Internet
	filter  natsim.Filtering
	forward bool // the innermost NAT forwards the socket's port
}

var (
	portRestricted = site{name: "port-restricted", nat: []natsim.Mapping{natsim.EndpointIndependentMapping}, filter: natsim.AddressPortDependentFiltering}
	symmetric      = site{name: "symmetric", nat: []natsim.Mapping{natsim.AddressPortDependentMapping}, filter: natsim.AddressPortDependentFiltering}
	forwarded      = site{name: "forwarded", nat: []natsim.Mapping{natsim.EndpointIndependentMapping}, filter: natsim.AddressPortDependentFiltering, forward: true}
	doubleNAT      = site{name: "double NAT", nat: []natsim.Mapping{natsim.EndpointIndependentMapping, natsim.EndpointIndependentMapping}, filter: natsim.AddressPortDependentFiltering}
)

// socket opens a socket on a new machine placed as s says.
func (l *natLab) socket(t *testing.T, s site, port uint16) *natsim.Conn {
	t.Helper()
	lan := l.inet
	var inner *natsim.NAT
	for _, m := range s.nat {
		inner = lan.NAT(m, s.filter)
		lan = inner.Inside()
	}
	c, err := lan.Machine().Listen(port)
	if err != nil {
		t.Fatal(err)
	}
	if s.forward {
		inner.Forward(port, netip.MustParseAddrPort(c.LocalAddr().String()))
	}
	return c
}

func (l *natLab) host(t *testing.T, s site, withRdv bool) *Host {
	t.Helper()
	cfg := HostConfig{Conn: l.socket(t, s, DefaultPort), NoPortMapping: true, Logf: t.Logf}
	if withRdv {
		cfg.Rendezvous = []string{l.rdv.Addr().String()}
	}
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.WaitDiscovery(ctx)
	serveEcho(t, h)
	return h
}

func (l *natLab) join(t *testing.T, s site, inv Invite, cfg JoinConfig) (*Tunnel, error) {
	t.Helper()
	cfg.Conn, cfg.Logf = l.socket(t, s, 0), t.Logf
	tun, err := JoinInvite(testContext(t), inv, cfg)
	if err == nil {
		t.Cleanup(func() { tun.Close() })
	}
	return tun, err
}

// TestNATLadder runs the real traversal code between simulated NATs: the
// pairs hole punching beats go direct, the others through the relay, and
// every tunnel carries TCP and UDP. Each pair has a lab of its own, so
// the pairs run at once; the player keeps the production relayAfter, so
// punching still has to win its race against the relay request.
func TestNATLadder(t *testing.T) {
	goroutineLeakCheck(t)
	tests := []struct {
		host, player site
		want         PathKind
	}{
		{portRestricted, portRestricted, PathDirect},
		{symmetric, portRestricted, PathRelayed},
		{portRestricted, symmetric, PathRelayed},
		{forwarded, symmetric, PathDirect},
		{doubleNAT, portRestricted, PathDirect},
		{symmetric, symmetric, PathRelayed},
	}
	for _, tc := range tests {
		t.Run(tc.host.name+"/"+tc.player.name, func(t *testing.T) {
			t.Parallel()
			lab := startNATLab(t, true)
			h := lab.host(t, tc.host, true)
			start := time.Now()
			tun, err := lab.join(t, tc.player, h.Invite(), JoinConfig{})
			if err != nil {
				t.Fatalf("Join: %v", err)
			}
			t.Logf("tunnel up in %v, %v", time.Since(start), tun.Path())
			if got := tun.Path().Kind; got != tc.want {
				t.Fatalf("path %v, want kind %d", tun.Path(), tc.want)
			}
			checkTCPEcho(t, tun)
			checkUDPEcho(t, tun)
			peers, err := h.Peers()
			if err != nil || len(peers) != 1 || peers[0].Path.Kind != tc.want {
				t.Fatalf("host sees peers %+v (%v), want one on path kind %d", peers, err, tc.want)
			}
		})
	}
}

// TestNATNoRelay checks the failure names what was tried and what to do.
// The player asks for a relay 100 ms after pairing instead of 1.5 s, so
// the refusal is in well before the deadline.
func TestNATNoRelay(t *testing.T) {
	lab := newNATLab(t, false)
	h := lab.host(t, symmetric, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cfg := JoinConfig{Conn: lab.socket(t, portRestricted, 0), Logf: t.Logf, relayAfter: 100 * time.Millisecond}
	_, err := JoinInvite(ctx, h.Invite(), cfg)
	if !errors.Is(err, ErrNoPath) {
		t.Fatalf("Join = %v, want ErrNoPath", err)
	}
	for _, want := range []string{"tried direct to", "rendezvous " + lab.rdv.Addr().String(), "it does not relay"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestCopyPaste joins without any rendezvous server: the host learns its
// public address from STUN, the player's answer code goes back by hand.
func TestCopyPaste(t *testing.T) {
	lab := newNATLab(t, false)
	stun := lab.rdv.Addr().String()
	c := lab.socket(t, portRestricted, DefaultPort)
	h, err := NewHost(HostConfig{Conn: c, NoPortMapping: true, STUN: []string{stun}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	reach := h.WaitDiscovery(testContext(t))
	if !reach.Public.IsValid() {
		t.Fatalf("host did not learn its public address: %+v", reach)
	}
	t.Log(reach.Advice())
	inv := h.Invite()
	if inv.Endpoints[0] != reach.Public {
		t.Fatalf("invite endpoints %v do not start with the public address %v", inv.Endpoints, reach.Public)
	}
	serveEcho(t, h)
	answered := make(chan error, 1)
	tun, err := lab.join(t, portRestricted, inv, JoinConfig{STUN: []string{stun}, Answer: func(code string) {
		answered <- h.AcceptAnswer(code)
	}})
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	if err := <-answered; err != nil {
		t.Fatalf("AcceptAnswer: %v", err)
	}
	if tun.Path().Kind != PathDirect {
		t.Fatalf("path %v, want direct", tun.Path())
	}
	checkUDPEcho(t, tun)
}

// TestSymmetricHostAdvice checks the host notices its symmetric NAT when
// two servers see different ports, and says what to do.
func TestSymmetricHostAdvice(t *testing.T) {
	lab := newNATLab(t, false)
	other := newNATLab(t, false)
	_ = other
	m := lab.inet.Machine()
	c2, err := m.Listen(3478)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := rendezvous.Listen(rendezvous.Config{Conn: c2, NoRelay: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r2.Close() })
	c := lab.socket(t, symmetric, DefaultPort)
	h, err := NewHost(HostConfig{Conn: c, NoPortMapping: true, STUN: []string{lab.rdv.Addr().String(), r2.Addr().String()}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	reach := h.WaitDiscovery(testContext(t))
	want := "host is behind a symmetric NAT and no relay is configured: add a rendezvous server or forward UDP port 6464"
	if !reach.Symmetric || reach.Advice() != want {
		t.Fatalf("reachability %+v, advice %q, want %q", reach, reach.Advice(), want)
	}
}
