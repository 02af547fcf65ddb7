package lockstep

// History is how many of its newest inputs a stream retains: about four
// hours and fifty minutes at 60 polls a second. A player who rejoins
// replays the game from poll 0 on them, so a game longer than History
// can no longer be rejoined; it plays on.
const History = 1 << 20

// blockLen is how many inputs a stream allocates at a time: memory grows
// with the game (40 KiB a port a minute), never ahead of it.
const blockLen = 4096

// Stream holds the inputs of one port, indexed by poll. Only a contiguous
// prefix is ever stored: inputs arrive in order from their author (via the
// host), and anything beyond a gap is resent later, so a Stream needs no
// presence bitmap. The zero value is an empty Stream starting at poll 0.
// A Stream is not safe for concurrent use.
type Stream struct {
	Have uint32 // inputs [0, Have) have arrived (the oldest may be evicted)

	first  uint32             // the oldest input retained
	blocks []*[blockLen]Input // blocks[0] holds polls from base
	base   uint32             // first poll of blocks[0]; a multiple of blockLen
}

// At returns input i, which the stream must hold.
func (s *Stream) At(i uint32) Input {
	return s.blocks[(i-s.base)/blockLen][i%blockLen]
}

// Holds reports whether input i has arrived and is still retained.
func (s *Stream) Holds(i uint32) bool {
	return i < s.Have && i >= s.first
}

// Oldest is the oldest input the stream retains (Have when it holds none).
func (s *Stream) Oldest() uint32 { return s.first }

// Add stores input i if it is the next one, and reports whether it did.
// Duplicates and inputs beyond a gap are ignored.
func (s *Stream) Add(i uint32, in Input) bool {
	if i != s.Have {
		return false
	}
	if len(s.blocks) == 0 {
		s.base, s.first = i-i%blockLen, i
	}
	b := (i - s.base) / blockLen
	if int(b) == len(s.blocks) {
		s.blocks = append(s.blocks, new([blockLen]Input))
		if len(s.blocks) > History/blockLen {
			s.blocks[0] = nil
			s.blocks = s.blocks[1:]
			s.base += blockLen
			s.first = max(s.first, s.base)
			b--
		}
	}
	s.blocks[b][i%blockLen] = in
	s.Have++
	return true
}

// Skip makes the stream start at poll i, with nothing held below it: a
// client that joins a running game holds nothing older. It does nothing
// to a stream that already holds inputs.
func (s *Stream) Skip(i uint32) {
	if len(s.blocks) == 0 && i > s.Have {
		s.Have, s.first = i, i
	}
}

// Replace overwrites input i if the stream holds it, and reports whether it
// did. Nothing in netpak rewrites history: tests use it to make a copy of
// a stream differ, as a bug or a bad path could.
func (s *Stream) Replace(i uint32, in Input) bool {
	if !s.Holds(i) {
		return false
	}
	s.blocks[(i-s.base)/blockLen][i%blockLen] = in
	return true
}
