package room

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// outQueueLen bounds a member's TCP send queue. A member whose queue fills
// is dropped: dropping bytes would corrupt the stream.
const outQueueLen = 512

// writeTimeout bounds each TCP write to a member.
const writeTimeout = 5 * time.Second

// Member is one participant's connection on the host side, as Join
// returns it. Its fields are the room's.
type Member struct {
	// Immutable after join, except that a direct core's ports grow as it
	// registers players in the lobby, and ports are released when a
	// member's emulator stops (both under the room's lock).
	id        uint16
	name      string
	ports     session.PortMask
	spectator bool
	replay    bool // an emulator plays: watching a running game, it starts at poll 0
	isHost    bool
	key       [16]byte // its netpak's key (wire.Hello.PlayerKey): a rejoin must bring it again
	token     uint64
	conn      net.Conn
	from      netip.Addr   // where conn came from, kept while conn can still tell
	out       chan []byte  // frames for writeLoop; closed when it leaves; nil for a core
	core      *direct.Core // set for a direct mupen64plus core

	// Guarded by the room's lock.
	left      bool
	sock      *udpsock.Socket // socket its datagrams arrive on
	udpAddr   netip.AddrPort  // where its datagrams come from; zero until hello
	udpNet    *net.UDPAddr    // udpAddr for sendmmsg, made once per address
	acked     [session.NumPorts]uint32
	tcpSent   [session.NumPorts]uint32
	rtt       uint32 // microseconds, as the client measured it: median of the last few
	rttDev    uint32 // median deviation of rtt, microseconds
	rtts      lockstep.RTTSamples
	coreWants uint8 // core-data kinds it waits for
	manifest  *check.Manifest
	lent      session.PortMask    // ports its emulator released in this game; its again in the next
	caughtUp  uint32              // a rejoined player's progress, as last told to everyone
	waited    int64               // ns the others waited for its inputs in this game; see arrivedLocked
	pace      progress            // how far the host held its inputs at the last measurements; see samplePacesLocked
	coreNeeds lockstep.NeedWindow // a direct core's: what its reports alone asked of the lag (lockstep.EachCoreLag)
	ownNeeds  lockstep.NeedWindow // a direct core's: the lag its own presses' round trip allowed (lockstep.OwnLag)
	seatFloor uint8               // a direct core's: the least golf seat lag, after a seat that slowed the game
	emulator  *wire.Emulator      // whether its emulator can start the game, as it said; nil: it did not say
	cheats    *wire.CheatNames    // the names of its enabled cheats, as it said
	talk      talk                // chat and requests that reach everyone
	uploads   wire.Assembly       // player 1's data a bridge is uploading
	dgram     [wire.MaxDatagram]byte
	copy      *time.Timer // sends it its relays again; see copyLaterLocked
	copyDue   bool        // the copy timer runs

	udpSeen atomic.Int64 // unix nanos of the last valid datagram
}

// sendFrameLocked queues a frame for the member's writeLoop. It reports
// false if the queue was full; the caller then drops the member.
func (m *Member) sendFrameLocked(b []byte) bool {
	if m.left || m.core != nil {
		return true
	}
	select {
	case m.out <- b:
		return true
	default:
		return false
	}
}

// WriteLoop is the only writer of the member's TCP connection: its
// caller runs it in a goroutine of its own once the member joined. It
// returns, having closed the connection, once the member left.
func (m *Member) WriteLoop() {
	defer m.conn.Close()
	for b := range m.out {
		m.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := m.conn.Write(b); err != nil {
			// Keep draining so senders never block; the read side notices.
			for range m.out {
			}
			return
		}
	}
}

// ReadLoop reads the member's frames from r, its connection's reader,
// until it leaves, handing each to the session, and reports why it
// stopped; the caller then drops the member (Drop). Each frame must come
// within timeout.
func (r *Room) ReadLoop(m *Member, rd io.Reader, timeout time.Duration) session.LeaveReason {
	buf := make([]byte, wire.MaxFramePayload)
	for {
		m.conn.SetReadDeadline(time.Now().Add(timeout))
		typ, p, err := wire.ReadFrame(rd, buf)
		if err != nil {
			return leaveReasonOf(err)
		}
		if typ == wire.FrameBye {
			why, err := wire.ParseBye(p)
			if err != nil {
				r.logf("member %d (%s): %v", m.id, m.name, err)
				return session.LeaveError
			}
			return why
		}
		r.mu.Lock()
		err = r.handleFrameLocked(m, typ, p)
		r.mu.Unlock()
		if err != nil {
			r.logf("member %d (%s): %v", m.id, m.name, err)
			return session.LeaveError
		}
	}
}

func leaveReasonOf(err error) session.LeaveReason {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return session.LeaveTimeout
	case errors.Is(err, wire.ErrLong):
		return session.LeaveError
	case errors.Is(err, net.ErrClosed):
		return session.LeaveQuit // the host is closing
	}
	return session.LeaveLost // EOF without a goodbye, or a reset
}

// mayBindUDP reports whether m's datagrams may come from from: only from
// the address its connection came from. A hello moves where the host
// sends m's relays, and a member's token is its own to know, so from any
// other address a member could turn the host's relays on a stranger. A
// connection whose address is not known binds none: its inputs go over TCP.
func (m *Member) mayBindUDP(from netip.AddrPort) bool {
	return m.from.IsValid() && from.Addr().Unmap() == m.from.Unmap()
}
