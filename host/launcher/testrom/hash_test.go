package testrom

import (
	"encoding/binary"
	"testing"
)

// fnvWords is FNV-1a over 32-bit words written out longhand, as a second
// opinion on Fold.
func fnvWords(words ...uint32) uint32 {
	h := uint32(2166136261)
	for _, w := range words {
		h ^= w
		h *= 16777619
	}
	return h
}

func TestHash(t *testing.T) {
	absent := []uint32{0xFF018401, 0xFFFFFFFF}
	tests := []struct {
		name  string
		polls []Poll
		want  uint32
	}{
		{"no polls", nil, 2166136261},
		{"all absent", []Poll{{}}, fnvWords(append(append(append(absent, absent...), absent...), absent...)...)},
		{"pad 1 present, zero keys", []Poll{{{Present: true}}},
			fnvWords(append([]uint32{0xFF010401, 0}, append(append(absent, absent...), absent...)...)...)},
		{"pad 4 present, keys", []Poll{{{}, {}, {}, {Present: true, Keys: 0x12345678}}},
			fnvWords(append(append(append(absent, absent...), absent...), 0xFF010401, PadWord(0x12345678))...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hash(tt.polls); got != tt.want {
				t.Errorf("Hash = %#08x, want %#08x", got, tt.want)
			}
		})
	}
}

// TestHashGolden pins the value the real core produced in the launcher's
// solo test (dummy input: pad 1 present with no buttons), for 300 polls.
func TestHashGolden(t *testing.T) {
	if got, want := Hash(Repeat(Poll{{Present: true}}, 300)), uint32(0x301d7dc5); got != want {
		t.Errorf("Hash = %#08x, want %#08x", got, want)
	}
}

func TestHashOrderMatters(t *testing.T) {
	a := []Poll{{{Present: true, Keys: 1}}, {{Present: true, Keys: 2}}}
	b := []Poll{{{Present: true, Keys: 2}}, {{Present: true, Keys: 1}}}
	if Hash(a) == Hash(b) {
		t.Error("swapping two polls does not change the hash")
	}
}

func TestPadWord(t *testing.T) {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], 1)
	want := uint32(0x01000000) // little-endian host: bswap32
	if b[0] == 0 {
		want = 1 // big-endian host: unchanged
	}
	if got := PadWord(1); got != want {
		t.Errorf("PadWord(1) = %#08x, want %#08x", got, want)
	}
}

// BenchmarkHash3000 is the prediction for one long lockstep run.
func BenchmarkHash3000(b *testing.B) {
	polls := Repeat(Poll{{Present: true, Keys: 0x80000000}, {Present: true}}, 3000)
	for b.Loop() {
		Hash(polls)
	}
}
