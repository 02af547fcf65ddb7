package commands

import (
	"context"
	"errors"
)

// Cmd is a parsed console line. Its concrete types are Name, Server,
// Connect, Rooms, ConnectRoom, Start, Check, Sync, Lag, ShowLag, Golf, Who, Invite, Answer,
// Kick, Spectate, Leave, Help, Quit and Say.
type Cmd interface {
	run(ctx context.Context, c *Console) error
}

// Name is "/name NAME": the name others see.
type Name struct{ Name string }

// Server is "/server [PORT] [vpn]": host a session and join it as its own
// player, through the built-in VPN too if VPN is set.
type Server struct {
	Port int
	VPN  bool
}

// Connect is "/connect HOST[:PORT]" or "/connect INVITE": join someone
// else's session, directly or through the built-in VPN.
type Connect struct {
	Host   string
	Port   int
	Invite string // set for an invite; Host and Port are then empty
}

// Rooms is "/rooms HOST[:PORT]": list the waiting rooms of the lobby of
// a netpak server (default port 45000).
type Rooms struct{ Lobby Connect }

// ConnectRoom is "/connect HOST[:PORT] room NAME [password PASS]": join
// the room called Room in the lobby at Lobby (default port 45000), then
// the room's session on its game port.
type ConnectRoom struct {
	Lobby    Connect
	Room     string // words joined by single spaces
	Password string // "" for a room without one
}

// Invite is "/invite [new | wg [FILE]]": show the VPN invite, replace it,
// or write a WireGuard-app file.
type Invite struct {
	New  bool   // rotate the join secret first
	WG   bool   // write a wg-quick file instead
	File string // where, with WG; "" picks a name
}

// Answer is "/answer CODE": the host takes a player's answer code and
// punches toward it.
type Answer struct{ Code string }

// Kick is "/kick NAME": remove a member from the session you host.
type Kick struct{ Name string }

// Start is "/start": the host starts the game for everyone.
type Start struct{}

// Stop is "/stop": the host ends the game for everyone; the session goes
// back to the lobby.
type Stop struct{}

// Check is "/check": every player's ROM, saves and cheats against the
// host's.
type Check struct{}

// Sync is "/sync [PLAYER]": the host sends its saves and cheats to the
// players who differ, or only to Player.
type Sync struct{ Player string }

// Lag is "/lag N": everyone's lag, in polls.
type Lag struct{ Frames uint8 }

// ShowLag is "/lag" without a number: show the lag and golf mode.
type ShowLag struct{}

// AutoLag is "/autolag [on|off]": the host follows the network with the
// lag (the default, and what /autolag alone asks), or not.
type AutoLag struct{ On bool }

// LagStat is "/lagstat": every player's ping and jitter, and the lag each
// pair of players needs.
type LagStat struct{}

// Golf is "/golf": toggle golf mode.
type Golf struct{}

// Who is "/who": the players, their ports and pings, the lag and the host.
type Who struct{}

// Help is "/help [command]".
type Help struct{ Topic string }

// Spectate is "/spectate": leave the session you joined and join it again
// as a spectator.
type Spectate struct{}

// Leave is "/leave": leave the session (closing it, if you host it) and
// stay in the console.
type Leave struct{}

// Quit is "/quit": leave the session and the console.
type Quit struct{}

// Say is a chat line: any line not starting with "/".
type Say struct{ Text string }

// errQuit ends the console loop.
var errQuit = errors.New("quit")

// command is one row of the table.
type command struct {
	name    string
	aliases []string
	args    string // argument synopsis for usage, e.g. "HOST[:PORT]"
	help    string // one line
	more    string // further paragraphs for /help NAME and the reference
	parse   func(args []string) (Cmd, error)
}

func (c *command) usage() string {
	if c.args == "" {
		return "/" + c.name
	}
	return "/" + c.name + " " + c.args
}

// spellings returns the command's name and then its aliases.
func (c *command) spellings() []string { return append([]string{c.name}, c.aliases...) }

// table lists every console command in the order /help shows them.
var table = []*command{
	{
		name: "name", args: "NAME", parse: parseName,
		help: "set the name others see (1-24 characters, no spaces)",
		more: "Names are unique in a session. Inside one, the host tells everyone your new name, or you why not (a player who left the running game keeps theirs, to rejoin).",
	},
	{
		name: "server", aliases: []string{"host"}, args: "[PORT] [vpn]", parse: parseServer,
		help: "host a session on PORT (default 6400, TCP and UDP) and join it as its own player; with vpn, also through the built-in VPN",
		more: "The host's own player joins through loopback like everybody else, and is the only one who may /start. PORT 0 picks a free port. " +
			"With vpn, players join with the invite /invite prints, through an encrypted tunnel on one UDP port (vpn_port, default 6464). For players from the internet netpak asks your router to forward that port (port_mapping); where it cannot, rendezvous servers pair players with you, or /answer takes their answer codes. " +
			"Inside the tunnel the session is always on port 6400. vpn_only = true in a session file serves the session only in the tunnel (and on loopback for you).",
	},
	{
		name: "connect", aliases: []string{"join"}, args: "HOST[:PORT] | INVITE | HOST room NAME", parse: parseConnect,
		help: "join the session at HOST (default port 6400), through the built-in VPN with an invite (netpak1...), or the room NAME of a netpak server (add password PASS for a locked one)",
		more: "You join as a player on the next free controller port, or as a spectator if your session file says so. A game that has started takes spectators only. " +
			"An invite is the one line the host's /invite printed; the tunnel runs inside netpak, needs no administrator rights, and closes when you leave the session. " +
			"\"/connect HOST PORT\" works too. " +
			"With room (/connect HOST[:PORT] room NAME [password PASS], lobby port 45000 by default), netpak joins the room in the server's lobby as RMG and simple64 players do (/rooms lists them; NAME may have spaces, case does not matter, the password is one word), then joins the room's session on its game port as a player on your lobby seat's controller port, with your name: lag, golf, /check and /who work as in any session. " +
			"You hold the seat until you /leave; the room's creator starts the game.",
	},
	{
		name: "rooms", args: "HOST[:PORT]", parse: parseRooms,
		help: "list the rooms waiting for players at the netpak server HOST (lobby port 45000); join one with /connect HOST room NAME [password PASS]",
		more: "Each room shows its name, game, players and whether it needs a password; /connect HOST room NAME joins one. Rooms whose game has begun are only counted: they take no players until their game is over.",
	},
	{
		name: "start", parse: noArgs(Start{}),
		help: "start the game for everyone (the host only)",
		more: "Every player begins at poll 0 together. Players cannot join a started game; spectators can (their emulators replay it from the start, then watch it live). /stop ends it for everyone, and /start again plays the next game.",
	},
	{
		name: "stop", parse: noArgs(Stop{}),
		help: "end the game for everyone and go back to the lobby (the host only)",
		more: "Everyone's emulator stops; players keep their ports and the lag stays. /check runs again, and /start plays the next game (the same ROM or another) from poll 0. A game also ends by itself when every player has left it or stopped their emulator.",
	},
	{
		name: "check", parse: noArgs(Check{}),
		help: "compare every player's ROM, saves and cheats with the host's: a tick or what differs",
		more: "Every player announces the SHA-256 of its ROM, a hash of each save component (EEPROM, SRAM, FlashRAM, four Controller Paks) and of its enabled cheats when it joins and after a /sync. " +
			"/start refuses while anyone differs. Players without a rom in their session file announce nothing. " +
			"Then it tries your own emulator without starting a game (the core, the plugins, your mupen64plus.cfg, the ROM) and says what would keep it from starting, " +
			"and which of your mupen64plus settings netplay changes for the game; the others' /check shows it too, and /start waits while a player's emulator cannot start.",
	},
	{
		name: "sync", args: "[PLAYER]", parse: parseSync,
		help: "send the host's saves and cheats to the players who differ, or to PLAYER (the host only)",
		more: "Each player's own save files are kept as timestamped backups (<file>.<time>.bak) beside the new ones, and the host's cheats become theirs for this session. " +
			"A different ROM or emulator cannot be sent. host_wins = true in the host's session file does this at /start, and before autostart.",
	},
	{
		name: "lag", args: "[N]", parse: parseLag,
		help: "set everyone's lag to N polls (0-255, default 5), or show the lag, whether autolag is on, and golf mode",
		more: "The change lands on the same poll on every machine and is announced to all, and turns autolag off. If the game then falls short of full speed, the host tells everyone once, with the lag the network calls for. Before you host, it sets the lag your session starts with (autolag, if on, follows the network from there).",
	},
	{
		name: "autolag", args: "[on|off]", parse: parseAutoLag,
		help: "let the host follow the network with the lag: the smallest lag that holds full speed for everyone",
		more: "On by default. Twice a second the host measures every player's round trip and jitter, takes the lag the worst pair of players needs (an input has lag+1 polls of 16.7 ms to travel; for mupen64plus cores connected straight to the host, how early their inputs reach them), adds one poll when the game falls short of full speed at that lag (an emulator's own time in its frame, which no ping shows, and says so), in golf gives everyone but the golfer the lag that covers the golfer's inputs going out and theirs coming back (see /help golf), raises the lag within a second when the network slows and lowers it once the median of sixteen seconds of round trips (or of direct cores' reports) allows it, and announces each change, which lands on the same poll for everyone. /lag N turns it off; /lagstat shows the measurements.",
	},
	{
		name: "lagstat", parse: noArgs(LagStat{}),
		help: "show every player's ping and jitter, how many polls a second its inputs came at lately, how long the others waited for them in this game (beyond the poll period, as a wait within a frame costs none), and the lag each pair of players needs (for an emulator connected straight to the host, which sends no pings, the lag its reports of how early its inputs arrive call for)",
	},
	{
		name: "golf", parse: noArgs(Golf{}),
		help: "toggle golf mode: whoever presses the golf button (Z) plays at lag 0",
		more: "Everybody else keeps the session lag; the zero-lag seat moves to whoever presses the golf button next. Made for turn-based games. An emulator connected straight to the host (RMG, simple64 without netpak) gets its own presses back from the host, so in the seat it plays the least lag that round trip allows (40 ms away: lag 2) rather than 0, at which the whole game would wait for it at every poll; if the game falls short of full speed, the seat gets one poll more, and everyone is told. The golfer's inputs reach the others as late as the network is slow, and theirs must make the way back too: in golf, autolag gives everyone but the golfer the lag that covers both ways for whoever may take the seat, so the game holds full speed (80 ms apart: lag 8, where round trips alone call for 4).",
	},
	{
		name: "who", parse: noArgs(Who{}),
		help: "list the players, their ports and pings, the lag and whether autolag is on, who is host and, in a game, its poll and pace (polls/s)",
	},
	{
		name: "invite", args: "[new | wg [FILE]]", parse: parseInvite,
		help: "show the invite (a line and its QR code) that lets players /connect through the built-in VPN; new replaces it",
		more: "Only for a session hosted with /server PORT vpn. One invite admits players until the session's controller ports are taken. " +
			"/invite new makes a new join secret: the old invite stops working, players already in stay. " +
			"/invite wg [FILE] writes a WireGuard configuration (default netpak-wg-N.conf) for a player who uses the official WireGuard app instead of netpak, and shows it as a QR code for the phone apps: " +
			"they import it into the app, activate it, and point their emulator's netplay at 10.64.0.1 port 6400. Each file admits one player; keep it private.",
	},
	{
		name: "answer", args: "CODE", parse: parseAnswer,
		help: "take the answer code (netpak-answer1...) a player sent back, and open the tunnel to them",
		more: "When no rendezvous server pairs a player with your tunnel and your port is not forwarded, their /connect prints an answer code carrying their addresses. " +
			"They send it to you (chat, mail); /answer with it makes both sides punch through the NATs at once for 30 s. Needs stun servers in both session files for players outside your network.",
	},
	{
		name: "kick", args: "NAME", parse: parseKick,
		help: "remove NAME from the session you host (and from its VPN tunnel)",
		more: "Their controller port reads empty from then on. Someone kicked can come back with the same invite: /invite new first to keep them out.",
	},
	{
		name: "spectate", parse: noArgs(Spectate{}),
		help: "give up your controller port and watch the session you joined as a spectator",
		more: "netpak leaves the session and joins the same address (or invite) again as a spectator, who never holds up the game. A started game takes spectators: your emulator starts at power-on, replays the game unthrottled from its first poll and then watches it live. The others are told you left to watch; in a started game your port reads empty and stays yours: /leave and /connect to play it again. The host cannot spectate its own session.",
	},
	{
		name: "leave", parse: noArgs(Leave{}),
		help: "leave the session (closing it, if you host it) and stay in the console",
		more: "Then /server or /connect starts another session.",
	},
	{
		name: "help", args: "[COMMAND]", // parse: set in init, as it reads the table
		help: "list the commands, or explain one",
	},
	{
		name: "quit", aliases: []string{"exit"}, parse: noArgs(Quit{}),
		help: "leave the session (closing it, if you host it) and the console",
	},
}

func init() { lookup("help").parse = parseHelp }

// lookup finds a command by name or alias.
func lookup(name string) *command {
	for _, c := range table {
		if c.name == name {
			return c
		}
		for _, a := range c.aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

// CommandNames returns every command and alias with its slash, for tab
// completion.
func CommandNames() []string {
	var names []string
	for _, c := range table {
		names = append(names, "/"+c.name)
		for _, a := range c.aliases {
			names = append(names, "/"+a)
		}
	}
	return names
}
