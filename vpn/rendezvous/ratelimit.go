package rendezvous

import (
	"net/netip"
	"time"
)

// bucket is a token bucket: rate tokens a second, up to burst. The zero
// value is empty; callers fill it on creation.
type bucket struct {
	tokens float64
	last   time.Time
}

// take reports whether one token (of size n) was available, and takes it.
func (b *bucket) take(now time.Time, rate, burst, n float64) bool {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

// limiter keeps one bucket per source address, in a bounded table. When
// the table is full, buckets idle long enough to have refilled are
// dropped; if none are, new sources are refused until some are, so a
// flood from many spoofed addresses costs a fixed amount of memory.
type limiter struct {
	rate, burst float64
	max         int
	buckets     map[netip.Addr]*bucket
	nextEvict   time.Time // a full table is not scanned again before this
}

func newLimiter(rate, burst float64, max int) *limiter {
	return &limiter{rate: rate, burst: burst, max: max, buckets: map[netip.Addr]*bucket{}}
}

// allow reports whether a datagram from a may be handled now.
func (l *limiter) allow(a netip.Addr, now time.Time) bool {
	b, ok := l.buckets[a]
	if !ok {
		if len(l.buckets) >= l.max && !now.Before(l.nextEvict) {
			l.evict(now)
			l.nextEvict = now.Add(time.Second) // one scan a second at most
		}
		if len(l.buckets) >= l.max {
			return false
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[a] = b
	}
	return b.take(now, l.rate, l.burst, 1)
}

func (l *limiter) evict(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for a, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, a)
		}
	}
}
