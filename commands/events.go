package commands

import (
	"sync"

	"github.com/netpak/netpak/host/session"
)

// Bounds of an eventQueue. Chat and notices beyond eventQueueLen waiting
// are dropped and counted; the events that change what a session is
// (joins, leaves, the start and end of a game, a lost host, desyncs, lag
// changes) are kept up to maxQueuedEvents, which only a terminal that
// stopped reading for a very long time can reach: the host bounds how fast
// anyone can join, leave or change the lag.
const (
	eventQueueLen   = 256
	maxQueuedEvents = 1 << 16
)

// eventQueue carries events out of a callback that must not block (the
// host calls it with its session lock held) to the goroutine that prints
// them. Its methods are safe for concurrent use.
type eventQueue struct {
	mu      sync.Mutex
	events  []session.Event
	chatter int // queued events that may be dropped
	dropped int
	closed  bool
	ready   chan struct{} // holds a token while events wait or after close
}

func newEventQueue() *eventQueue { return &eventQueue{ready: make(chan struct{}, 1)} }

// vital reports whether e must reach the user even when a flood fills
// the queue.
func vital(e session.Event) bool {
	switch e.Kind {
	case session.EventChat, session.EventNotice, session.EventTransport, session.EventSync:
		return false
	}
	return true
}

// push queues e without blocking; a full queue drops chatter only.
func (q *eventQueue) push(e session.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return
	case len(q.events) >= maxQueuedEvents, !vital(e) && q.chatter >= eventQueueLen:
		q.dropped++
		return
	}
	if !vital(e) {
		q.chatter++
	}
	q.events = append(q.events, e)
	q.signal()
}

// close ends the queue: take returns what waits, then reports it closed.
func (q *eventQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take returns every waiting event and how many were dropped since the
// last take, and reports whether the queue is closed and empty. Call it
// when ready yields.
func (q *eventQueue) take() (evs []session.Event, dropped int, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs, q.events, q.chatter = q.events, nil, 0
	dropped, q.dropped = q.dropped, 0
	if len(evs) > 0 && q.closed {
		q.signal() // come back for the close
	}
	return evs, dropped, q.closed && len(evs) == 0
}
