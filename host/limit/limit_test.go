package limit_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/host/limit"
)

func TestSource(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.7", "192.0.2.7/32"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	} {
		if got := limit.Source(netip.MustParseAddr(tc.a)); got != netip.MustParsePrefix(tc.b) {
			t.Errorf("limit.Source(%s) = %v, want %s", tc.a, got, tc.b)
		}
	}
}

// A full table forgets full buckets, and refuses new sources when none
// is full: it fails closed rather than grow.
func TestBucketsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	b := limit.NewBuckets(1, 2)
	src := func(i int) netip.Prefix {
		return limit.Source(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	for i := range limit.MaxSources {
		if !b.Allow(src(i), now) {
			t.Fatalf("source %d refused", i)
		}
	}
	if b.Allow(src(limit.MaxSources), now) {
		t.Fatal("a new source was tracked beyond the bound")
	}
	if !b.Allow(src(limit.MaxSources), now.Add(10*time.Second)) {
		t.Fatal("full buckets were not forgotten")
	}
	if b.Len() > limit.MaxSources {
		t.Fatalf("%d sources tracked", b.Len())
	}
}

// A bucket holds burst tokens, refills at rate, and Peek takes none.
func TestBucket(t *testing.T) {
	var b limit.Bucket
	now := time.Unix(1000, 0)
	for i := range 3 {
		if !b.Allow(now, 2, 3) {
			t.Fatalf("token %d of a burst of 3 refused", i+1)
		}
	}
	if b.Peek(now, 2, 3) || b.Allow(now, 2, 3) {
		t.Fatal("a fourth token at once")
	}
	if !b.Peek(now.Add(500*time.Millisecond), 2, 3) || !b.Allow(now.Add(500*time.Millisecond), 2, 3) {
		t.Fatal("no token half a second later at 2 a second")
	}
	if b.Full(now.Add(time.Second), 2, 3) || !b.Full(now.Add(2*time.Second), 2, 3) {
		t.Fatal("Full is wrong")
	}
}

func TestPerSource(t *testing.T) {
	l := limit.NewPerSource(2)
	a, b := netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.2/32")
	t1, _ := l.Acquire(a)
	t2, _ := l.Acquire(a)
	if t1 == nil || t2 == nil {
		t.Fatal("the first two slots of a source were refused")
	}
	if t3, refused := l.Acquire(a); t3 != nil || refused != 1 {
		t.Fatalf("a third slot: %v, %d refused; want refused", t3, refused)
	}
	tb, _ := l.Acquire(b)
	if tb == nil {
		t.Fatal("another source was refused")
	}
	t1.Release()
	t1.Release() // a second release counts nothing
	t4, _ := l.Acquire(a)
	if t4 == nil {
		t.Fatal("no room after a slot was released")
	}
	if t5, _ := l.Acquire(a); t5 != nil {
		t.Fatal("a second release freed a second slot")
	}
	t2.Release()
	t4.Release()
	tb.Release()
	if n := l.Len(); n != 0 {
		t.Errorf("%d sources still counted after every slot was released", n)
	}
}
