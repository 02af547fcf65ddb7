package host

import "fmt"

// schedEntry is the lag policy from poll From on. Every client applies the
// same entries at the same polls; the host picks From beyond every poll it
// has let anyone start (see grant), so no client has passed it yet.
type schedEntry struct {
	From  uint32
	Lag   uint8  // the session lag
	Golf  bool   // golf mode on
	Seat  uint16 // member holding the zero-lag golf seat; 0 = nobody
	Cause schedCause
	Actor uint16 // member whose action made this entry
}

// schedCause says why a schedule entry was made, for announcements.
type schedCause uint8

const (
	causeInitial  schedCause = iota // the session's settings at start or join
	causeLag                        // /lag
	causeGolfOn                     // /golf turned golf mode on
	causeGolfOff                    // /golf turned golf mode off
	causeGolfSeat                   // a golf-button press moved the seat
)

// lagOf returns the lag of member id's ports under e.
func (e schedEntry) lagOf(id uint16) uint8 {
	if e.Golf && e.Seat == id {
		return 0
	}
	return e.Lag
}

// maxSchedEntries bounds a schedule; the host refuses further changes until
// older entries are behind everyone.
const maxSchedEntries = 32

// schedule is the ordered list of lag policies of a session. The first entry
// starts at poll 0. The zero value holds no entry; call reset first.
type schedule struct {
	entries []schedEntry
}

func (s *schedule) reset(e schedEntry) {
	e.From = 0
	s.entries = append(s.entries[:0], e)
}

// at returns the entry in force at poll p.
func (s *schedule) at(p uint32) schedEntry {
	for i := len(s.entries) - 1; i > 0; i-- {
		if s.entries[i].From <= p {
			return s.entries[i]
		}
	}
	return s.entries[0]
}

// maxLag returns the largest lag of any entry.
func (s *schedule) maxLag() uint8 {
	var l uint8
	for _, e := range s.entries {
		l = max(l, e.Lag)
	}
	return l
}

// last returns the newest entry.
func (s *schedule) last() schedEntry { return s.entries[len(s.entries)-1] }

// add appends e, which must not start before the newest entry. An entry at
// the same poll as the newest replaces it.
func (s *schedule) add(e schedEntry) error {
	if len(s.entries) == 0 {
		return fmt.Errorf("schedule: no initial entry")
	}
	l := s.entries[len(s.entries)-1]
	switch {
	case e.From < l.From:
		return fmt.Errorf("schedule: entry at poll %d is before poll %d", e.From, l.From)
	case e.From == l.From:
		s.entries[len(s.entries)-1] = e
		return nil
	case len(s.entries) >= maxSchedEntries:
		return errScheduleFull
	}
	s.entries = append(s.entries, e)
	return nil
}

// prune drops entries superseded before poll p: no poll >= p needs them.
func (s *schedule) prune(p uint32) {
	i := 0
	for i+1 < len(s.entries) && s.entries[i+1].From <= p {
		i++
	}
	if i > 0 {
		s.entries = append(s.entries[:0], s.entries[i:]...)
	}
}
