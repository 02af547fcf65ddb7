package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	rdvserver "github.com/netpak/netpak/vpn/rendezvous"
)

// runRendezvous runs `netpak rendezvous`: the rendezvous, relay and STUN
// server players and hosts use when the host has no open port. It serves
// until SIGINT or SIGTERM and returns the exit code (2 for a bad command
// line).
func runRendezvous(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rendezvous", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", fmt.Sprintf(":%d", rdvserver.DefaultPort), "UDP `address` for rendezvous and STUN")
	noRelay := fs.Bool("no-relay", false, "only pair and answer STUN; relay nothing")
	ports := fs.String("relay-ports", "", "inclusive UDP port `range` for relays, e.g. 40000-40999 (default: any free port)")
	maxRooms := fs.Int("max-rooms", rdvserver.DefaultMaxRooms, "most hosts registered at once")
	maxRelays := fs.Int("max-relays", rdvserver.DefaultMaxRelays, "most relays open at once")
	verbose := fs.Bool("v", false, "log diagnostics to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: netpak rendezvous [flags]")
		fmt.Fprintln(stderr, "\nRuns the rendezvous and relay server for hosts without an open port. It needs")
		fmt.Fprintln(stderr, "the listen port, and the relay ports, reachable over UDP. It never sees game data:")
		fmt.Fprintln(stderr, "relays forward WireGuard's encrypted datagrams unchanged.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "netpak rendezvous: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := rendezvousConfig(*listen, *ports)
	if err != nil {
		fmt.Fprintln(stderr, "netpak rendezvous:", err)
		return 2
	}
	cfg.NoRelay, cfg.MaxRooms, cfg.MaxRelays = *noRelay, *maxRooms, *maxRelays
	if *verbose {
		cfg.Logf = func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) }
	}
	return serveRendezvous(cfg, stdout, stderr)
}

func rendezvousConfig(listen, ports string) (rdvserver.Config, error) {
	var cfg rdvserver.Config
	host, port, ok := strings.Cut(listen, ":")
	if i := strings.LastIndex(listen, ":"); i >= 0 {
		host, port, ok = listen[:i], listen[i+1:], true
	}
	if !ok {
		return cfg, fmt.Errorf("-listen %q: want [ADDRESS]:PORT", listen)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return cfg, fmt.Errorf("-listen %q: bad port", listen)
	}
	addr := netip.IPv6Unspecified()
	if h := strings.Trim(host, "[]"); h != "" {
		if addr, err = netip.ParseAddr(h); err != nil {
			return cfg, fmt.Errorf("-listen %q: want a numeric address", listen)
		}
	}
	cfg.Listen = netip.AddrPortFrom(addr, uint16(p))
	if ports != "" {
		lo, hi, _ := strings.Cut(ports, "-")
		l, err1 := strconv.ParseUint(lo, 10, 16)
		h, err2 := strconv.ParseUint(hi, 10, 16)
		if err1 != nil || err2 != nil || l == 0 || h < l {
			return cfg, fmt.Errorf("-relay-ports %q: want LOW-HIGH", ports)
		}
		cfg.RelayPorts = [2]uint16{uint16(l), uint16(h)}
	}
	return cfg, nil
}

func serveRendezvous(cfg rdvserver.Config, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	r, err := rdvserver.Listen(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "netpak rendezvous:", err)
		return 1
	}
	relay := "relaying"
	if cfg.NoRelay {
		relay = "not relaying"
	}
	fmt.Fprintf(stdout, "netpak rendezvous listening on %v (udp), %s; session files name it as rendezvous = [\"HOST:%d\"]\n", r.Addr(), relay, r.Addr().Port())
	<-sigs
	st := r.Stats()
	r.Close()
	fmt.Fprintf(stdout, "stopped: %d registers, %d pairings, %d relays opened, %d datagrams relayed, %d dropped, %d rate-limited\n",
		st.Registers, st.Pairings, st.Allocations, st.Relayed, st.Dropped, st.RateLimited)
	return 0
}
