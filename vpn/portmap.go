package vpn

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/huin/goupnp/dcps/internetgateway2"
	natpmp "github.com/jackpal/go-nat-pmp"
)

// Port mapping on the host's router. UPnP-IGD is tried first (most home
// routers), then NAT-PMP (Apple routers, miniupnpd, OpenWrt). Mappings
// are leased and renewed, and deleted when the host closes, so a crashed
// netpak leaves nothing open for longer than the lease.
const (
	mapLease   = 20 * time.Minute
	mapTimeout = 3 * time.Second
	mapDesc    = "netpak"
)

// portMapper is one mapping made on the router.
type portMapper interface {
	// renew asks for the mapping (again) and returns its public address.
	renew(ctx context.Context) (Candidate, error)
	// remove deletes the mapping.
	remove(ctx context.Context) error
}

// mapPort finds a router that maps ports, keeps a mapping of the shared
// socket's port until the host closes, then removes it.
func (n *hostNAT) mapPort() {
	defer n.h.loops.Done()
	ctx := n.h.ctx // ends at Close
	m, c, err := findMapper(ctx, n.h.bind.LocalAddr().Port(), &n.h.loops)
	n.mu.Lock()
	n.mapDone, n.mapping = true, c
	if err != nil {
		n.mapNote = err.Error()
	}
	n.mu.Unlock()
	if err != nil {
		n.h.logf("vpn: no port mapping: %v", err)
		return
	}
	n.h.logf("vpn: router maps %v to this host (%v)", c.Addr, c.Kind)
	n.keepMapping(ctx, m)
	rctx, rcancel := context.WithTimeout(context.Background(), mapTimeout)
	defer rcancel()
	if err := m.remove(rctx); err != nil {
		n.h.logf("vpn: remove port mapping %v: %v", c.Addr, err)
	}
}

func (n *hostNAT) keepMapping(ctx context.Context, m portMapper) {
	tick := time.NewTicker(mapLease / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, mapTimeout)
		c, err := m.renew(rctx)
		cancel()
		n.mu.Lock()
		if err == nil {
			n.mapping = c
		}
		n.mu.Unlock()
		if err != nil {
			n.h.logf("vpn: renew port mapping: %v", err)
		}
	}
}

// discoverer finds one kind of router that maps ports, for the port of
// the shared socket.
type discoverer func(ctx context.Context, port uint16) (portMapper, error)

// discoverers are the kinds findMapper tries at once. The miniupnpd test
// keeps only one of them to show each against a real router.
var discoverers = []discoverer{
	discoverUPnP,
	func(_ context.Context, port uint16) (portMapper, error) { return discoverNATPMP(port) },
}

// findMapper tries every kind of router at once and keeps the first that
// maps port. The error says what each said. Its goroutines, which may
// outlive it to undo late mappings, are added to wg.
func findMapper(ctx context.Context, port uint16, wg *sync.WaitGroup) (portMapper, Candidate, error) {
	ctx, cancel := context.WithTimeout(ctx, mapTimeout)
	defer cancel()
	results := make(chan mapResult, len(discoverers))
	for _, d := range discoverers {
		wg.Go(func() {
			m, err := d(ctx, port)
			if err != nil {
				results <- mapResult{err: err}
				return
			}
			c, err := m.renew(ctx)
			results <- mapResult{m, c, err}
		})
	}
	var errs []error
	for i := range discoverers {
		var r mapResult
		select {
		case r = <-results:
		case <-ctx.Done():
			// NAT-PMP ignores ctx: a late mapping must not stay open.
			wg.Go(func() { undoOthers(results, len(discoverers)-i) })
			return nil, Candidate{}, fmt.Errorf("router mapped no port: %w", ctx.Err())
		}
		if r.err == nil {
			wg.Go(func() { undoOthers(results, len(discoverers)-i-1) })
			return r.m, r.c, nil
		}
		errs = append(errs, r.err)
	}
	return nil, Candidate{}, fmt.Errorf("router mapped no port: %w", oneLineErrors(errs))
}

// oneLineErrors joins errors like errors.Join, but on one line: the
// reachability advice is printed as one console line.
type oneLineErrors []error

func (e oneLineErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e oneLineErrors) Unwrap() []error { return e }

type mapResult struct {
	m   portMapper
	c   Candidate
	err error
}

// undoOthers removes the mappings the n kinds still running make: only
// the first is kept.
func undoOthers(results <-chan mapResult, n int) {
	for range n {
		if r := <-results; r.err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), mapTimeout)
			r.m.remove(ctx)
			cancel()
		}
	}
}

// upnpClient is what netpak uses of an IGD's WAN connection service; the
// IP (v1, v2) and PPP services all have these methods.
type upnpClient interface {
	AddPortMappingCtx(ctx context.Context, remoteHost string, extPort uint16, proto string, intPort uint16, intClient string, enabled bool, desc string, lease uint32) error
	DeletePortMappingCtx(ctx context.Context, remoteHost string, extPort uint16, proto string) error
	GetExternalIPAddressCtx(ctx context.Context) (string, error)
}

type upnpMapper struct {
	c        upnpClient
	local    netip.Addr // this machine's address toward the router
	port     uint16
	extPort  uint16
	location string
}

// discoverUPnP searches for the three kinds of WAN connection service at
// once (each search waits for answers) and keeps the first found.
func discoverUPnP(ctx context.Context, port uint16) (portMapper, error) {
	type found struct {
		c      upnpClient
		router string
	}
	var mu sync.Mutex
	var all []found
	keep := func(c upnpClient, loc *url.URL) {
		mu.Lock()
		all = append(all, found{c, loc.Host})
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		cs, _, _ := internetgateway2.NewWANIPConnection2ClientsCtx(ctx)
		for _, c := range cs {
			keep(c, c.Location)
		}
	})
	wg.Go(func() {
		cs, _, _ := internetgateway2.NewWANIPConnection1ClientsCtx(ctx)
		for _, c := range cs {
			keep(c, c.Location)
		}
	})
	wg.Go(func() {
		cs, _, _ := internetgateway2.NewWANPPPConnection1ClientsCtx(ctx)
		for _, c := range cs {
			keep(c, c.Location)
		}
	})
	wg.Wait()
	if len(all) == 0 {
		return nil, errors.New("upnp: no internet gateway device answered")
	}
	clients, router := []upnpClient{all[0].c}, all[0].router
	local, err := localAddrToward(router)
	if err != nil {
		return nil, fmt.Errorf("upnp: %w", err)
	}
	return &upnpMapper{c: clients[0], local: local, port: port, extPort: port, location: router}, nil
}

// localAddrToward returns the local address the system would use to send
// to hostport; no datagram is sent.
func localAddrToward(hostport string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	c, err := net.Dial("udp", net.JoinHostPort(host, "9"))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("route to %s: %w", host, err)
	}
	defer c.Close()
	return addrPortOf(c.LocalAddr()).Addr(), nil
}

func (u *upnpMapper) renew(ctx context.Context) (Candidate, error) {
	ext, err := u.c.GetExternalIPAddressCtx(ctx)
	if err != nil {
		return Candidate{}, fmt.Errorf("upnp at %s: external address: %w", u.location, err)
	}
	ip, err := netip.ParseAddr(ext)
	if err != nil || !ip.Is4() || ip.IsUnspecified() {
		return Candidate{}, fmt.Errorf("upnp at %s: external address %q", u.location, ext)
	}
	err = u.c.AddPortMappingCtx(ctx, "", u.extPort, "UDP", u.port, u.local.String(), true, mapDesc, uint32(mapLease/time.Second))
	if err != nil {
		return Candidate{}, fmt.Errorf("upnp at %s: map udp port %d: %w", u.location, u.extPort, err)
	}
	return Candidate{Addr: netip.AddrPortFrom(ip, u.extPort), Kind: CandUPnP}, nil
}

func (u *upnpMapper) remove(ctx context.Context) error {
	return u.c.DeletePortMappingCtx(ctx, "", u.extPort, "UDP")
}

type natpmpMapper struct {
	c       *natpmp.Client
	gateway netip.Addr
	port    uint16
	extPort uint16
}

func discoverNATPMP(port uint16) (portMapper, error) {
	gw, err := defaultGateway()
	if err != nil {
		return nil, fmt.Errorf("nat-pmp: %w", err)
	}
	c := natpmp.NewClientWithTimeout(gw.AsSlice(), mapTimeout)
	return &natpmpMapper{c: c, gateway: gw, port: port, extPort: port}, nil
}

func (p *natpmpMapper) renew(ctx context.Context) (Candidate, error) {
	ext, err := p.c.GetExternalAddress()
	if err != nil {
		return Candidate{}, fmt.Errorf("nat-pmp at %v: external address: %w", p.gateway, err)
	}
	res, err := p.c.AddPortMapping("udp", int(p.port), int(p.extPort), int(mapLease/time.Second))
	if err != nil {
		return Candidate{}, fmt.Errorf("nat-pmp at %v: map udp port %d: %w", p.gateway, p.port, err)
	}
	p.extPort = res.MappedExternalPort
	ip := netip.AddrFrom4(ext.ExternalIPAddress)
	return Candidate{Addr: netip.AddrPortFrom(ip, p.extPort), Kind: CandNATPMP}, nil
}

func (p *natpmpMapper) remove(context.Context) error {
	// A lifetime of zero deletes the mapping (RFC 6886 §3.4).
	_, err := p.c.AddPortMapping("udp", int(p.port), 0, 0)
	return err
}

// defaultGateway reads the IPv4 default route from /proc/net/route. Other
// systems have no such file; NAT-PMP is then skipped and UPnP remains.
func defaultGateway() (netip.Addr, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("find default gateway: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fields[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var ip [4]byte
		binary.LittleEndian.PutUint32(ip[:], binary.BigEndian.Uint32(b))
		return netip.AddrFrom4(ip), nil
	}
	return netip.Addr{}, errors.New("find default gateway: no default route")
}
