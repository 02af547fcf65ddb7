package launcher

import (
	"context"
	"errors"
	"fmt"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// Check reports whether cfg can start the game, before any game: it runs
// exe as an emulator child in [emucfg.Config.CheckOnly] mode, which loads
// the core, copies and reads the player's configuration, opens the ROM
// with the core and loads each plugin's library, then ends. It returns nil
// when all of that worked, else what [Process.Wait] would have returned
// for a game: a [*MissingError] for a missing core or plugin, an error
// matching [emucfg.ErrUserConfig] for a damaged mupen64plus.cfg, [ErrCore]
// for a ROM the core refuses, [emucfg.ErrConfig] for a ROM of an
// impossible size. Nothing the player owns is written.
func Check(ctx context.Context, exe string, cfg emucfg.Config) error {
	cfg.CheckOnly = true
	cfg.NetplayHost, cfg.NetplayPort, cfg.Ports = "", 0, nil // a check joins no game
	cfg.DoneAddr, cfg.ReportAddrs, cfg.StopWhenDone = 0, nil, false
	p, err := Start(ctx, exe, cfg)
	if err != nil {
		return err
	}
	err = p.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("launcher: check the emulator: %w", ctx.Err())
	}
	if errors.Is(err, ErrChild) {
		return fmt.Errorf("the emulator check failed: %w", err)
	}
	return err
}
