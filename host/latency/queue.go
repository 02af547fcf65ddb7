package latency

import (
	"container/heap"
	"net"
	"os"
	"sync"
	"time"
)

// item is one datagram or stream chunk on its way.
type item struct {
	at   time.Time // release time
	seq  uint64    // order of arrival, to break ties
	b    []byte
	addr net.Addr
}

// itemHeap orders items by release time, then arrival: a stream's release
// times never decrease, so for a stream it is a FIFO.
type itemHeap []item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(item)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = item{}
	*h = old[:len(old)-1]
	return it
}

// queue holds one direction's data until its release time. One side puts,
// the other takes; the user's side (Read, or a blocking stream Write)
// waits with the queue's deadline, the link's goroutines without.
type queue struct {
	// Immutable after newQueue.
	stream bool
	limit  int // datagrams, or stream bytes

	mu       sync.Mutex
	items    itemHeap
	size     int       // datagrams, or stream bytes, waiting
	last     time.Time // a stream's newest release time
	seq      uint64
	deadline time.Time     // the user's read or write deadline
	end      error         // set: no more puts; takes drain, then return end
	endAt    time.Time     // a stream's end is seen no earlier than this
	aborted  bool          // everything returns net.ErrClosed at once
	changed  chan struct{} // closed and replaced whenever the fields change
}

func newQueue(stream bool, limit int) *queue {
	return &queue{stream: stream, limit: limit, changed: make(chan struct{})}
}

func (q *queue) broadcastLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// waitLocked releases q.mu until the queue changes or until passes (never,
// if zero), then takes it again. With user set it also stops at the
// queue's deadline, and returns os.ErrDeadlineExceeded once it passed.
func (q *queue) waitLocked(until time.Time, user bool) error {
	if user && !q.deadline.IsZero() {
		if !time.Now().Before(q.deadline) {
			return os.ErrDeadlineExceeded
		}
		if until.IsZero() || q.deadline.Before(until) {
			until = q.deadline
		}
	}
	ch := q.changed
	q.mu.Unlock()
	defer q.mu.Lock()
	if until.IsZero() {
		<-ch
		return nil
	}
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
	return nil
}

// putLocked queues a copy of b to leave after wait. The caller checked
// that it fits.
func (q *queue) putLocked(b []byte, addr net.Addr, wait time.Duration) {
	at := time.Now().Add(wait)
	if q.stream {
		if at.Before(q.last) {
			at = q.last
		}
		q.last = at
		q.size += len(b)
	} else {
		q.size++
	}
	q.seq++
	heap.Push(&q.items, item{at: at, seq: q.seq, b: append([]byte(nil), b...), addr: addr})
	q.broadcastLocked()
}

// putDatagram queues a datagram, or reports false if the queue is full.
func (q *queue) putDatagram(b []byte, addr net.Addr, wait time.Duration) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.closedLocked(); err != nil {
		return false, err
	}
	if q.size >= q.limit {
		return false, nil
	}
	q.putLocked(b, addr, wait)
	return true, nil
}

// write queues all of b on a stream, waiting for room within the user's
// deadline. Each piece that fits draws its own wait.
func (q *queue) write(b []byte, wait func() time.Duration) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for len(b) > 0 {
		if err := q.closedLocked(); err != nil {
			return n, err
		}
		room := q.limit - q.size
		if room <= 0 {
			if err := q.waitLocked(time.Time{}, true); err != nil {
				return n, err
			}
			continue
		}
		k := min(room, len(b))
		q.putLocked(b[:k], nil, wait())
		n += k
		b = b[k:]
	}
	return n, nil
}

// waitRoom waits until a stream has room and returns how much.
func (q *queue) waitRoom() (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if err := q.closedLocked(); err != nil {
			return 0, err
		}
		if room := q.limit - q.size; room > 0 {
			return room, nil
		}
		q.waitLocked(time.Time{}, false)
	}
}

// put queues b on a stream that has room (see waitRoom).
func (q *queue) put(b []byte, wait time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closedLocked() == nil {
		q.putLocked(b, nil, wait)
	}
}

func (q *queue) closedLocked() error {
	if q.aborted {
		return net.ErrClosed
	}
	return q.end
}

// dueLocked waits until the first item is due and reports it, or returns
// why there will be none: the end once drained, net.ErrClosed, or the
// user's deadline.
func (q *queue) dueLocked(user bool) (*item, error) {
	for {
		if q.aborted {
			return nil, net.ErrClosed
		}
		var until time.Time
		now := time.Now()
		switch {
		case len(q.items) > 0:
			if !q.items[0].at.After(now) {
				return &q.items[0], nil
			}
			until = q.items[0].at
		case q.end != nil:
			if !q.endAt.After(now) {
				return nil, q.end
			}
			until = q.endAt
		}
		if err := q.waitLocked(until, user); err != nil {
			return nil, err
		}
	}
}

// next waits for the first item due and removes it.
func (q *queue) next() (item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, err := q.dueLocked(false); err != nil {
		return item{}, err
	}
	it := heap.Pop(&q.items).(item)
	q.dropLocked(len(it.b))
	return it, nil
}

// read waits, within the user's deadline, for the first item due and
// copies it into b: a whole datagram (cut to fit, as a socket does), or as
// much of a stream chunk as fits (the rest stays first in line).
func (q *queue) read(b []byte) (int, net.Addr, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.dueLocked(true)
	if err != nil {
		return 0, nil, err
	}
	n := copy(b, it.b)
	addr := it.addr
	if q.stream && n < len(it.b) {
		it.b = it.b[n:]
		q.dropLocked(n)
		return n, addr, nil
	}
	heap.Pop(&q.items)
	q.dropLocked(n)
	return n, addr, nil
}

// dropLocked accounts for n bytes (one datagram) leaving the queue.
func (q *queue) dropLocked(n int) {
	if q.stream {
		q.size -= n
	} else {
		q.size--
	}
	q.broadcastLocked()
}

// finish says no more data comes after what waits: takes drain it, then
// return err, no earlier than wait from now (a stream's end travels
// behind its data). It returns when the last item is due.
func (q *queue) finish(err error, wait time.Duration) time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.end == nil && !q.aborted {
		q.end = err
		q.endAt = time.Now().Add(wait)
		if q.stream && q.endAt.Before(q.last) {
			q.endAt = q.last
		}
		q.broadcastLocked()
	}
	last := q.endAt
	for _, it := range q.items {
		if it.at.After(last) {
			last = it.at
		}
	}
	return last
}

// abort makes everything return net.ErrClosed at once.
func (q *queue) abort() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.aborted = true
	q.broadcastLocked()
}

func (q *queue) setDeadline(t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deadline = t
	q.broadcastLocked()
}
