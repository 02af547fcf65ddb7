package host

import (
	"errors"
	"net"
	"time"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// udpLoop reads one socket's datagrams until it closes.
func (h *Host) udpLoop(sock *udpsock.Socket) {
	buf := make([]byte, wire.MaxDatagram+1)
	var bt wire.Batch
	for {
		n, from, err := sock.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-h.closing:
				return
			default:
				continue // e.g. ICMP port unreachable surfacing on Linux
			}
		}
		var t0 time.Time
		if h.relayObserver != nil {
			t0 = time.Now()
		}
		if session.IsNetpakDatagram(buf[:n]) {
			h.room.HandleDatagram(sock, buf[:n], from, &bt)
		} else {
			h.room.Cores().HandleDatagram(sock, buf[:n], from)
		}
		if h.relayObserver != nil {
			h.relayObserver(time.Since(t0))
		}
	}
}
