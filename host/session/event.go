package session

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/netpak/netpak/host/lockstep"
)

// EventKind classifies an Event.
type EventKind uint8

const (
	EventJoined    EventKind = iota + 1 // Who joined, on Ports
	EventLeft                           // Who left for Reason; Ports read empty from Poll
	EventChat                           // Who said Text
	EventLag                            // Who set the lag to Lag from Poll
	EventGolf                           // Who turned golf mode On or off from Poll
	EventGolfSeat                       // Who took the golf seat (lag Lag: 0, or a direct core's own need) from Poll
	EventStarted                        // the game started at Poll
	EventDesync                         // Who's inputs differed in polls [Poll, Poll+Count); Count 0: Who's emulator state at VI Poll
	EventNotice                         // a message from the host: Text
	EventHostGone                       // the host went away: Err
	EventEnded                          // the game ended (Who stopped it, or every player left); the session is back in the lobby
	EventTransport                      // the path to the host changed: Text
	EventSync                           // a /sync transfer from Who: Text
	EventRenamed                        // Who is called Text from now on
)

// Event is something that happened in a session, for printing in a console.
type Event struct {
	Kind   EventKind
	Who    string
	Text   string
	Poll   uint32
	Count  uint32
	Lag    uint8
	On     bool
	Ports  PortMask
	Reason LeaveReason
	Err    error
	// Addr is where a member who left the session connected from (host
	// events only; zero when it stays, as when its emulator stopped), so
	// that a tunnel can free that peer's place.
	Addr netip.Addr
}

// String returns the line a console prints for e.
func (e Event) String() string {
	switch e.Kind {
	case EventJoined:
		switch {
		case e.Ports == 0:
			return fmt.Sprintf("%s joined as a spectator", e.Who)
		case e.Text == rejoinedText:
			return fmt.Sprintf("%s rejoined on port %s at poll %s: catching up by replaying the game; port %s plays no input until then", e.Who, e.Ports, Thousands(e.Poll), e.Ports)
		}
		return fmt.Sprintf("%s joined on port %s", e.Who, e.Ports)
	case EventLeft:
		if e.Ports == 0 || e.Poll == 0 {
			return fmt.Sprintf("%s left (%s)", e.Who, e.Reason)
		}
		return fmt.Sprintf("%s left (%s); port %s reads empty from poll %s", e.Who, e.Reason, e.Ports, Thousands(e.Poll))
	case EventChat:
		return fmt.Sprintf("<%s> %s", e.Who, e.Text)
	case EventLag:
		switch {
		case e.Text == autoLagText && e.Who == "":
			return fmt.Sprintf("autolag: lag %d%s", e.Lag, fromPoll(e.Poll)) // a notice says why
		case e.Text == autoLagText:
			return fmt.Sprintf("autolag: lag %d%s, the least that holds full speed (furthest from the others: %s)", e.Lag, fromPoll(e.Poll), e.Who)
		}
		return fmt.Sprintf("%s set the lag to %d%s", e.Who, e.Lag, fromPoll(e.Poll))
	case EventGolf:
		return fmt.Sprintf("%s turned golf mode %s%s", e.Who, onOff(e.On), fromPoll(e.Poll))
	case EventGolfSeat:
		return fmt.Sprintf("%s takes the golf seat: lag %d%s", e.Who, e.Lag, fromPoll(e.Poll))
	case EventStarted:
		switch e.Text {
		case CatchUpText:
			return "you rejoined the running game: replaying it from poll 0 to catch up; your port plays no input until then"
		case ReplayText:
			return "you watch the running game: your emulator replays it from poll 0 to catch up"
		}
		return fmt.Sprintf("the game started at poll %d", e.Poll)
	case EventDesync:
		if e.Count == 0 {
			return fmt.Sprintf("desync at VI %d: %s's emulator state differs from the others'", e.Poll, e.Who)
		}
		return fmt.Sprintf("desync: %s's inputs differ from the host's in polls %d-%d", e.Who, e.Poll, e.Poll+e.Count-1)
	case EventNotice:
		return e.Text
	case EventHostGone:
		if errors.Is(e.Err, ErrHostGone) {
			return e.Err.Error() // "lost the host: why"
		}
		return fmt.Sprintf("lost the host: %v", e.Err)
	case EventEnded:
		if e.Who != "" {
			return fmt.Sprintf("%s stopped the game; back in the lobby: /start plays the next one", e.Who)
		}
		return "the game is over: every player has left it; back in the lobby: /start plays the next one"
	case EventTransport, EventSync:
		return e.Text
	case EventRenamed:
		return fmt.Sprintf("%s is now called %s", e.Who, e.Text)
	}
	return fmt.Sprintf("event %d", e.Kind)
}

// autoLagText marks an EventLag that autolag made; Who is then the player
// furthest from the others, or "" when the game's pace raised the lag.
const autoLagText = "autolag"

func fromPoll(p uint32) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf(" from poll %d", p)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// SchedEvent is the event that tells consoles of a schedule entry: a lag
// or golf change made by actor.
func SchedEvent(e lockstep.SchedEntry, actor string) Event {
	switch e.Cause {
	case lockstep.CauseLag:
		return Event{Kind: EventLag, Who: actor, Lag: e.Lag, Poll: e.From}
	case lockstep.CauseGolfOn, lockstep.CauseGolfOff:
		return Event{Kind: EventGolf, Who: actor, On: e.Golf, Poll: e.From}
	case lockstep.CauseGolfSeat:
		return Event{Kind: EventGolfSeat, Who: actor, Lag: e.LagOf(e.Seat), Poll: e.From}
	case lockstep.CauseAutoLag:
		if e.Actor == 0 {
			actor = "" // the game's pace, not a player's path, called for it
		}
		return Event{Kind: EventLag, Who: actor, Lag: e.Lag, Poll: e.From, Text: autoLagText}
	}
	return Event{Kind: EventNotice, Text: fmt.Sprintf("lag %d, golf %s", e.Lag, onOff(e.Golf))}
}

// rejoinedText marks the EventJoined of a player who rejoined a game.
const rejoinedText = "rejoined"

// CatchUpText marks the EventStarted of a client that rejoined a running
// game and replays it; ReplayText, of a spectator whose emulator does.
const (
	CatchUpText = "catch-up"
	ReplayText  = "replay"
)

// Rejoined is the event of a player who rejoined a running game on ports,
// which hold input again from poll at.
func Rejoined(who string, ports PortMask, at uint32) Event {
	return Event{Kind: EventJoined, Who: who, Ports: ports, Poll: at, Text: rejoinedText}
}
