package host

// streamCap is how many inputs of one port a stream retains. Lockstep keeps
// players within grantWindow plus the lag of each other, far below this; a
// receiver that falls further behind than streamCap is dropped.
const streamCap = 4096

// stream holds the inputs of one port, indexed by poll. Only a contiguous
// prefix is ever stored: inputs arrive in order from their author (via the
// host), and anything beyond a gap is resent later, so a stream needs no
// presence bitmap. The zero value is an empty stream starting at poll 0.
// A stream is not safe for concurrent use.
type stream struct {
	have uint32 // inputs [0, have) have arrived (the oldest may be evicted)
	ring [streamCap]Input
}

// at returns input i, which must satisfy have-streamCap <= i < have.
func (s *stream) at(i uint32) Input { return s.ring[i%streamCap] }

// holds reports whether input i has arrived and is still retained.
func (s *stream) holds(i uint32) bool {
	return i < s.have && s.have-i <= streamCap
}

// add stores input i if it is the next one, and reports whether it did.
// Duplicates and inputs beyond a gap are ignored.
func (s *stream) add(i uint32, in Input) bool {
	if i != s.have {
		return false
	}
	s.ring[i%streamCap] = in
	s.have++
	return true
}
