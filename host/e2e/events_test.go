package e2e

import (
	"context"
	"sync"
	"time"

	"github.com/netpak/netpak/host/session"
)

// stamped is a host event and when it happened.
type stamped struct {
	session.Event
	At time.Time
}

// eventLog keeps the host's events for the test to wait on.
type eventLog struct {
	mu     sync.Mutex
	events []stamped
	notify chan struct{} // closed and replaced on every event
}

func newEventLog() *eventLog { return &eventLog{notify: make(chan struct{})} }

// add is the host's OnEvent: it runs under the session lock, so it only
// appends and wakes waiters.
func (l *eventLog) add(e session.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, stamped{e, time.Now()})
	close(l.notify)
	l.notify = make(chan struct{})
}

// find returns the first event that matches.
func (l *eventLog) find(match func(session.Event) bool) (stamped, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if match(e.Event) {
			return e, true, nil
		}
	}
	return stamped{}, false, l.notify
}

// wait waits for the first event that matches, until ctx ends.
func (l *eventLog) wait(ctx context.Context, match func(session.Event) bool) (stamped, error) {
	for {
		e, ok, more := l.find(match)
		if ok {
			return e, nil
		}
		select {
		case <-more:
		case <-ctx.Done():
			return stamped{}, ctx.Err()
		}
	}
}

// all returns every event of a kind.
func (l *eventLog) all(kind session.EventKind) []stamped {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []stamped
	for _, e := range l.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func isKind(kind session.EventKind) func(session.Event) bool {
	return func(e session.Event) bool { return e.Kind == kind }
}
