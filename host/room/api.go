package room

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// Join adds a netpak client that said hello on c (and announced mf, if
// not nil) to the session, or says why it may not join.
func (s *Room) Join(c net.Conn, hl wire.Hello, mf *check.Manifest) (*Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ports, err := s.admitLocked(hl)
	if err == nil && s.state == stateEnded {
		err = session.ErrEnded
	}
	if err != nil {
		return nil, err
	}
	m := &Member{
		name: hl.Name, ports: ports, spectator: hl.Spectator || ports == 0,
		isHost: hl.OwnerKey == s.cfg.OwnerKey, conn: c, from: udpsock.AddrPortOf(c.RemoteAddr()).Addr(), out: make(chan []byte, outQueueLen), manifest: mf,
	}
	s.joinLocked(m)
	return m, nil
}

// Drop removes m from the session for why.
func (s *Room) Drop(m *Member, why session.LeaveReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(m, why)
}

// Members returns the session's members.
func (s *Room) Members() []session.Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rosterLocked()
}

// ErrNoMember is returned by Kick for a name nobody in the session has.
var ErrNoMember = errors.New("no such member")

// Kick removes the member called name (case-insensitively) from the
// session and returns the address its connection came from, so that a
// tunnel can forget that peer too.
func (s *Room) Kick(name string) (netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.members {
		if strings.EqualFold(m.name, name) {
			addr := m.from
			// Tell the member itself first; its writeLoop sends what is
			// queued, then hangs up.
			s.sendLocked(m, wire.FrameLeft, wire.AppendLeft(nil, wire.LeftMsg{ID: m.id, Reason: session.LeaveKicked, Ports: m.ports}))
			s.dropLocked(m, session.LeaveKicked)
			if m.core != nil {
				m.conn.Close()
			}
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("kick %q: %w", name, ErrNoMember)
}

// Start starts the game as the host itself (a headless host or autostart).
func (s *Room) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startLocked(nil)
}

// Tick does the session's housekeeping, twice a second: it drops direct
// cores that went silent, follows the network with the lag, and (every
// fourth tick, as i counts) sends the roster with fresh pings.
func (s *Room) Tick(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cores.DropSilent(nowNanos(), s.cfg.DropTimeout)
	s.autoLagLocked()
	if i%rosterEvery == 0 && len(s.members) > 0 {
		s.broadcastRosterLocked()
	}
}

// rosterEvery is how many ticks pass between rosters sent unasked.
const rosterEvery = 4

// Cores returns the session's direct cores, which serve their connections
// and datagrams.
func (s *Room) Cores() *direct.Cores { return &s.cores }

// Close ends the session: every member's writer hangs up, and nobody may
// join any more.
func (s *Room) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAllLocked()
}
