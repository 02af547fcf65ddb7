package lobby

import (
	"net/netip"
	"testing"
)

func TestConnLimiter(t *testing.T) {
	l := newConnLimiter(3, 2)
	a, b := netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.2/32")
	for i, want := range []bool{true, true, false} {
		if got := l.acquire(a); got != want {
			t.Fatalf("connection %d of a source: %v, want %v (per-source limit 2)", i+1, got, want)
		}
	}
	for i, want := range []bool{true, false} {
		if got := l.acquire(b); got != want {
			t.Fatalf("connection %d of another source: %v, want %v (total limit 3)", i+1, got, want)
		}
	}
	l.release(a)
	if !l.acquire(b) {
		t.Fatal("a released place was not freed")
	}
	if open, refused := l.counts(); open != 3 || refused != 2 {
		t.Fatalf("open %d, refused %d", open, refused)
	}
}
