package limit

import (
	"net/netip"
	"sync"
	"time"
)

// Source is what per-address limits count by: a's IPv4 address, or its
// IPv6 /64.
func Source(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// Bucket is a token bucket: rate tokens a second, at most burst. The zero
// value is full the first time it is used. It is not safe for concurrent
// use.
type Bucket struct {
	tokens  float64
	last    time.Time
	started bool
}

// Allow takes a token at now if there is one.
func (b *Bucket) Allow(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Peek reports whether a token is there at now, without taking it.
func (b *Bucket) Peek(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	return b.tokens >= 1
}

// Full reports whether the bucket is full at now: its source is quiet.
func (b *Bucket) Full(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	return b.tokens >= burst
}

func (b *Bucket) refill(now time.Time, rate, burst float64) {
	if !b.started {
		b.tokens, b.last, b.started = burst, now, true
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(burst, b.tokens+dt*rate)
		b.last = now
	}
}

// MaxSources bounds the sources a Buckets table remembers.
const MaxSources = 4096

// Buckets is a bounded table of buckets per source. Full buckets are
// forgotten when the table fills; if it is still full, a new source is
// refused: the table fails closed rather than grow. Its methods are safe
// for concurrent use.
type Buckets struct {
	rate, burst float64

	mu sync.Mutex
	m  map[netip.Prefix]*Bucket
}

// NewBuckets makes a table of buckets of perSecond tokens, at most burst.
func NewBuckets(perSecond, burst float64) *Buckets {
	return &Buckets{rate: perSecond, burst: burst, m: make(map[netip.Prefix]*Bucket)}
}

// Allow takes a token of src's bucket at now.
func (t *Buckets) Allow(src netip.Prefix, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.m[src]
	if b == nil {
		if len(t.m) >= MaxSources {
			t.pruneLocked(now)
		}
		if len(t.m) >= MaxSources {
			return false
		}
		b = new(Bucket)
		t.m[src] = b
	}
	return b.Allow(now, t.rate, t.burst)
}

// Peek reports whether src has a token at now, without taking it.
func (t *Buckets) Peek(src netip.Prefix, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.m[src]
	if b == nil {
		return len(t.m) < MaxSources
	}
	return b.Peek(now, t.rate, t.burst)
}

// Len is how many sources the table remembers.
func (t *Buckets) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *Buckets) pruneLocked(now time.Time) {
	for k, b := range t.m {
		if b.Full(now, t.rate, t.burst) {
			delete(t.m, k)
		}
	}
}
