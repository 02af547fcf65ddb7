package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/saves"
)

// startSavesTimeout bounds the wait for the host's copy of the saves the
// game started with; the host has had them since the game began.
const startSavesTimeout = 10 * time.Second

// restoreStartSaves puts back, before the emulator of a player 1 who
// rejoined a running game starts, the save files the game started with,
// which the host keeps: the emulator replays the game from its first
// poll, and mupen64plus reads player 1's saves from disk, so it must find
// them as the game did (what the game wrote since, the replay writes
// again). The files it replaces are kept as backups. If it cannot, it
// says so and the emulator reads the saves as they are; the host reports
// a replay that then differs.
func (s *Session) restoreStartSaves(ctx context.Context, c *client.Client) {
	g := s.gameOf(c)
	if g == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, startSavesTimeout)
	defer cancel()
	set, err := c.StartSaves(ctx)
	if err == nil {
		var changes []saves.Change
		if changes, err = g.restore(set); err == nil {
			s.print(describeRestore(changes))
			return
		}
	}
	s.print(fmt.Sprintf("could not put back the saves the game started with: %v; the replay reads your saves as they are now, and may differ from the game", err))
}

// restore makes the game's save files hold set.
func (g *game) restore(set saves.Set) ([]saves.Change, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.store.Restore(set)
}

// describeRestore is the console's line for a restore of the saves a
// rejoined game started with.
func describeRestore(changes []saves.Change) string {
	const intro = "you rejoined as player 1, and the replay starts from the saves the game started with: "
	if len(changes) == 0 {
		return intro + "yours are those"
	}
	return intro + strings.Join(changeParts(changes), "; ")
}
