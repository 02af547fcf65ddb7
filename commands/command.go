package commands

import (
	"context"
	"errors"
)

// Cmd is a parsed console line. Its concrete types are Name, Server,
// Connect, Start, Lag, Golf, Who, Help, Quit and Say.
type Cmd interface {
	run(ctx context.Context, c *Console) error
}

// Name is "/name NAME": the name others see.
type Name struct{ Name string }

// Server is "/server [PORT]": host a session and join it as its own player.
type Server struct{ Port int }

// Connect is "/connect HOST[:PORT]": join someone else's session.
type Connect struct {
	Host string
	Port int
}

// Start is "/start": the host starts the game for everyone.
type Start struct{}

// Lag is "/lag N": everyone's lag, in polls.
type Lag struct{ Frames uint8 }

// Golf is "/golf": toggle golf mode.
type Golf struct{}

// Who is "/who": the players, their ports and pings, the lag and the host.
type Who struct{}

// Help is "/help [command]".
type Help struct{ Topic string }

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

// table lists every console command in the order /help shows them.
var table = []*command{
	{
		name: "name", args: "NAME", parse: parseName,
		help: "set the name others see (1-24 characters, no spaces)",
		more: "Names are unique in a session; set yours before /server or /connect.",
	},
	{
		name: "server", aliases: []string{"host"}, args: "[PORT]", parse: parseServer,
		help: "host a session on PORT (default 6400, TCP and UDP) and join it as its own player",
		more: "The host's own player joins through loopback like everybody else, and is the only one who may /start. PORT 0 picks a free port.",
	},
	{
		name: "connect", aliases: []string{"join"}, args: "HOST[:PORT]", parse: parseConnect,
		help: "join the session at HOST (default port 6400); \"/connect HOST PORT\" works too",
		more: "You join as a player on the next free controller port, or as a spectator if your session file says so. A game that has started takes spectators only.",
	},
	{
		name: "start", parse: noArgs(Start{}),
		help: "start the game for everyone (the host only)",
		more: "Every player begins at poll 0 together. Players cannot join a started game; spectators can.",
	},
	{
		name: "lag", args: "N", parse: parseLag,
		help: "set everyone's lag to N polls (0-255, default 5)",
		more: "The change lands on the same poll on every machine and is announced to all. Before you host, it sets the lag your session starts with.",
	},
	{
		name: "golf", parse: noArgs(Golf{}),
		help: "toggle golf mode: whoever presses the golf button (Z) plays at lag 0",
		more: "Everybody else keeps the session lag; the zero-lag seat moves to whoever presses the golf button next. Made for turn-based games.",
	},
	{
		name: "who", parse: noArgs(Who{}),
		help: "list the players, their ports and pings, the lag, and who is host",
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
