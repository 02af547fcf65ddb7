package lockstep

import (
	"errors"
	"fmt"
)

// ErrScheduleFull refuses a change while MaxSchedEntries are in flight.
var ErrScheduleFull = errors.New("too many lag changes in flight; try again in a moment")

// SchedEntry is the lag policy from poll From on. Every client applies the
// same entries at the same polls; the host picks From beyond every poll it
// has let anyone start (see grant), so no client has passed it yet.
type SchedEntry struct {
	From uint32
	Lag  uint8  // the session lag
	Golf bool   // golf mode on
	Seat uint16 // member holding the golf seat; 0 = nobody
	// SeatLag is the lag of the golf seat's ports, at most Lag: 0 for a
	// netpak player, whose bridge hands its emulator its presses at once;
	// for a direct core, whose presses come back from the host, the least
	// lag that round trip allows (the room's seatLagLocked).
	SeatLag uint8
	Cause   SchedCause
	Actor   uint16 // member whose action made this entry
}

// SchedCause says why a schedule entry was made, for announcements.
type SchedCause uint8

const (
	CauseInitial  SchedCause = iota // the session's settings at start or join
	CauseLag                        // /lag
	CauseGolfOn                     // /golf turned golf mode on
	CauseGolfOff                    // /golf turned golf mode off
	CauseGolfSeat                   // a golf-button press moved the seat
	CauseAutoLag                    // autolag followed the network; Actor is the furthest player
	MaxCause      = CauseAutoLag
)

// LagOf returns the lag of member id's ports under e.
func (e SchedEntry) LagOf(id uint16) uint8 {
	if e.Golf && e.Seat == id {
		return min(e.SeatLag, e.Lag)
	}
	return e.Lag
}

// MaxSchedEntries bounds a schedule; the host refuses further changes until
// older entries are behind everyone.
const MaxSchedEntries = 32

// Schedule is the ordered list of lag policies of a session. The first entry
// starts at poll 0. The zero value holds no entry; call reset first.
type Schedule struct {
	Entries []SchedEntry
}

func (s *Schedule) Reset(e SchedEntry) {
	e.From = 0
	s.Entries = append(s.Entries[:0], e)
}

// At returns the entry in force At poll p.
func (s *Schedule) At(p uint32) SchedEntry {
	for i := len(s.Entries) - 1; i > 0; i-- {
		if s.Entries[i].From <= p {
			return s.Entries[i]
		}
	}
	return s.Entries[0]
}

// MaxLag returns the largest lag of any entry.
func (s *Schedule) MaxLag() uint8 {
	var l uint8
	for _, e := range s.Entries {
		l = max(l, e.Lag)
	}
	return l
}

// Last returns the newest entry.
func (s *Schedule) Last() SchedEntry { return s.Entries[len(s.Entries)-1] }

// Add appends e, which must not start before the newest entry. An entry at
// the same poll as the newest replaces it.
func (s *Schedule) Add(e SchedEntry) error {
	if len(s.Entries) == 0 {
		return fmt.Errorf("schedule: no initial entry")
	}
	l := s.Entries[len(s.Entries)-1]
	switch {
	case e.From < l.From:
		return fmt.Errorf("schedule: entry at poll %d is before poll %d", e.From, l.From)
	case e.From == l.From:
		s.Entries[len(s.Entries)-1] = e
		return nil
	case len(s.Entries) >= MaxSchedEntries:
		return ErrScheduleFull
	}
	s.Entries = append(s.Entries, e)
	return nil
}

// Prune drops entries superseded before poll p: no poll >= p needs them.
func (s *Schedule) Prune(p uint32) {
	i := 0
	for i+1 < len(s.Entries) && s.Entries[i+1].From <= p {
		i++
	}
	if i > 0 {
		s.Entries = append(s.Entries[:0], s.Entries[i:]...)
	}
}
