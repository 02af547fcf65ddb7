package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/netpak/netpak/commands"
)

func runHost(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("netpak host", flag.ContinueOnError)
	f := newSettingsFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: netpak host [flags]\n\nHosts a session without a console and prints its events; SIGINT or SIGTERM stop it.\nThe game starts when --autostart players have joined.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badArgs(fs, "unexpected %q: it takes only flags", fs.Arg(0))
	}
	s, err := f.settings()
	if err != nil {
		return err
	}
	var logf func(string, ...any)
	if f.verbose {
		logf = log.New(os.Stderr, "", log.LstdFlags).Printf
	}
	return commands.RunHost(ctx, s, tunnels{ascii: !utf8Locale()}, func(line string) { fmt.Println(line) }, logf)
}
