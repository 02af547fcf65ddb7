package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/saves"
)

// syncQueueLen bounds the /sync items waiting to be written: one per save
// component and the cheat set, twice over.
const syncQueueLen = 2 * (int(saves.NumKinds) + 1)

// syncWait bounds how long /sync waits for the players it sent to to
// announce matching manifests.
const syncWait = 15 * time.Second

// matchPoll is how often /sync looks whether the players match yet: the
// host tells clients of new manifests without an event to wait on.
const matchPoll = 50 * time.Millisecond

// syncItem is one item the host's player sent: a save component (nil data:
// no save) or the cheat set.
type syncItem struct {
	from string
	kind session.SyncKind
	data []byte
}

// receiveSync backs up and replaces this player's own save or cheats with
// what the host's player sent, then announces the new manifest. It runs
// on the event loop.
func (s *Session) receiveSync(l *live, it syncItem) {
	if l.game == nil {
		s.print(fmt.Sprintf("%s sent you %v, but you configured no rom: ignored", it.from, it.kind))
		return
	}
	var line string
	var err error
	if it.kind == session.SyncCheats {
		line, err = l.game.receiveCheats(it.from, it.data)
	} else {
		line, err = l.game.receiveSave(it.from, saves.Kind(it.kind), it.data)
	}
	if err != nil {
		s.print(err.Error())
		return
	}
	s.print(line)
	if err := s.announce(l); err != nil {
		s.print(err.Error())
	}
}

// announce tells the session this player's current manifest.
func (s *Session) announce(l *live) error {
	mf, err := l.game.manifest()
	if err == nil {
		err = l.c.SetManifest(mf)
	}
	if err == nil {
		err = l.c.SetCheatNames(l.game.cheatNames())
	}
	if err != nil {
		return fmt.Errorf("announce your ROM, saves and cheats: %w", err)
	}
	return nil
}

// Check compares every player's ROM, saves and cheats with the host's.
// It announces this player's files first, as they are now: an emulator
// may have written them since the join.
func (s *Session) Check() ([]client.CheckRow, error) {
	s.mu.Lock()
	l := s.cur
	s.mu.Unlock()
	if l == nil {
		return nil, errOffline
	}
	if l.game != nil {
		if err := s.announce(l); err != nil {
			return nil, err
		}
	}
	return l.c.Check(), nil
}

// Stop ends the running game for everyone: the session this console hosts
// returns to the lobby.
func (s *Session) Stop() error {
	s.mu.Lock()
	l := s.cur
	s.mu.Unlock()
	switch {
	case l == nil:
		return errOffline
	case l.h == nil:
		return errors.New("only the host can stop the game")
	}
	return l.c.Stop()
}

// Start asks the host to start the game. The host's own console refuses
// first while players differ from it, naming them, or with host_wins
// sends them its saves and cheats and then starts.
func (s *Session) Start() error {
	s.mu.Lock()
	l, hostWins := s.cur, s.Settings.HostWins
	s.mu.Unlock()
	if l == nil {
		return errOffline
	}
	if l.h != nil && l.game != nil {
		if err := s.announce(l); err != nil { // the files may have changed since the join
			return err
		}
		if mm := mismatches(l.c.Check(), ""); len(mm) > 0 {
			if !hostWins {
				return mismatchError(mm)
			}
			s.print("host_wins: sending the host's saves and cheats to the players who differ")
			ctx, cancel := context.WithTimeout(context.Background(), syncWait)
			defer cancel()
			if err := s.syncPlayers(ctx, l, ""); err != nil {
				return err
			}
		}
	}
	return l.c.Start()
}

func mismatchError(mm []client.CheckRow) error {
	lines := make([]string, len(mm))
	for i, r := range mm {
		lines[i] = r.Mismatch.String()
		if r.NoROM {
			lines[i] = r.Member.Name + " " + noROMText
		}
	}
	return fmt.Errorf("%w: %s", session.ErrSaveMismatch, strings.Join(lines, "; "))
}

// mismatches returns the rows of players who differ from the host, only
// the one called name if name is set.
func mismatches(rows []client.CheckRow, name string) []client.CheckRow {
	var out []client.CheckRow
	for _, r := range rows {
		if r.Mismatch != nil && (name == "" || strings.EqualFold(r.Member.Name, name)) {
			out = append(out, r)
		}
	}
	return out
}

// Sync sends the host's save components and cheat set to the players who
// differ from it (or only to the one called name) and waits until they
// announce that they match.
func (s *Session) Sync(ctx context.Context, name string) error {
	l, err := s.hosting()
	if err != nil {
		return err
	}
	if l.game == nil {
		return errors.New("you host without a rom (the simulated game): there is nothing to send; set rom in your session file")
	}
	if name != "" && !hasPlayer(l.c.Check(), name) {
		return fmt.Errorf("no player called %s (/check lists them)", name)
	}
	ctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	return s.syncPlayers(ctx, l, name)
}

func hasPlayer(rows []client.CheckRow, name string) bool {
	for _, r := range rows {
		if !r.Member.Host && strings.EqualFold(r.Member.Name, name) {
			return true
		}
	}
	return false
}

// syncPlayers sends what differs to each player who differs and waits
// for their new manifests.
func (s *Session) syncPlayers(ctx context.Context, l *live, name string) error {
	l.syncing.Lock()
	defer l.syncing.Unlock()
	if err := s.announce(l); err != nil { // compare with the files as they are now
		return err
	}
	targets := mismatches(l.c.Check(), name)
	if len(targets) == 0 {
		s.print("every player has the host's ROM, saves and cheats")
		return nil
	}
	set, err := l.game.saves()
	if err != nil {
		return fmt.Errorf("read your save files: %w", err)
	}
	var unfixable []string
	for _, r := range targets {
		bad, err := s.syncOne(l, r, &set)
		if err != nil {
			return err
		}
		unfixable = append(unfixable, bad...)
	}
	if len(unfixable) > 0 {
		return fmt.Errorf("/sync cannot fix everything: %s", strings.Join(unfixable, "; "))
	}
	return s.waitMatch(ctx, l, name)
}

// syncOne sends one player the host's version of every item that differs.
// It returns what a sync cannot send (a ROM, an emulator).
func (s *Session) syncOne(l *live, r client.CheckRow, set *saves.Set) ([]string, error) {
	who := r.Member.Name
	switch {
	case r.Mismatch.Missing:
		return []string{who + " announced no ROM, saves or cheats: they need rom in their session file"}, nil
	case r.NoROM:
		return []string{who + " plays without a ROM (the simulated game): they need rom in their session file"}, nil
	case r.Mismatch.ROMDiffers():
		// Saves and cheats are a ROM's: the host's, written under the
		// player's other ROM, would replace that game's own.
		return []string{who + ": ROM differs from the host's; nothing sent: they must load the host's ROM first"}, nil
	}
	var unfixable []string
	for _, d := range r.Mismatch.Diffs {
		var kind session.SyncKind
		var data []byte
		k, isSave := d.Item.Kind()
		switch {
		case isSave:
			kind, data = session.SyncSave(k), set[k].Data
		case d.Item == saves.ItemCheats:
			var err error
			if data, err = l.game.cheatBytes(); err != nil {
				return nil, fmt.Errorf("encode your cheats: %w", err)
			}
			kind = session.SyncCheats
		default:
			unfixable = append(unfixable, fmt.Sprintf("%s: %v (load the same ROM file with the same emulator)", who, d))
			continue
		}
		s.print(fmt.Sprintf("sending %v to %s (%s)", kind, who, sizeText(data)))
		if err := l.c.SendSync(r.Member.ID, kind, data); err != nil {
			return nil, fmt.Errorf("send %v to %s: %w", kind, who, err)
		}
	}
	return unfixable, nil
}

func sizeText(b []byte) string {
	if b == nil {
		return "none: their copy is removed, kept as a backup"
	}
	return fmt.Sprintf("%d bytes", len(b))
}

// waitMatch waits until no player (or the one called name) differs from
// the host. The client learns of new manifests without telling anyone,
// so this looks every matchPoll.
func (s *Session) waitMatch(ctx context.Context, l *live, name string) error {
	tick := time.NewTicker(matchPoll)
	defer tick.Stop()
	for {
		mm := mismatches(l.c.Check(), name)
		if len(mm) == 0 {
			if !l.c.Status().Playing { // else autostart's "the game started" said it
				s.print("sync done: every player has the host's ROM, saves and cheats")
			}
			return nil
		}
		select {
		case <-tick.C:
		case <-l.c.Done():
			return session.ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("after the sync, still %w", mismatchError(mm))
		}
	}
}
