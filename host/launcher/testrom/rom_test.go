package testrom

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
)

func mustBuild(t *testing.T, polls int) []byte {
	t.Helper()
	rom, err := Build(polls)
	if err != nil {
		t.Fatal(err)
	}
	return rom
}

// TestBuildDeterministic pins the image: the same N gives the same bytes,
// today and after any refactoring that is not meant to change the ROM.
func TestBuildDeterministic(t *testing.T) {
	tests := []struct {
		opts   Options
		sha256 string
	}{
		{Options{Polls: 300}, "89eed3484275596271d7ca5bbc9a6226ff1e0568314e5e3e7d55d4922700e03d"},
		{Options{Polls: 3000}, "a1159e3a2730723f1c91716beea60602d58847d3685dcc05a67c9c1501e6f4fe"},
		{Options{Polls: 300, GfxTasks: true}, "d0652480a0975fd95c52d3ca078241f6cff4f51235f2dc88527ee5154c4f25fb"},
	}
	for _, tt := range tests {
		a, errA := BuildWith(tt.opts)
		b, errB := BuildWith(tt.opts)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("BuildWith(%+v) differs between calls (%v, %v)", tt.opts, errA, errB)
		}
		sum := sha256.Sum256(a)
		if got := hex.EncodeToString(sum[:]); got != tt.sha256 {
			t.Errorf("BuildWith(%+v) sha256 = %s, want %s", tt.opts, got, tt.sha256)
		}
	}
}

func TestBuildLayout(t *testing.T) {
	rom := mustBuild(t, 300)
	be := binary.BigEndian
	if len(rom) != Size {
		t.Fatalf("size %d, want %d", len(rom), Size)
	}
	checks := []struct {
		name string
		got  uint32
		want uint32
	}{
		{"magic", be.Uint32(rom[0:]), 0x80371240},
		{"entry", be.Uint32(rom[8:]), 0x80000400},
		{"crc1", be.Uint32(rom[0x10:]), 0x12345678},
		{"first boot instruction is lui t0,0xA460", be.Uint32(rom[0x40:]), 0x3C08A460},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#08x, want %#08x", c.name, c.got, c.want)
		}
	}
	if name := string(rom[0x20:0x34]); name != "NETPAK TESTROM      " {
		t.Errorf("name %q", name)
	}
	if !bytes.Equal(rom[0x2000:], make([]byte, Size-0x2000)) {
		t.Error("bytes after stage 2 are not zero")
	}
}

// TestBuildPollsOnlyChangeN checks that N is the only thing that differs
// between two ROMs: the two-instruction load of N in stage 2.
func TestBuildPollsOnlyChangeN(t *testing.T) {
	a, b := mustBuild(t, 0x10001), mustBuild(t, 0x23456)
	var diff []int
	for i := range a {
		if a[i] != b[i] {
			diff = append(diff, i)
		}
	}
	if len(diff) == 0 || diff[0] < stage2ROM || diff[len(diff)-1]-diff[0] >= 8 {
		t.Errorf("differing bytes at %v, want only N's load in stage 2", diff)
	}
}

func TestBuildRejectsPolls(t *testing.T) {
	for _, polls := range []int{0, -1, MaxPolls + 1} {
		if _, err := Build(polls); !errors.Is(err, ErrPolls) {
			t.Errorf("Build(%d) = %v, want ErrPolls", polls, err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(3000); err != nil {
			b.Fatal(err)
		}
	}
}
