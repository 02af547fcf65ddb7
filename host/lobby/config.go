package lobby

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host"
)

// Config configures a Server. The zero value is valid: every zero field
// takes the default named in its comment.
type Config struct {
	// GameHost is the address game ports listen on; "" means every
	// address. Clients connect their cores to the lobby's IP address, so
	// it must be reachable there.
	GameHost string
	// GamePortFirst and GamePortLast are the range of game ports, TCP and
	// UDP, one per room. Zero for both picks a free port per room (tests).
	GamePortFirst, GamePortLast int

	// MaxRooms bounds the rooms; 0 means the size of the game port
	// range, or 10 without a range.
	MaxRooms int
	// MaxRoomsPerSource bounds the rooms created from one source (an IPv4
	// address or an IPv6 /64) that are still open; 0 means 2.
	MaxRoomsPerSource int
	// MaxSockets bounds the open lobby connections; 0 means 256.
	MaxSockets int
	// MaxSocketsPerSource bounds them per source; 0 means 8.
	MaxSocketsPerSource int

	// Name is the server's name in the server list it serves at
	// /servers.json; "" means "netpak".
	Name string
	// AnyGameIP lets game connections come from any address. By default
	// a room's game port takes them only from the addresses its lobby
	// players connected from (clients connect their cores to the lobby's
	// IP, so the addresses agree unless a proxy stands between).
	AnyGameIP bool
	// NoStatusPage turns off the status page (StatusPath), which shows
	// anyone the rooms, their players and what each needs of the lag.
	NoStatusPage bool
	// MOTD is the message of the day; RMG shows it as HTML.
	MOTD string
	// CreateKey, if set, is needed to create rooms: the player's server
	// entry must be ws://HOST:PORT/CREATEKEY. Everyone may still list
	// and join.
	CreateKey string
	// AuthSecrets, if set, turns on the auth check of the simple64
	// servers: a request of emulator E must prove AuthSecrets[E] (RMG's
	// secret is "RMG"). Emulators without an entry are refused.
	AuthSecrets map[string]string

	// Lag, AutoLag and Golf are every new room's lag policy (see
	// host.Config).
	Lag     uint8
	AutoLag bool
	Golf    bool

	// BeginTimeout is how long a begun room waits for every lobby
	// player's core before it starts with the cores that came; 0 means
	// one minute.
	BeginTimeout time.Duration
	// PingEvery is how often the server pings each lobby connection; one
	// that does not answer within WriteTimeout is closed. 0 means 30 s.
	PingEvery time.Duration
	// IdleTimeout closes a lobby connection that is in no room and sends
	// nothing for this long (a browsing player refreshes the list by
	// reconnecting); 0 means 15 minutes.
	IdleTimeout time.Duration
	// StatusEvery is how often each room with players logs its status:
	// who plays, and how many inputs it relayed or that it stalled. 0
	// means 30 s.
	StatusEvery time.Duration
	// WriteTimeout bounds each write and ping; 0 means 10 s.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the HTTP upgrade of a new connection; 0
	// means 10 s.
	HandshakeTimeout time.Duration

	// Version is what reply_version says before the API version.
	Version string

	// Tunnel, if set, opens TCP and UDP on a port inside the built-in
	// VPN (netpak server --vpn): every room's game port is served there
	// too, at the same number, for players who reach the lobby through
	// the tunnel.
	Tunnel func(port int) (net.Listener, net.PacketConn, error)

	// Now, if set, is the server's clock; it defaults to time.Now.
	Now func() time.Time
	// Logf, if set, receives the log: rooms, players, games.
	Logf func(format string, args ...any)

	// roomConfig, if set, adjusts every room's session config (tests:
	// Turbo and scripted keys for headless cores).
	roomConfig func(*host.Config)
}

// Validate reports what is wrong with c, or nil.
func (c *Config) Validate() error {
	var errs []error
	if c.GamePortFirst < 0 || c.GamePortLast > 65535 || c.GamePortFirst > c.GamePortLast {
		errs = append(errs, fmt.Errorf("game ports %d-%d: not a range of port numbers", c.GamePortFirst, c.GamePortLast))
	}
	if (c.GamePortFirst == 0) != (c.GamePortLast == 0) {
		errs = append(errs, fmt.Errorf("game ports %d-%d: give both ends, or neither", c.GamePortFirst, c.GamePortLast))
	}
	for name, v := range map[string]int{"max rooms": c.MaxRooms, "max rooms per source": c.MaxRoomsPerSource,
		"max sockets": c.MaxSockets, "max sockets per source": c.MaxSocketsPerSource} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative", name, v))
		}
	}
	if len(c.MOTD) > lobbymsg.MaxMOTD {
		errs = append(errs, fmt.Errorf("the MOTD has %d bytes, at most %d", len(c.MOTD), lobbymsg.MaxMOTD))
	}
	if c.CreateKey != "" && lobbymsg.CheckText("create key", c.CreateKey, lobbymsg.MaxPassword, false) != nil {
		errs = append(errs, fmt.Errorf("the create key must be up to %d printable characters without spaces", lobbymsg.MaxPassword))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.MaxRooms <= 0 {
		c.MaxRooms = 10
		if c.GamePortFirst > 0 {
			c.MaxRooms = c.GamePortLast - c.GamePortFirst + 1
		}
	}
	setDefault(&c.MaxRoomsPerSource, 2)
	setDefault(&c.MaxSockets, 256)
	setDefault(&c.MaxSocketsPerSource, 8)
	setDefault(&c.BeginTimeout, time.Minute)
	setDefault(&c.PingEvery, 30*time.Second)
	setDefault(&c.WriteTimeout, 10*time.Second)
	setDefault(&c.StatusEvery, 30*time.Second)
	setDefault(&c.IdleTimeout, 15*time.Minute)
	setDefault(&c.HandshakeTimeout, 10*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Name == "" {
		c.Name = "netpak"
	}
	if c.Version == "" {
		c.Version = "netpak"
	}
	return c
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Per-socket and per-source rates. A real client sends a handful of
// requests when a dialog opens and then one per click or chat line.
const (
	requestRate   = 5        // requests a second, per socket, on average
	requestBurst  = 20       // at once
	createRate    = 1.0 / 10 // rooms created a second, per source
	createBurst   = 3
	passwordRate  = 1.0 / 10 // wrong passwords a second, per source
	passwordBurst = 5
	// sendQueue bounds the replies waiting for one slow socket; a socket
	// whose queue is full is closed: it only hurts itself.
	sendQueue = 64
)
