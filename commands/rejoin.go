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

// watch ends l when its client does and, if the connection to the host
// broke, joins l's session again. The rejoin is under way before l ends,
// so a /leave at any moment from the break on stops it.
func (s *Session) watch(l *live) {
	<-l.c.Done()
	if f := s.afterBreak; f != nil {
		f()
	}
	ctx, rj := s.planRejoin(l)
	if !s.end(l) && rj != nil { // a /leave's end: the player left on purpose
		rj.stop()
	}
	if rj != nil {
		s.rejoin(ctx, l, rj)
	}
}

// planRejoin makes a rejoin of l's session the one under way, if l's
// connection to its host broke and l is still the console's session.
func (s *Session) planRejoin(l *live) (context.Context, *rejoinRun) {
	if l.h != nil || l.target == "" || !errors.Is(l.c.Err(), session.ErrHostGone) {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != l || s.rejoining != nil {
		return nil, nil
	}
	ctx, cancel := context.WithCancel(context.Background()) // rejoinFor runs once l has ended
	rj := &rejoinRun{addr: l.addr, stop: cancel, done: make(chan struct{})}
	s.rejoining = rj
	return ctx, rj
}

// rejoin runs rj, the rejoin of l's session, until it gets through, gives
// up after rejoinFor, finds nothing listening at the host's address any
// more, or the player leaves.
func (s *Session) rejoin(ctx context.Context, l *live, rj *rejoinRun) {
	defer func() {
		rj.stop()
		s.mu.Lock()
		s.rejoining = nil
		s.mu.Unlock()
		close(rj.done)
	}()
	if f := s.beforeRejoin; f != nil {
		f(ctx)
	}
	if ctx.Err() != nil {
		return // stopped before it began
	}
	ctx, cancel := context.WithTimeout(ctx, rejoinFor)
	defer cancel()
	s.print(fmt.Sprintf("rejoining %s (for up to %v; /leave stops)", l.addr, rejoinFor))
	var err error
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
