package vpn

import (
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/tun"
)

// quietTUN wraps wireguard-go's user-space TUN. Closing that TUN closes the
// channel on which gVisor hands it outgoing packets, while gVisor may still
// be handing one over from another goroutine: it notifies outside its own
// lock. The race detector reports that, and in the worst case it panics
// ("send on closed channel"). So Close first waits, briefly, until the
// stack has sent nothing for quietFor: the last FIN and ACK of the
// connections just closed are through. Each Read publishes its time with an
// atomic store, which also orders every packet already read before the
// close.
type quietTUN struct {
	tun.Device
	lastRead atomic.Int64 // unix nanos of the last Read
}

const (
	quietFor = 20 * time.Millisecond
	quietMax = 250 * time.Millisecond // a busy stack is closed anyway
)

func (q *quietTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	n, err := q.Device.Read(bufs, sizes, offset)
	q.lastRead.Store(time.Now().UnixNano())
	return n, err
}

func (q *quietTUN) Close() error {
	deadline := time.Now().Add(quietMax)
	for {
		idle := time.Since(time.Unix(0, q.lastRead.Load()))
		if idle >= quietFor || time.Now().After(deadline) {
			break
		}
		time.Sleep(quietFor - idle) // until the stack could count as quiet
	}
	return q.Device.Close()
}
