package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
)

// UI is how the console talks to its user. ReadLine returns io.EOF when
// the user is done (Ctrl-D, or the end of a script). Print carries what the
// user asked for (/who, /help); PrintErr carries session events, refusals
// and diagnostics. Print and PrintErr may be called from any goroutine,
// also while ReadLine waits, and must not break the line being typed.
type UI interface {
	ReadLine(prompt string) (string, error)
	Print(args ...any)
	PrintErr(args ...any)
}

// Controller carries out console commands. Session implements it on top of
// netpak's host package; tests fake it. Its methods return errors for the
// user to read and are not called concurrently by the console.
type Controller interface {
	// SetName changes the name others see; in a session the host
	// tells everyone, or this player why not.
	SetName(name string) error
	// Serve hosts a session as srv says (port 0: a free one; through the
	// built-in VPN too), joins it as the host's own player, and says where
	// it listens.
	Serve(ctx context.Context, srv Server) (Hosted, error)
	// Connect joins the session at target: "host:port", or an invite of
	// the built-in VPN.
	Connect(ctx context.Context, target string) error
	// Invite returns the invite of a session hosted through the VPN,
	// after replacing its join secret if rotate is set.
	Invite(rotate bool) (Invitation, error)
	// InviteWG admits a player of the official WireGuard app to the
	// session's tunnel and writes its wg-quick file to path.
	InviteWG(path string) (WGInvite, error)
	// Kick removes the member called name from the session this console
	// hosts, and its tunnel peer.
	Kick(name string) error
	// AcceptAnswer takes the answer code of a player whom no rendezvous
	// server paired with this host's tunnel, and punches toward it.
	AcceptAnswer(code string) error
	// Start starts the game (the host only), unless players differ from
	// the host (an error wrapping session.ErrSaveMismatch).
	Start() error
	// Stop ends the running game for everyone (the host only); the
	// session returns to the lobby.
	Stop() error
	// Check compares every player's ROM, saves and cheats with the host's.
	Check() ([]client.CheckRow, error)
	// CheckEmulator says whether this player's emulator can start the
	// game and which of the player's own mupen64plus settings the game
	// changes, without starting a game.
	CheckEmulator(ctx context.Context) EmulatorCheck
	// Sync sends the host's saves and cheats to the players who differ,
	// or only to the one called name (the host only), and waits until
	// they match.
	Sync(ctx context.Context, name string) error
	// SetLag sets everyone's lag, or outside a session the lag to host with.
	SetLag(lag uint8) error
	// ToggleGolf toggles golf mode, or outside a session whether to host
	// with it.
	ToggleGolf() error
	// SetAutoLag turns autolag on or off, or outside a session whether to
	// host with it.
	SetAutoLag(on bool) error
	// Chat says text to the session.
	Chat(text string) error
	// State returns a snapshot for the prompt and /who.
	State() State
	// Leave leaves the session, closing it if this console hosts it.
	Leave() error
	// Spectate leaves the session this console joined and joins target
	// (what Connect took) again as a spectator, who holds no controller
	// port. It refuses in a session this console hosts.
	Spectate(ctx context.Context, target string) error
}

// Phase is where a console is in a session's life.
type Phase uint8

const (
	Offline Phase = iota // in no session
	Lobby                // joined; the game has not started
	Playing              // the game runs
)

func (p Phase) String() string {
	switch p {
	case Lobby:
		return "lobby"
	case Playing:
		return "playing"
	}
	return "offline"
}

// Hosted says where a session Serve started listens.
type Hosted struct {
	Port    int    // the session port on normal sockets
	VPNOnly bool   // Port is on loopback only; players come through the tunnel
	VPNPort int    // the tunnel's UDP port; 0 without the VPN
	Invite  string // the tunnel's invite; "" without the VPN
	Reach   string // how players can reach the tunnel, one line; "" without the VPN
	// Addrs are the addresses others on this machine's networks can join
	// at (without the port); empty when none is known.
	Addrs []string
}

// State is a snapshot of a console's session.
type State struct {
	Name    string
	Phase   Phase
	Hosting bool         // this console hosts the session
	Addr    string       // the session's address as dialled
	VPN     bool         // the session runs through the built-in VPN
	Path    string       // a joiner's tunnel path and round trip, e.g. "direct, 12 ms"
	Peers   []TunnelPeer // a VPN host's tunnel peers
	Lag     uint8        // the session lag (offline: the lag to host with)
	AutoLag bool         // the host follows the network with the lag (offline: a session you host will)
	Golf    bool
	Seat    string  // who holds the golf seat
	SeatLag uint8   // the lag the golf seat plays
	Poll    uint32  // the next poll
	Pace    float64 // polls per second
	Self    uint16  // our member id
	RTT     time.Duration
	UDP     bool
	Members []session.Member
	// Room is, in a netpak server's room, its lobby players by seat
	// (controller port): RMG players are in the session only once their
	// emulators joined at the begin of the game.
	Room [session.NumPorts]string
	// Rejoining is, offline, the address of the session the console is
	// joining again after its connection broke; "" if none.
	Rejoining string
}

// Console is the command loop: it reads lines through UI, parses them and
// carries them out through Ctl. The zero value is not usable; set UI and
// Ctl.
type Console struct {
	UI  UI
	Ctl Controller
	// ASCII draws tables with ASCII only, for terminals without UTF-8.
	ASCII bool

	target string // what the last /connect joined, for /spectate
}

// Run reads and carries out commands until /quit, the end of input, or
// ctx ends. Bad lines print one error line and change nothing. On the way
// out it leaves the session.
func (c *Console) Run(ctx context.Context) error {
	defer c.Ctl.Leave()
	for ctx.Err() == nil {
		line, err := c.UI.ReadLine(Prompt(c.Ctl.State()))
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read command: %w", err)
		}
		if err := c.Line(ctx, line); errors.Is(err, errQuit) {
			return nil
		}
	}
	return ctx.Err()
}

// Line parses and carries out one line, printing any error. It returns
// errQuit after /quit.
func (c *Console) Line(ctx context.Context, line string) error {
	cmd, err := Parse(line)
	if err != nil {
		c.UI.PrintErr(err)
		return err
	}
	if cmd == nil {
		return nil
	}
	return c.Exec(ctx, cmd)
}

// Exec carries out one parsed command, printing any error. It returns
// errQuit after /quit.
func (c *Console) Exec(ctx context.Context, cmd Cmd) error {
	err := cmd.run(ctx, c)
	if errors.Is(err, errOffline) {
		if at := c.Ctl.State().Rejoining; at != "" {
			err = fmt.Errorf("you are in no session while netpak rejoins %s (/leave stops that)", at)
		}
	}
	if err != nil && !errors.Is(err, errQuit) {
		c.UI.PrintErr(err)
	}
	return err
}

// Prompt is the console prompt for st: your name and the session state,
// and whether you only watch it.
func Prompt(st State) string {
	name := st.Name
	if name == "" {
		name = "(no name)"
	}
	switch {
	case st.Phase == Offline && st.Rejoining != "":
		return fmt.Sprintf("%s [rejoining %s]> ", name, st.Rejoining)
	case st.Phase == Offline:
		return fmt.Sprintf("%s [offline]> ", name)
	case st.Hosting:
		return fmt.Sprintf("%s [hosting %s, %s, lag %d]> ", name, st.Addr, st.Phase, st.Lag)
	case selfSpectates(st):
		return fmt.Sprintf("%s [%s, %s, spectating, lag %d]> ", name, st.Addr, st.Phase, st.Lag)
	}
	return fmt.Sprintf("%s [%s, %s, lag %d]> ", name, st.Addr, st.Phase, st.Lag)
}
