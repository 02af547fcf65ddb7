package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/session"

	"github.com/BurntSushi/toml"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/vpn"
)

// serverFile is the operator's file of `netpak server -c FILE`; the flags
// of the same names override it.
type serverFile struct {
	Lobby        string            `toml:"lobby"`      // address:port of the WebSocket lobby
	GamePorts    string            `toml:"game_ports"` // FIRST-LAST, TCP and UDP, one per room
	Public       string            `toml:"public"`     // the address players reach, for the printed entry
	Name         string            `toml:"name"`       // the server's name in RMG's list
	MOTD         string            `toml:"motd"`
	CreateKey    string            `toml:"create_key"`
	Auth         bool              `toml:"auth"`
	VerifyIP     bool              `toml:"verify_ip"`
	Discovery    bool              `toml:"discovery"`
	StatusPage   bool              `toml:"status_page"`
	AuthSecrets  map[string]string `toml:"auth_secrets"`
	Lag          int               `toml:"lag"`
	AutoLag      bool              `toml:"autolag"`
	Golf         bool              `toml:"golf"`
	BeginTimeout duration          `toml:"begin_timeout"`
	Limits       serverLimits      `toml:"limits"`

	// The built-in VPN (server_vpn.go): players who cannot reach the
	// lobby's ports join the tunnel with the server's invite.
	VPN         bool     `toml:"vpn"`
	VPNPort     int      `toml:"vpn_port"`
	VPNEndpoint string   `toml:"vpn_endpoint"`
	VPNPlayers  int      `toml:"vpn_players"`
	Rendezvous  []string `toml:"rendezvous"`
	STUN        []string `toml:"stun"`
	PortMapping bool     `toml:"port_mapping"`
}

type serverLimits struct {
	Rooms             int `toml:"rooms"`
	RoomsPerAddress   int `toml:"rooms_per_address"`
	Sockets           int `toml:"sockets"`
	SocketsPerAddress int `toml:"sockets_per_address"`
}

// duration is a time.Duration written "90s" in TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) (err error) {
	d.Duration, err = time.ParseDuration(string(b))
	return err
}

func serverDefaults() serverFile {
	return serverFile{
		Lobby:        ":" + strconv.Itoa(lobbymsg.DefaultPort),
		GamePorts:    fmt.Sprintf("%d-%d", lobbymsg.DefaultPort+1, lobbymsg.DefaultPort+10),
		Name:         "netpak",
		Lag:          session.DefaultLag,
		VerifyIP:     true,
		Discovery:    true,
		StatusPage:   true,
		BeginTimeout: duration{time.Minute},
		VPNPort:      vpn.DefaultPort,
		PortMapping:  true,
	}
}

// serverFlags binds the flags to f; parseServerArgs applies the set ones.
func serverFlags(fs *flag.FlagSet, f *serverFile, file *string) {
	fs.StringVar(file, "c", "", "read the operator `file` (TOML; the flags override it)")
	fs.StringVar(&f.Lobby, "lobby", f.Lobby, "the lobby's `address:port` (WebSocket, TCP)")
	fs.StringVar(&f.GamePorts, "game-ports", f.GamePorts, "game `ports` FIRST-LAST, TCP and UDP, one per room")
	fs.StringVar(&f.Public, "public", "", "the `address` players reach, for the printed server entry (default this machine's)")
	fs.StringVar(&f.Name, "name", f.Name, "the server's `name` in the players' server list")
	fs.StringVar(&f.MOTD, "motd", "", "the message of the day (`HTML`)")
	fs.StringVar(&f.CreateKey, "create-key", "", "only players whose entry ends in /`KEY` may create rooms")
	fs.BoolVar(&f.Auth, "auth", false, "check the emulators' auth field, as the simple64 servers can")
	fs.BoolVar(&f.VerifyIP, "verify-ip", f.VerifyIP, "game ports take connections only from their lobby players' addresses")
	fs.BoolVar(&f.Discovery, "discovery", f.Discovery, "answer RMG's LAN search on UDP port 45000")
	fs.BoolVar(&f.StatusPage, "status-page", f.StatusPage, "show the rooms, their players and the lag each needs at http://LOBBY/status")
	fs.IntVar(&f.Lag, "lag", f.Lag, "every room's lag in `polls`, 0-255")
	fs.BoolVar(&f.AutoLag, "autolag", false, "rooms follow netpak players' network with the lag (cores do not measure it)")
	fs.BoolVar(&f.Golf, "golf", false, "golf mode on in every room")
	fs.DurationVar(&f.BeginTimeout.Duration, "begin-timeout", f.BeginTimeout.Duration, "start a begun game after this `long` with the cores that came")
	fs.IntVar(&f.Limits.Rooms, "rooms", 0, "at most `N` rooms (default the number of game ports)")
	fs.IntVar(&f.Limits.RoomsPerAddress, "rooms-per-address", 0, "at most `N` open rooms created from one address (default 2)")
	fs.IntVar(&f.Limits.Sockets, "sockets", 0, "at most `N` lobby connections (default 256)")
	fs.IntVar(&f.Limits.SocketsPerAddress, "sockets-per-address", 0, "at most `N` lobby connections from one address (default 8)")
	fs.BoolVar(&f.VPN, "vpn", false, "serve the lobby and the rooms through the built-in VPN too: players join with the printed invite, no port forwarded")
	fs.IntVar(&f.VPNPort, "vpn-port", f.VPNPort, "the VPN's UDP `port` (0 picks a free one)")
	fs.StringVar(&f.VPNEndpoint, "vpn-endpoint", "", "the `IP[:PORT]` the invite names (default this machine's addresses)")
	fs.IntVar(&f.VPNPlayers, "vpn-players", 0, "at most `N` players in the VPN at once (default 4 per room, at most 253)")
}

// parseServerArgs returns the defaults, overridden by the operator file,
// overridden by the flags that were set.
func parseServerArgs(args []string, stderr io.Writer) (serverFile, error) {
	var flagged serverFile = serverDefaults()
	var file string
	fs := flag.NewFlagSet("netpak server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serverFlags(fs, &flagged, &file)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: netpak server [flags]\n\nServes the WebSocket lobby of RMG, simple64, Mupen-MPN and gopher64 (up to 1.1.22):\nmany rooms at once, each a netpak session on its own game port. SIGINT or SIGTERM stop it.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagged, err
	}
	if fs.NArg() > 0 {
		return flagged, badArgs(fs, "unexpected %q: it takes only flags", fs.Arg(0))
	}
	f := serverDefaults()
	if file != "" {
		if err := loadServerFile(file, &f); err != nil {
			return f, err
		}
	}
	fs.Visit(func(fl *flag.Flag) { copyServerFlag(&f, &flagged, fl.Name) })
	return f, nil
}

// copyServerFlag copies the flag called name from src to dst.
func copyServerFlag(dst, src *serverFile, name string) {
	switch name {
	case "lobby":
		dst.Lobby = src.Lobby
	case "game-ports":
		dst.GamePorts = src.GamePorts
	case "public":
		dst.Public = src.Public
	case "name":
		dst.Name = src.Name
	case "motd":
		dst.MOTD = src.MOTD
	case "create-key":
		dst.CreateKey = src.CreateKey
	case "auth":
		dst.Auth = src.Auth
	case "verify-ip":
		dst.VerifyIP = src.VerifyIP
	case "discovery":
		dst.Discovery = src.Discovery
	case "status-page":
		dst.StatusPage = src.StatusPage
	case "lag":
		dst.Lag = src.Lag
	case "autolag":
		dst.AutoLag = src.AutoLag
	case "golf":
		dst.Golf = src.Golf
	case "begin-timeout":
		dst.BeginTimeout = src.BeginTimeout
	case "rooms":
		dst.Limits.Rooms = src.Limits.Rooms
	case "rooms-per-address":
		dst.Limits.RoomsPerAddress = src.Limits.RoomsPerAddress
	case "sockets":
		dst.Limits.Sockets = src.Limits.Sockets
	case "sockets-per-address":
		dst.Limits.SocketsPerAddress = src.Limits.SocketsPerAddress
	case "vpn":
		dst.VPN = src.VPN
	case "vpn-port":
		dst.VPNPort = src.VPNPort
	case "vpn-endpoint":
		dst.VPNEndpoint = src.VPNEndpoint
	case "vpn-players":
		dst.VPNPlayers = src.VPNPlayers
	}
}

// loadServerFile reads the operator file over f; an unknown key is an
// error, so that a typo never passes for a setting.
func loadServerFile(path string, f *serverFile) error {
	md, err := toml.DecodeFile(path, f)
	if err != nil {
		return fmt.Errorf("operator file %s: %w", path, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		keys := make([]string, len(extra))
		for i, k := range extra {
			keys[i] = k.String()
		}
		return fmt.Errorf("operator file %s: unknown key %s", path, strings.Join(keys, ", "))
	}
	return nil
}

// lobbyConfig turns the operator's settings into the lobby's config.
func (f *serverFile) lobbyConfig(logf func(string, ...any)) (lobby.Config, error) {
	first, last, err := parsePortRange(f.GamePorts)
	if err != nil {
		return lobby.Config{}, err
	}
	if f.Lag < 0 || f.Lag > 255 {
		return lobby.Config{}, fmt.Errorf("lag %d: want 0-255", f.Lag)
	}
	gameHost, _, err := net.SplitHostPort(f.Lobby)
	if err != nil {
		return lobby.Config{}, fmt.Errorf("lobby address %q: %w", f.Lobby, err)
	}
	cfg := lobby.Config{
		GameHost: gameHost, GamePortFirst: first, GamePortLast: last, Name: f.Name,
		MaxRooms: f.Limits.Rooms, MaxRoomsPerSource: f.Limits.RoomsPerAddress,
		MaxSockets: f.Limits.Sockets, MaxSocketsPerSource: f.Limits.SocketsPerAddress,
		MOTD: f.MOTD, CreateKey: f.CreateKey, AnyGameIP: !f.VerifyIP, NoStatusPage: !f.StatusPage, Lag: uint8(f.Lag), AutoLag: f.AutoLag, Golf: f.Golf,
		BeginTimeout: f.BeginTimeout.Duration, Version: "netpak " + buildVersion(), Logf: logf,
	}
	if f.VPN {
		if _, err := f.tunnelSettings(); err != nil {
			return lobby.Config{}, err
		}
	}
	if f.Auth {
		cfg.AuthSecrets = f.AuthSecrets
		if cfg.AuthSecrets == nil {
			// The secrets RMG and gopher64 (up to 1.1.22) hash into auth.
			cfg.AuthSecrets = map[string]string{"RMG": "RMG", "gopher64": "gopher64"}
		}
	}
	return cfg, cfg.Validate()
}

// parsePortRange reads "FIRST-LAST" or a single port; "0" is any free
// port for each room (0, 0).
func parsePortRange(s string) (int, int, error) {
	if strings.TrimSpace(s) == "0" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		b = a
	}
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err := errors.Join(err1, err2); err != nil || first < 1 || last > 65535 || first > last {
		return 0, 0, fmt.Errorf("game ports %q: want FIRST-LAST, e.g. 45001-45010 (or 0: any free port)", s)
	}
	return first, last, nil
}

func runServer(ctx context.Context, args []string) error {
	f, err := parseServerArgs(args, os.Stderr)
	if err != nil {
		return err
	}
	return serve(ctx, f, os.Stdin, os.Stdout, log.New(os.Stderr, "", log.LstdFlags))
}

// serve runs the server f describes until ctx ends: the lobby, its rooms,
// the VPN if asked, LAN discovery, and the operator's console on in and
// out.
func serve(ctx context.Context, f serverFile, in io.Reader, out io.Writer, logger *log.Logger) error {
	cfg, err := f.lobbyConfig(logger.Printf)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.Lobby)
	if err != nil {
		return fmt.Errorf("lobby: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	var vt *serverTunnel
	if f.VPN {
		if vt, err = startServerTunnel(&f, port); err != nil {
			ln.Close()
			return err
		}
		defer vt.Close()
		cfg.Tunnel = vt.listenGame
	}
	srv, err := lobby.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	printServerEntry(out, &f, port)
	if vt != nil {
		if err := vt.serveLobby(srv, port, served); err != nil {
			srv.Close()
			return err
		}
		vt.printEntry(ctx, out)
	}
	fmt.Fprintln(out, "\nType /help for the operator's commands.")
	go operatorLoop(&operator{srv: srv, vt: vt}, in, out) // ends with in, or with the process
	if f.Discovery {
		stopDiscovery := serveDiscovery(srv, port, logger)
		defer stopDiscovery()
	}
	select {
	case <-ctx.Done():
		logger.Printf("stopping: closing every room")
	case err = <-served:
	}
	srv.Close()
	if err == nil || errors.Is(err, lobby.ErrClosed) {
		return nil
	}
	return err
}

// printServerEntry tells the operator what players paste: the lobby's
// WebSocket URL, the server list RMG reads, and which ports to open.
func printServerEntry(w io.Writer, f *serverFile, port int) {
	addrs := []string{f.Public}
	if f.Public == "" {
		addrs = entryAddrs(f.Lobby)
	}
	games := "ports " + f.GamePorts
	if f.GamePorts == "0" {
		games = "a free port per room"
	}
	fmt.Fprintf(w, "netpak server %q: lobby on port %d (TCP), games on %s (TCP and UDP)\n", f.Name, port, games)
	for _, a := range addrs {
		fmt.Fprintf(w, "\nPlayers who reach this machine at %s:\n", a)
		printLobbyEntry(w, f.Name, net.JoinHostPort(a, strconv.Itoa(port)), f.CreateKey)
		if f.StatusPage {
			fmt.Fprintf(w, "  the rooms and who waits on whom, in a browser:  http://%s%s\n", net.JoinHostPort(a, strconv.Itoa(port)), lobby.StatusPath)
		}
	}
	if f.GamePorts != "0" {
		fmt.Fprintf(w, "\nPlayers outside this network need TCP %d and TCP+UDP %s forwarded to this machine.\n", port, f.GamePorts)
	}
}

// printLobbyEntry prints what a frontend's player enters to reach the
// lobby at hostPort ("IP:port").
func printLobbyEntry(w io.Writer, name, hostPort, createKey string) {
	fmt.Fprintf(w, "  RMG and Mupen-MPN, Settings > Interface > Netplay > Server list URL:  http://%s/servers.json\n", hostPort)
	fmt.Fprintf(w, "       (or the path of a file holding:  {\"%s\": \"ws://%s\"})\n", name, hostPort)
	fmt.Fprintf(w, "  simple64 and others, custom server:   ws://%s\n", hostPort)
	if createKey != "" {
		fmt.Fprintf(w, "  to create rooms too (give it to friends only): ws://%s/%s\n", hostPort, createKey)
	}
}

// entryAddrs lists the addresses players may reach the lobby at: its own
// if it is bound to one, else this machine's IPv4 addresses (the cores
// speak IPv4 only), loopback last.
func entryAddrs(lobbyAddr string) []string {
	h, _, _ := net.SplitHostPort(lobbyAddr)
	if ip := net.ParseIP(h); ip != nil && !ip.IsUnspecified() {
		return []string{h}
	}
	return append(commands.LANAddrs(h), "127.0.0.1")
}

// buildVersion is the VCS revision netpak was built from, for
// reply_version.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown build)"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "git " + s.Value[:12]
		}
	}
	return bi.Main.Version
}

// operatorHelp is the console's /help.
const operatorHelp = `/rooms              list the rooms, their lobby players and session members
/kick PORT NAME     remove NAME (a lobby player, and the core the session calls by that name) from the room on PORT
/ban ADDRESS        refuse ADDRESS (its IPv4 address or IPv6 /64) and take its players out of the rooms
/unban ADDRESS      lift a ban
/invite [new]       the VPN's invite for players who cannot reach the ports (new: a fresh one; the old stops working)
/answer CODE        let in a VPN player whose netpak printed an answer code (no rendezvous server paired them)
/help               this list`

// errNoVPN answers the VPN's commands on a server without one.
var errNoVPN = errors.New("this server has no VPN: start it with --vpn (or vpn = true)")

// operator is what the operator's console controls.
type operator struct {
	srv *lobby.Server
	vt  *serverTunnel // nil without the VPN
}

// operatorLoop reads operator commands from r until it ends, answering
// on w. A server without a terminal (a service) simply has no console.
func operatorLoop(op *operator, r io.Reader, w io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if err := op.command(sc.Text(), w); err != nil {
			fmt.Fprintln(w, "error:", err)
		}
	}
}

// command runs one console line.
func (op *operator) command(line string, w io.Writer) error {
	srv := op.srv
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	switch {
	case f[0] == "/rooms" && len(f) == 1:
		open, refused := srv.Sockets()
		st := srv.Stats()
		fmt.Fprintf(w, "lobby: %d connections open, %d refused at the limits; %d rooms created; refused: %d requests, %d malformed, %d floods, %d slow, %d wrong passwords\n",
			open, refused, st.RoomsCreated, st.Refused, st.Malformed, st.RateLimited, st.SlowSockets, st.WrongPasswds)
		printRooms(w, srv.Rooms())
	case f[0] == "/kick" && len(f) == 3:
		port, err := strconv.Atoi(f[1])
		if err != nil {
			return fmt.Errorf("/kick PORT NAME: %q is not a port number (see /rooms)", f[1])
		}
		return srv.Kick(port, f[2])
	case (f[0] == "/ban" || f[0] == "/unban") && len(f) == 2:
		addr, err := netip.ParseAddr(f[1])
		if err != nil {
			return fmt.Errorf("%s ADDRESS: %w", f[0], err)
		}
		if f[0] == "/unban" {
			srv.Unban(addr)
			return nil
		}
		return srv.Ban(addr)
	case f[0] == "/invite" && (len(f) == 1 || len(f) == 2 && f[1] == "new"):
		if op.vt == nil {
			return errNoVPN
		}
		return op.vt.printInvite(w, len(f) == 2)
	case f[0] == "/answer" && len(f) == 2:
		if op.vt == nil {
			return errNoVPN
		}
		return op.vt.acceptAnswer(f[1])
	case f[0] == "/help":
		fmt.Fprintln(w, operatorHelp)
	default:
		return fmt.Errorf("unknown command %q; /help lists them", line)
	}
	return nil
}

// printRooms writes the /rooms table.
func printRooms(w io.Writer, rooms []lobby.RoomInfo) {
	if len(rooms) == 0 {
		fmt.Fprintln(w, "no rooms")
		return
	}
	for _, r := range rooms {
		state := "lobby"
		if r.Running {
			state = "playing"
		}
		lock := ""
		if r.Protected {
			lock = ", password"
		}
		fmt.Fprintf(w, "port %d  %q  %s [%s]  %s%s, %d inputs relayed\n", r.Port, r.Name, r.Game, r.MD5, state, lock, r.Stats.RelayedInputs)
		for i, p := range r.Players {
			if p != "" {
				fmt.Fprintf(w, "    player %d: %s\n", i+1, p)
			}
		}
		for _, m := range r.Members {
			fmt.Fprintf(w, "    member %s on port %s, rtt %d ms\n", m.Name, m.Ports, m.RTTMillis)
		}
	}
}

// serveDiscovery answers RMG's LAN search, if UDP port 45000 is free, and
// returns what stops it. It listens on every address whatever the
// lobby's: a socket bound to one address hears no broadcasts.
func serveDiscovery(srv *lobby.Server, port int, logger *log.Logger) func() {
	pc, err := net.ListenPacket("udp4", ":"+strconv.Itoa(lobby.DiscoveryPort))
	if err != nil {
		logger.Printf("no LAN discovery: %v", err)
		return func() {}
	}
	go srv.ServeDiscovery(pc, port)
	return func() { pc.Close() }
}
