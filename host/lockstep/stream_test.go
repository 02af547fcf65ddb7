package lockstep

import "testing"

// A stream keeps every input from poll 0 until it holds History of them,
// then forgets the oldest block by block.
func TestStreamHistory(t *testing.T) {
	var s Stream
	for i := range uint32(History + 2*blockLen + 7) {
		if !s.Add(i, Input{Keys: i}) {
			t.Fatalf("Add(%d) refused", i)
		}
	}
	if s.Holds(0) || s.Holds(s.Oldest()-1) {
		t.Errorf("still holds polls below %d", s.Oldest())
	}
	if n := s.Have - s.Oldest(); n > History || n < History-blockLen {
		t.Errorf("retains %d inputs, want History less at most a block", n)
	}
	for _, i := range []uint32{s.Oldest(), s.Oldest() + blockLen - 1, s.Have - 1} {
		if !s.Holds(i) || s.At(i).Keys != i {
			t.Errorf("input %d: holds %v, keys %d", i, s.Holds(i), s.At(i).Keys)
		}
	}
	if len(s.blocks) > History/blockLen {
		t.Errorf("%d blocks allocated, want at most %d", len(s.blocks), History/blockLen)
	}
}

// Only the next input is taken; a stream that starts late holds nothing
// below its start.
func TestStreamOrderAndSkip(t *testing.T) {
	var s Stream
	s.Skip(5000)
	if s.Holds(4999) || s.Oldest() != 5000 {
		t.Fatalf("after Skip(5000): holds 4999 %v, oldest %d", s.Holds(4999), s.Oldest())
	}
	if s.Add(5001, Input{}) || s.Add(4999, Input{}) {
		t.Error("took an input that is not the next one")
	}
	if !s.Add(5000, Input{Keys: 7}) || !s.Holds(5000) || s.At(5000).Keys != 7 {
		t.Error("did not take the next input")
	}
	if s.Holds(4500) {
		t.Error("holds a poll below its start that shares the start's block")
	}
	s.Skip(9000)
	if s.Have != 5001 {
		t.Errorf("Skip moved a stream that holds inputs to %d", s.Have)
	}
	if !s.Replace(5000, Input{Keys: 8}) || s.At(5000).Keys != 8 || s.Replace(5001, Input{}) {
		t.Error("Replace must change held inputs only")
	}
}

// Adding an input allocates only when a block fills.
func BenchmarkStreamAdd(b *testing.B) {
	var s Stream
	b.ReportAllocs()
	for i := range b.N {
		s.Add(uint32(i), Input{Keys: uint32(i)})
	}
}
