package commands

import (
	"testing"

	"github.com/netpak/netpak/host/session"
)

// A chat flood fills the queue with chatter only: the leave and the end of
// the game behind it still come out, in order.
func TestEventQueueKeepsVitalEvents(t *testing.T) {
	q := newEventQueue()
	for range 100000 {
		q.push(session.Event{Kind: session.EventChat, Who: "spam", Text: "x"})
	}
	q.push(session.Event{Kind: session.EventLeft, Who: "Bob"})
	q.push(session.Event{Kind: session.EventEnded})
	q.close()
	<-q.ready
	evs, dropped, done := q.take()
	if done || len(evs) != eventQueueLen+2 || dropped != 100000-eventQueueLen {
		t.Fatalf("took %d events, %d dropped, done %v", len(evs), dropped, done)
	}
	if evs[len(evs)-2].Kind != session.EventLeft || evs[len(evs)-1].Kind != session.EventEnded {
		t.Errorf("last events %v, %v; want the leave, then the end", evs[len(evs)-2], evs[len(evs)-1])
	}
	<-q.ready
	if evs, _, done := q.take(); !done || len(evs) != 0 {
		t.Errorf("after the close: %d events, done %v", len(evs), done)
	}
}
