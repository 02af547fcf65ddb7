package room

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// Join adds a netpak client that said hello on c (and announced mf, if
// not nil) to the session, or says why it may not join.
func (r *Room) Join(c net.Conn, hl wire.Hello, mf *check.Manifest) (*Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ports, err := r.admitLocked(hl)
	if err == nil && r.state == stateEnded {
		err = session.ErrEnded
	}
	if err != nil {
		return nil, err
	}
	m := &Member{
		name: hl.Name, ports: ports, spectator: hl.Spectator || ports == 0, replay: hl.Replay, key: hl.PlayerKey,
		isHost: hl.OwnerKey == r.cfg.OwnerKey, conn: c, from: udpsock.AddrPortOf(c.RemoteAddr()).Addr(), out: make(chan []byte, outQueueLen), manifest: mf,
	}
	r.joinLocked(m)
	return m, nil
}

// Drop removes m from the session for why.
func (r *Room) Drop(m *Member, why session.LeaveReason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropLocked(m, why)
}

// Members returns the session's members.
func (r *Room) Members() []session.Member {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rosterLocked()
}

// ErrNoMember is returned by Kick for a name nobody in the session has.
var ErrNoMember = errors.New("no such member")

// Kick removes the member called name (case-insensitively) from the
// session and returns the address its connection came from, so that a
// tunnel can forget that peer too.
func (r *Room) Kick(name string) (netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.memberNamedLocked(name)
	if m == nil {
		return netip.Addr{}, fmt.Errorf("kick %q: %w", name, ErrNoMember)
	}
	// Tell the member itself first; its writeLoop sends what is queued,
	// then hangs up.
	r.sendLocked(m, wire.FrameLeft, wire.AppendLeft(nil, wire.LeftMsg{ID: m.id, Reason: session.LeaveKicked, Ports: m.ports}))
	r.dropLocked(m, session.LeaveKicked) // a core's connection ends with its member
	return m.from, nil
}

// memberNamedLocked is the member called name, case aside, or nil.
func (r *Room) memberNamedLocked(name string) *Member {
	for _, m := range r.members {
		if strings.EqualFold(m.name, name) {
			return m
		}
	}
	return nil
}

// Start starts the game as the host itself (a headless host or autostart).
func (r *Room) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.startLocked(nil)
}

// SetLag sets the lag for the player called by, as a /lag N does: on the
// same poll everywhere, announced, turning autolag off. A lobby room's
// creator sets it so, from a client that has no session to send it in;
// until its core joins, the host is named as the one who set it.
func (r *Room) SetLag(lag uint8, by string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseLag, 0
	if m := r.memberNamedLocked(by); m != nil {
		e.Actor = m.id
	}
	return r.setLagLocked(e)
}

// Tick does the session's housekeeping, twice a second: it drops direct
// cores that went silent, follows the network with the lag, and (every
// fourth tick, as i counts) sends the roster with fresh pings.
func (r *Room) Tick(i int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cores.DropSilent(r.nowNanos(), r.cfg.DropTimeout)
	r.samplePacesLocked()
	r.autoLagLocked()
	if i%rosterEvery == 0 && len(r.members) > 0 {
		r.broadcastRosterLocked()
	}
}

// rosterEvery is how many ticks pass between rosters sent unasked.
const rosterEvery = 4

// Cores returns the session's direct cores, which serve their connections
// and datagrams.
func (r *Room) Cores() *direct.Cores { return &r.cores }

// Close ends the session: every member's writer hangs up, and nobody may
// join any more.
func (r *Room) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closeAllLocked()
}
