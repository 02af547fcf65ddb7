package lobby

import (
	"net/netip"
	"testing"
	"time"
)

func TestSourceOf(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.7", "192.0.2.7/32"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	} {
		if got := sourceOf(netip.MustParseAddr(tc.a)); got != netip.MustParsePrefix(tc.b) {
			t.Errorf("sourceOf(%s) = %v, want %s", tc.a, got, tc.b)
		}
	}
}

// A full table forgets full buckets, and refuses new sources when none
// is full: it fails closed rather than grow.
func TestAddrBucketsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newAddrBuckets(1, 2)
	src := func(i int) netip.Prefix {
		return sourceOf(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	for i := range maxTracked {
		if !b.allow(src(i), now) {
			t.Fatalf("source %d refused", i)
		}
	}
	if b.allow(src(maxTracked), now) {
		t.Fatal("a new source was tracked beyond the bound")
	}
	if !b.allow(src(maxTracked), now.Add(10*time.Second)) {
		t.Fatal("full buckets were not forgotten")
	}
	if len(b.m) > maxTracked {
		t.Fatalf("%d sources tracked", len(b.m))
	}
}

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
