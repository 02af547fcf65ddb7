package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netpak/netpak/host/session"
)

// errHostSpectate refuses /spectate in a session this console hosts:
// leaving it would close it for everyone.
var errHostSpectate = errors.New("you host this session: leaving it would close it for everyone, so you cannot watch it as a spectator")

// Rejoining right after leaving can meet the host before it has let go of
// the name: rejoinTries attempts, rejoinWait apart.
const (
	rejoinTries = 5
	rejoinWait  = 200 * time.Millisecond
)

func (Spectate) run(ctx context.Context, c *Console) error {
	st := c.Ctl.State()
	switch {
	case st.Phase == Offline:
		return errOffline
	case st.Hosting:
		return errHostSpectate
	case selfSpectates(st):
		return errors.New("you already watch this session as a spectator")
	case c.target == "":
		return errors.New("netpak does not know how you joined this session: /leave, then /connect again")
	}
	if err := c.Ctl.Spectate(ctx, c.target); err != nil {
		return err
	}
	c.UI.PrintErr("you now watch the session as a spectator; /leave, then /connect to play again")
	return nil
}

// selfSpectates reports whether st's own member is a spectator.
func selfSpectates(st State) bool {
	for _, m := range st.Members {
		if m.ID == st.Self && st.Self != 0 {
			return m.Spectator
		}
	}
	return false
}

// Spectate leaves the session s joined and joins target again as a
// spectator. The settings keep their ports and spectator key for the next
// /connect.
func (s *Session) Spectate(ctx context.Context, target string) error {
	s.mu.Lock()
	l := s.cur
	s.mu.Unlock()
	switch {
	case l == nil:
		return errOffline
	case l.h != nil:
		return errHostSpectate
	}
	l.c.LeavesToWatch()
	s.Leave()
	s.mu.Lock()
	spectator, ports := s.Settings.Spectator, s.Settings.Ports
	s.Settings.Spectator, s.Settings.Ports = true, nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.Settings.Spectator, s.Settings.Ports = spectator, ports
		s.mu.Unlock()
	}()
	var err error
	for range rejoinTries {
		if err = s.Connect(ctx, target); !errors.Is(err, session.ErrRejected) {
			break
		}
		select {
		case <-time.After(rejoinWait):
		case <-ctx.Done():
			return fmt.Errorf("left the session, but did not join it again as a spectator: %w", ctx.Err())
		}
	}
	if err != nil {
		return fmt.Errorf("left the session, but did not join it again as a spectator: %w", err)
	}
	return nil
}
