package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netpak/netpak/host/session"
)

// A player whose connection to the host breaks (a hiccup longer than the
// host's drop timeout, a network change, a frozen machine) joins again at
// once and by itself: in a running game the host kept its ports for its
// name, and it replays the game to catch up. Only leaving, a kick or a
// host that is gone for good ends the session.

// rejoinFor is how long a console keeps trying to rejoin; rejoinEvery,
// how long it waits between tries.
const (
	rejoinFor   = 30 * time.Second
	rejoinEvery = time.Second
)

// rejoinRun is a rejoin under way.
type rejoinRun struct {
	addr string             // the address it dials
	stop context.CancelFunc // ends it
	done chan struct{}      // closed once it has ended
}

// rejoin joins l's session again if l ended because the connection to its
// host broke. It gives up after rejoinFor, when nothing listens at the
// host's address any more, or when the player leaves.
func (s *Session) rejoin(l *live) {
	err := l.c.Err()
	if l.h != nil || l.target == "" || !errors.Is(err, session.ErrHostGone) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rejoinFor)
	defer cancel()
	s.mu.Lock()
	if s.cur != nil || s.rejoining != nil {
		s.mu.Unlock()
		return
	}
	rj := &rejoinRun{addr: l.addr, stop: cancel, done: make(chan struct{})}
	s.rejoining = rj
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.rejoining = nil
		s.mu.Unlock()
		close(rj.done)
	}()
	s.print(fmt.Sprintf("rejoining %s (for up to %v; /leave stops)", l.addr, rejoinFor))
	for {
		err = s.connect(ctx, l.target)
		switch {
		case err == nil:
			s.print("rejoined")
			return
		case refused(err):
			s.print(fmt.Sprintf("could not rejoin: nothing listens at %s any more; the host closed the session", l.addr))
			return
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				s.print(fmt.Sprintf("could not rejoin in %v: %v", rejoinFor, err))
			}
			return
		case <-time.After(rejoinEvery):
		}
	}
}
