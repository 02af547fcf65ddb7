package lockstep

// StreamCap is how many inputs of one port a stream retains. Lockstep keeps
// players within grantWindow plus the lag of each other, far below this; a
// receiver that falls further behind than StreamCap is dropped.
const StreamCap = 4096

// Stream holds the inputs of one port, indexed by poll. Only a contiguous
// prefix is ever stored: inputs arrive in order from their author (via the
// host), and anything beyond a gap is resent later, so a Stream needs no
// presence bitmap. The zero value is an empty Stream starting at poll 0.
// A Stream is not safe for concurrent use.
type Stream struct {
	Have uint32 // inputs [0, have) have arrived (the oldest may be evicted)
	ring [StreamCap]Input
}

// At returns input i, which must satisfy have-streamCap <= i < have.
func (s *Stream) At(i uint32) Input { return s.ring[i%StreamCap] }

// Holds reports whether input i has arrived and is still retained.
func (s *Stream) Holds(i uint32) bool {
	return i < s.Have && s.Have-i <= StreamCap
}

// Add stores input i if it is the next one, and reports whether it did.
// Duplicates and inputs beyond a gap are ignored.
func (s *Stream) Add(i uint32, in Input) bool {
	if i != s.Have {
		return false
	}
	s.ring[i%StreamCap] = in
	s.Have++
	return true
}

// Replace overwrites input i if the stream holds it, and reports whether it
// did. Nothing in netpak rewrites history: tests use it to make a copy of
// a stream differ, as a bug or a bad path could.
func (s *Stream) Replace(i uint32, in Input) bool {
	if !s.Holds(i) {
		return false
	}
	s.ring[i%StreamCap] = in
	return true
}
