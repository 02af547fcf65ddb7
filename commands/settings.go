package commands

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/session"
)

// Settings is a session as a file or flags describe it: the same session
// you would type at the console. Defaults returns the defaults; the zero
// value is not the default (its lag is 0 and it has no port).
type Settings struct {
	Name        string        // the name others see; "" means your login name
	Server      bool          // host a session, like /server
	Port        int           // the port to host on (0: a free one)
	Bind        string        // the address to host on; "" means every address
	Connect     string        // join this session, like /connect
	Lag         int           // the session lag in polls, 0-255
	Golf        bool          // golf mode on from the start
	AutoLag     bool          // the host follows the network with the lag, like /autolag
	GolfButton  string        // the button that takes the golf seat
	AutoStart   int           // start when this many players joined (0: wait for /start)
	DropTimeout time.Duration // silence before a member is dropped
	Spectator   bool          // join as a spectator
	Ports       []int         // controller ports wanted, 1-4; empty means the next free one

	// Room, with Connect the address of a netpak server's lobby, joins its
	// room of that name, like /connect HOST room NAME; RoomPassword is the
	// room's password, one word.
	Room, RoomPassword string

	VPN         bool     // host through the built-in VPN too, like /server PORT vpn
	VPNPort     int      // the tunnel's UDP port (0: a free one)
	VPNOnly     bool     // with VPN: serve the session on loopback and in the tunnel only
	VPNEndpoint string   // the address invites name, "IP:PORT" or "IP"; "" lists this machine's
	Rendezvous  []string // rendezvous servers, "HOST:PORT", for hosts without an open port
	STUN        []string // STUN servers, "HOST:PORT", that tell the tunnel its public address
	PortMapping bool     // ask the router to forward the tunnel's port (UPnP-IGD, NAT-PMP)

	Emulator Emulator // how /start runs the game; without a ROM the simulated game plays
	// HostWins makes the host's /start send its saves and cheats to every
	// player who differs, then start, instead of refusing.
	HostWins bool
}

// Emulator says how to run mupen64plus for the session: the keys of the
// launcher's Config that a player sets. Empty strings take the launcher's
// (Debian's) defaults.
type Emulator struct {
	ROM       string // the ROM image; "" plays the simulated game
	CoreLib   string // libmupen64plus, a path or a name for the loader
	PluginDir string // "" finds Debian's plugin directory
	DataDir   string // mupen64plus.ini and friends
	// ConfigDir is the player's own mupen64plus configuration folder; the
	// game starts from a copy of its mupen64plus.cfg. "" is mupen64plus'
	// usual one (emucfg.DefaultUserConfigDir).
	ConfigDir string
	SaveDir   string // the game's save files; "" is netpak's data directory
	Video     string // plugins: a file in PluginDir, a path, or "dummy"
	Audio     string
	Input     string
	RSP       string
	Headless  bool   // dummy video, audio and input: nothing to see
	R4300     string // dynarec, cached-interpreter or pure-interpreter

	// Saves is the save-file convention of SaveDir, a saves.Emulator name
	// ("mupen64plus-debian", "pj64-3", ...): how the files are named and
	// laid out.
	Saves string
	// CheatFiles are the cheat databases enabled cheats are looked up in,
	// first match wins; empty means Debian's mupencheat.txt when installed.
	CheatFiles []string
	// Cheats are the enabled GameShark cheats of the ROM's game.
	Cheats []CheatChoice
}

// CheatChoice is one [[cheat]] of a session file: a cheat's name as its
// database writes it ("\" separates folders) and, for a cheat that takes
// one, the option's label (or "0x" and hex digits).
type CheatChoice struct {
	Name   string
	Option string
}

// Defaults returns the settings of a session nobody configured. It is the
// one place defaults live.
func Defaults() Settings {
	return Settings{
		Port:        session.DefaultPort,
		Lag:         session.DefaultLag,
		AutoLag:     true,
		GolfButton:  "Z",
		DropTimeout: session.DefaultDropTimeout,
		VPNPort:     defaultVPNPort,
		PortMapping: true,
		Emulator: Emulator{
			CoreLib: emucfg.DefaultCoreLib, DataDir: emucfg.DefaultDataDir,
			Video: emucfg.DefaultVideo, Audio: emucfg.DefaultAudio,
			Input: emucfg.DefaultInput, RSP: emucfg.DefaultRSP, R4300: emucfg.EmuDynarec,
			Saves: defaultSaves,
		},
	}
}

// defaultVPNPort is vpn.DefaultPort (6464), which commands may not import;
// a test in cmd/netpak checks that the two agree.
const defaultVPNPort = 6464

// SettingError says which setting is wrong.
type SettingError struct {
	Key string // as spelled in a session file
	Err error
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func bad(key, format string, args ...any) error {
	return &SettingError{Key: key, Err: fmt.Errorf(format, args...)}
}

// Validate reports the first setting that is out of range or contradicts
// another, as a *SettingError.
func (s *Settings) Validate() error {
	switch {
	case s.Name != "" && CheckName(s.Name) != nil:
		return &SettingError{Key: "name", Err: CheckName(s.Name)}
	case s.Port < 0 || s.Port > 65535:
		return bad("port", "%d is not a port number from 0 to 65535", s.Port)
	case s.Bind != "" && !isAddr(s.Bind):
		return bad("bind", "%q is not an IP address", s.Bind)
	case s.Server && s.Connect != "":
		return bad("connect", "a session either hosts (server = true) or connects, not both")
	case s.Lag < 0 || s.Lag > 255:
		return bad("lag", "%d is not a number from 0 to 255", s.Lag)
	case s.AutoStart < 0 || s.AutoStart > session.NumPorts:
		return bad("autostart", "%d is not a number from 0 to %d", s.AutoStart, session.NumPorts)
	case s.DropTimeout < 500*time.Millisecond || s.DropTimeout > time.Minute:
		return bad("drop_timeout", "%v is not between 0.5s and 60s", s.DropTimeout)
	case s.VPNPort < 0 || s.VPNPort > 65535:
		return bad("vpn_port", "%d is not a port number from 0 to 65535", s.VPNPort)
	case s.VPNOnly && !s.VPN:
		return bad("vpn_only", "needs vpn = true")
	case s.VPN && s.Connect != "":
		return bad("vpn", "hosts through the VPN; to join through one, set connect to the invite")
	case s.Spectator && len(s.Ports) > 0:
		return bad("ports", "a spectator holds no controller ports")
	case len(s.Ports) > session.NumPorts:
		return bad("ports", "more than %d ports", session.NumPorts)
	}
	if _, err := ButtonMask(s.GolfButton); err != nil {
		return &SettingError{Key: "golf_button", Err: err}
	}
	if s.Connect != "" && s.Room == "" {
		if _, err := ParseTarget(s.Connect); err != nil {
			return &SettingError{Key: "connect", Err: err}
		}
	}
	if err := s.validateRoom(); err != nil {
		return err
	}
	if s.VPNEndpoint != "" {
		if _, err := s.vpnEndpoint(); err != nil {
			return &SettingError{Key: "vpn_endpoint", Err: err}
		}
	}
	if err := validateServers("rendezvous", s.Rendezvous); err != nil {
		return err
	}
	if err := validateServers("stun", s.STUN); err != nil {
		return err
	}
	if err := s.Emulator.validate(); err != nil {
		return err
	}
	return s.validatePorts()
}

// maxRendezvous bounds the rendezvous list (vpn.MaxEndpoints).
const maxRendezvous = 8

// validateServers checks a list of "HOST:PORT" servers under key.
func validateServers(key string, servers []string) error {
	if len(servers) > maxRendezvous {
		return bad(key, "more than %d servers", maxRendezvous)
	}
	for _, r := range servers {
		h, p, err := net.SplitHostPort(r)
		if err == nil {
			_, err = checkHost(h)
		}
		if err == nil {
			_, err = parsePort(p, false)
		}
		if err != nil {
			return bad(key, "%q is not HOST:PORT", r)
		}
	}
	return nil
}

// validateRoom checks room and room_password as /connect HOST room NAME
// password PASS would.
func (s *Settings) validateRoom() error {
	switch {
	case s.Room == "" && s.RoomPassword != "":
		return bad("room_password", "needs a room")
	case s.Room == "":
		return nil
	case s.Connect == "":
		return bad("room", "needs connect, the address of the netpak server")
	case s.Spectator:
		return bad("room", "a room's lobby seats players only; spectator must be false")
	}
	_, err := s.ConnectCmd()
	return err
}

// ConnectCmd returns the command that joins what the settings' connect
// (and room) name: a Connect, or a ConnectRoom with room; nil without
// connect.
func (s *Settings) ConnectCmd() (Cmd, error) {
	if s.Connect == "" {
		return nil, nil
	}
	if s.Room == "" {
		c, err := ParseTarget(s.Connect)
		if err != nil {
			return nil, &SettingError{Key: "connect", Err: err}
		}
		return c, nil
	}
	if len(strings.Fields(s.RoomPassword)) > 1 {
		return nil, bad("room_password", "the password is one word")
	}
	args := append([]string{s.Connect, "room"}, strings.Fields(s.Room)...)
	if s.RoomPassword != "" {
		args = append(args, "password", s.RoomPassword)
	}
	cmd, err := parseConnectRoom(args)
	if err != nil {
		key := "room"
		if strings.Contains(err.Error(), "password") {
			key = "room_password"
		}
		return nil, &SettingError{Key: key, Err: err}
	}
	return cmd, nil
}

func (s *Settings) validatePorts() error {
	var seen session.PortMask
	for _, p := range s.Ports {
		if p < 1 || p > session.NumPorts {
			return bad("ports", "%d is not a controller port from 1 to %d", p, session.NumPorts)
		}
		if seen.Has(p - 1) {
			return bad("ports", "port %d is listed twice", p)
		}
		seen |= 1 << (p - 1)
	}
	return nil
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// buttons names the N64 buttons by their bit in the controller word
// (mupen64plus' BUTTONS layout).
var buttons = []struct {
	name string
	bit  uint
}{
	{"DRight", 0}, {"DLeft", 1}, {"DDown", 2}, {"DUp", 3}, {"Start", 4},
	{"Z", 5}, {"B", 6}, {"A", 7}, {"CRight", 8}, {"CLeft", 9},
	{"CDown", 10}, {"CUp", 11}, {"R", 12}, {"L", 13},
}

// ButtonMask returns the controller-word bit of a button name (case does
// not matter).
func ButtonMask(name string) (uint32, error) {
	for _, b := range buttons {
		if strings.EqualFold(b.name, name) {
			return 1 << b.bit, nil
		}
	}
	names := make([]string, len(buttons))
	for i, b := range buttons {
		names[i] = b.name
	}
	return 0, fmt.Errorf("%q is not a button; use one of %s", name, strings.Join(names, ", "))
}

// PlayerName returns the name to join with: Name, or else the login name.
func (s *Settings) PlayerName() string {
	if s.Name != "" {
		return s.Name
	}
	for _, env := range []string{"USER", "USERNAME", "LOGNAME"} {
		if n := os.Getenv(env); CheckName(n) == nil {
			return n
		}
	}
	if u, err := user.Current(); err == nil && CheckName(u.Username) == nil {
		return u.Username
	}
	return "player"
}

// HostConfig returns the host configuration these settings describe.
func (s *Settings) HostConfig() host.Config {
	mask, _ := ButtonMask(s.GolfButton)
	return host.Config{
		Lag: uint8(s.Lag), Golf: s.Golf, GolfMask: mask,
		DropTimeout: s.DropTimeout, AutoStart: s.AutoStart, AutoLag: s.AutoLag,
	}
}

// ClientConfig returns the client configuration these settings describe.
func (s *Settings) ClientConfig() client.Config {
	var ports session.PortMask
	for _, p := range s.Ports {
		ports |= 1 << (p - 1)
	}
	return client.Config{Name: s.PlayerName(), Ports: ports, Spectator: s.Spectator}
}
