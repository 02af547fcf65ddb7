package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/corechild"
)

// subcommand is one row of netpak's dispatch table. Hidden ones (for
// example a child mode another netpak process starts) are not listed.
type subcommand struct {
	name    string
	args    string
	summary string
	hidden  bool
	run     func(ctx context.Context, args []string) error
}

// subcommands lists what `netpak NAME` runs; with no name, the console.
var subcommands = []subcommand{
	{name: "join", args: "HOST[:PORT] | INVITE [flags]", summary: "open the console and join the session at HOST, or through the built-in VPN", run: runJoin},
	{name: "host", args: "[flags]", summary: "host a session without a console, printing its events (stop with Ctrl-C)", run: runHost},
	{name: "demo", args: "[flags]", summary: "play a session of simulated players on this machine and check they agree", run: runDemo},
	{name: "server", args: "[flags]", summary: "serve a lobby with rooms for RMG, simple64 and gopher64 players (stop with Ctrl-C)", run: runServer},
	{name: "rendezvous", args: "[flags]", summary: "run a rendezvous, relay and STUN server for hosts without an open port", run: rendezvous},
	{name: "init", args: "[FILE]", summary: "write an example session file with every key and its default (default netpak.toml)", run: runInit},
	{name: "help", summary: "show this help"}, // dispatch handles it: usage reads this table
}

// errUsage means the command line was wrong; the message was printed.
var errUsage = errors.New("usage")

// badArgs says what is wrong with the command line of fs's command, and
// where its flags are listed, and returns errUsage.
func badArgs(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "%s: %s (%s -h lists its flags)\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return errUsage
}

// errReported means the command failed and said why itself.
var errReported = errors.New("reported")

// rendezvous adapts runRendezvous, which prints its own errors and handles
// its own signals, to the dispatch table.
func rendezvous(_ context.Context, args []string) error {
	switch runRendezvous(args, os.Stdout, os.Stderr) {
	case 0:
		return nil
	case 2:
		return errUsage
	}
	return errReported
}

func main() {
	// The emulator child (see launcher.Start) is netpak itself: it must
	// not parse flags, install signal handlers or print a console.
	if len(os.Args) > 1 && os.Args[1] == launcher.ChildCommand {
		os.Exit(corechild.Main(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:])
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errReported):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "netpak:", err)
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runConsole(ctx, args)
	}
	if args[0] == "help" {
		usage(os.Stdout)
		return nil
	}
	for _, sc := range subcommands {
		if sc.name == args[0] && sc.run != nil {
			return sc.run(ctx, args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "netpak: unknown command %q\n\n", args[0])
	usage(os.Stderr)
	return errUsage
}

// usage lists every subcommand and the console's flags.
func usage(w io.Writer) {
	fmt.Fprintln(w, "netpak: netplay for Nintendo 64 games, AQZ-style.")
	fmt.Fprintln(w, "\nUsage:")
	fmt.Fprintln(w, "  netpak [flags]                   open the console (type /help in it)")
	for _, sc := range subcommands {
		if !sc.hidden {
			fmt.Fprintf(w, "  netpak %-25s %s\n", strings.TrimSpace(sc.name+" "+sc.args), sc.summary)
		}
	}
	fmt.Fprintln(w, "\nConsole flags (also for join and host; they override the session file):")
	fs := flag.NewFlagSet("netpak", flag.ContinueOnError)
	newSettingsFlags(fs)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nRun netpak COMMAND -h for a command's own flags.")
}
