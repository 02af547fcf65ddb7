package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/vpn"
)

func runConsole(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("netpak", flag.ContinueOnError)
	f := newSettingsFlags(fs)
	fs.Usage = func() { usage(fs.Output()) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "netpak: "+misplaced(args, fs.Args()))
		return errUsage
	}
	s, err := f.settings()
	if err != nil {
		return err
	}
	return console(ctx, s, f.verbose)
}

// misplaced says what is wrong with the console's command line args,
// whose flags left rest: a command after flags, which go after it, or a
// word the console does not take.
func misplaced(args, rest []string) string {
	for _, sc := range subcommands {
		if sc.name == rest[0] && sc.run != nil {
			flags := args[:len(args)-len(rest)]
			line := append([]string{"netpak", sc.name}, rest[1:]...)
			return fmt.Sprintf("the command goes first, its flags after it: %s", strings.Join(append(line, flags...), " "))
		}
	}
	return fmt.Sprintf("unexpected %q (to join a session: netpak join HOST)", rest[0])
}

func runJoin(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("netpak join", flag.ContinueOnError)
	f := newSettingsFlags(fs)
	localLobby := fs.Int("local-lobby", lobbymsg.DefaultPort, "with a netpak server's invite: the `port` of the lobby offered to RMG on this machine (0 picks one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: netpak join HOST[:PORT] | INVITE [flags]\n\nOpens the console and joins the session at HOST (port 6400 unless given),\nor through the built-in VPN with the invite (netpak1...) the host's /invite printed.\nWith the invite of a netpak server (netpak server --vpn) it offers the server's\nlobby on this machine instead, for RMG, simple64 and the other frontends.")
		fs.PrintDefaults()
	}
	// Accept the address before or after the flags.
	var addr string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		addr, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case addr == "" && fs.NArg() == 1:
		addr = fs.Arg(0)
	case addr == "" && fs.NArg() == 0:
		return badArgs(fs, "join which session? give HOST[:PORT] or an invite")
	case fs.NArg() > 0:
		return badArgs(fs, "unexpected %q: join takes one HOST[:PORT] or invite", fs.Arg(0))
	}
	s, err := f.settings()
	if err != nil {
		return err
	}
	if lobby, ok := serverLobby(addr); ok {
		logger := log.New(os.Stdout, "", log.Ltime) // the player's only window
		j := &lobbyJoin{invite: addr, lobby: lobby, localPort: *localLobby, settings: s, out: os.Stdout, logf: logger.Printf}
		if f.verbose {
			j.tunnels.logf = logger.Printf
		}
		return j.run(ctx)
	}
	if _, err := commands.ParseTarget(addr); err != nil {
		return err
	}
	s.Server, s.Connect = false, addr
	return console(ctx, s, f.verbose)
}

// console runs the interactive console, through readline on a terminal and
// line by line otherwise, and starts the session the settings describe.
func console(ctx context.Context, s commands.Settings, verbose bool) error {
	sess := &commands.Session{Settings: s, Tunnels: tunnels{ascii: !utf8Locale()}}
	key, keyErr := playerKey()
	sess.PlayerKey = key
	var ui uiCloser
	if interactive() {
		rui, err := newReadlineUI(func() []string { return commands.OtherPlayers(sess.State()) })
		if err != nil {
			return err
		}
		ui = rui
	} else {
		ui = newLineUI(ctx, os.Stdin, os.Stdout, os.Stderr)
	}
	defer ui.Close()
	stop := context.AfterFunc(ctx, func() { ui.Close() }) // SIGTERM ends a waiting ReadLine
	defer stop()
	sess.Events = func(line string) {
		if r, ok := ui.(*readlineUI); ok {
			r.setPrompt(commands.Prompt(sess.State())) // redrawn with the line
		}
		ui.PrintErr(line)
	}
	if verbose {
		sess.Logf = func(format string, args ...any) { ui.PrintErr(fmt.Sprintf(format, args...)) }
		sess.Tunnels = tunnels{ascii: !utf8Locale(), logf: sess.Logf}
	}
	log.SetOutput(errWriter{ui})
	con := &commands.Console{UI: ui, Ctl: sess, ASCII: !utf8Locale()}
	ui.PrintErr(fmt.Sprintf("netpak console: you are %s. /help lists the commands.", s.PlayerName()))
	if keyErr != nil {
		ui.PrintErr(fmt.Sprintf("%v: if netpak stops during a game, it cannot rejoin that game", keyErr))
	}
	err := startFromSettings(ctx, con, s)
	if err == nil {
		err = con.Run(ctx)
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil // SIGINT or SIGTERM: Run has left the session, as /quit does
	}
	return err
}

// startFromSettings does what a session file says, as if typed. The
// console has printed why it failed, if it did.
func startFromSettings(ctx context.Context, con *commands.Console, s commands.Settings) error {
	var cmd commands.Cmd
	switch {
	case s.Server:
		cmd = commands.Server{Port: s.Port, VPN: s.VPN}
	case s.Connect != "":
		c, err := s.ConnectCmd()
		if err != nil {
			return err
		}
		cmd = c
	default:
		return nil
	}
	if err := con.Exec(ctx, cmd); err != nil {
		return errReported
	}
	return nil
}

// uiCloser is a console UI that holds resources.
type uiCloser interface {
	commands.UI
	io.Closer
}

// errWriter sends the standard logger's lines through the UI.
type errWriter struct{ ui commands.UI }

func (w errWriter) Write(b []byte) (int, error) {
	w.ui.PrintErr(string(trimNewline(b)))
	return len(b), nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// playerKey is the key this player rejoins a game with, kept in netpak's
// folder (vpn.DefaultDir) so that it outlives a crash.
func playerKey() ([16]byte, error) {
	dir, err := vpn.DefaultDir()
	if err != nil {
		return [16]byte{}, err
	}
	return commands.LoadOrCreatePlayerKey(dir)
}
