package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/netpak/netpak/commands"
)

func runDemo(ctx context.Context, args []string) error {
	d, err := demoFlags(args)
	if err != nil {
		return err
	}
	return commands.RunDemo(ctx, d, os.Stdout)
}

// demoFlags parses netpak demo's flags.
func demoFlags(args []string) (commands.DemoConfig, error) {
	d := commands.DefaultDemo()
	fs := flag.NewFlagSet("netpak demo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: netpak demo [flags]\n\nHosts a session on this machine with simulated players, shows the lockstep live, and\nexits 0 when every player finished in the same state.")
		fs.PrintDefaults()
	}
	fs.IntVar(&d.Players, "players", d.Players, "simulated `players`, 1-4")
	fs.IntVar(&d.Spectators, "spectators", d.Spectators, "simulated `spectators`")
	polls := fs.Uint("polls", uint(d.Polls), "`polls` in the game")
	lag := fs.Uint("lag", uint(d.Lag), "the session lag in `polls`, 0-255")
	fs.BoolVar(&d.AutoLag, "autolag", d.AutoLag, "follow the network with the lag, from --lag (off when --lag is given, unless --autolag too)")
	fs.BoolVar(&d.Golf, "golf", d.Golf, "golf mode on; every player presses Z now and then")
	fs.Float64Var(&d.Loss, "loss", d.Loss, "`share` of the host's datagrams dropped, duplicated and reordered (0-0.9)")
	fs.DurationVar(&d.Delay, "delay", d.Delay, "one-way `delay` of each player's link to the host, in each direction; inputs take twice this from player to player (e.g. 40ms)")
	fs.DurationVar(&d.Jitter, "jitter", d.Jitter, "random ± `jitter` added to the delay of each datagram and TCP chunk on each link (e.g. 5ms)")
	fs.Float64Var(&d.Rate, "rate", d.Rate, "polls per `second` (0: as fast as the lockstep allows)")
	fs.Uint64Var(&d.Seed, "seed", d.Seed, "`seed` for the players' presses, the loss and the jitter")
	if err := fs.Parse(args); err != nil {
		return d, err
	}
	switch {
	case fs.NArg() > 0:
		return d, badArgs(fs, "unexpected %q: it takes only flags", fs.Arg(0))
	case *lag > 255:
		return d, badArgs(fs, "--lag %d is not a number from 0 to 255", *lag)
	case *polls > 1<<31:
		return d, badArgs(fs, "--polls %d is more than %d", *polls, 1<<31)
	}
	d.Polls, d.Lag = uint32(*polls), uint8(*lag)
	if lagTurnsAutoLagOff(fs) {
		d.AutoLag = false
	}
	return d, nil
}
