package lobby

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpak/netpak/host/limit"
	"github.com/netpak/netpak/host/session"

	"github.com/coder/websocket"
	"github.com/netpak/netpak/host"
)

// The operator's controls: what a server console shows and does.

// RoomInfo describes a room for the operator.
type RoomInfo struct {
	Name, Game, MD5 string
	Port            int
	Protected       bool
	Running         bool
	Players         [4]string        // lobby players by controller port
	Members         []session.Member // the session's members: cores and netpak clients
	Stats           host.Stats
}

// Rooms returns every room, by game port.
func (s *Server) Rooms() []RoomInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RoomInfo
	for _, r := range s.sortedRoomsLocked() {
		out = append(out, RoomInfo{Name: r.name, Game: r.game, MD5: r.md5, Port: r.port,
			Protected: r.password != "", Running: r.running, Players: r.players(),
			Members: r.h.Members(), Stats: r.h.Stats()})
	}
	return out
}

// Errors of the operator's controls.
var (
	ErrNoRoom   = errors.New("no such room")
	ErrNoPlayer = errors.New("no such player")
	ErrTooMany  = errors.New("too many bans")
)

// Kick removes the player called name from the room on port: from its
// lobby (closing that player's lobby connection) and from its session
// (a core or netpak member of that name: a core is called by its player's
// lobby name once the game began).
func (s *Server) Kick(port int, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[port]
	if r == nil {
		return fmt.Errorf("kick from port %d: %w", port, ErrNoRoom)
	}
	found := false
	for i, st := range r.seats {
		if st != nil && strings.EqualFold(st.name, name) {
			found = true
			s.unseatLocked(r, i)
			s.kickCoreLocked(r, i)
		}
	}
	if _, err := r.h.Kick(name); err == nil {
		found = true
	}
	if !found {
		return fmt.Errorf("kick %q from room %q: %w", name, r.name, ErrNoPlayer)
	}
	s.logf("room %q: the operator kicked %s", r.name, name)
	r.promoteLocked()
	s.sendPlayersLocked(r)
	s.reapLaterLocked(r)
	return nil
}

// unseatLocked empties seat i of r and closes its lobby connection.
func (s *Server) unseatLocked(r *room, i int) {
	if sk := r.seats[i].sk; sk != nil {
		sk.room = nil
		sk.close(websocket.StatusPolicyViolation, "the server's operator removed you")
	}
	r.seats[i] = nil
}

// kickCoreLocked removes the session member playing controller port i,
// the core of the lobby player who sat there.
func (s *Server) kickCoreLocked(r *room, i int) {
	for _, m := range r.h.Members() {
		if m.Core && m.Ports.Has(i) {
			r.h.Kick(m.Name)
		}
	}
}

// maxBans bounds the ban list.
const maxBans = 1024

// Ban refuses lobby connections from addr's source (its IPv4 address or
// IPv6 /64) from now on, closes those open, and takes their players out
// of every room; game connections from it are then refused too (see
// Config.AnyGameIP). A core already playing stays until /kick.
func (s *Server) Ban(addr netip.Addr) error {
	src := limit.Source(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bans) >= maxBans && !s.bans[src] {
		return fmt.Errorf("ban %v: %w (%d)", addr, ErrTooMany, maxBans)
	}
	s.bans[src] = true
	for sk := range s.sockets {
		if sk.src == src {
			sk.close(websocket.StatusPolicyViolation, "the server's operator banned your address")
		}
	}
	for _, r := range s.rooms {
		for i, st := range r.seats {
			if st != nil && limit.Source(st.from) == src {
				s.unseatLocked(r, i)
			}
		}
		r.promoteLocked()
		s.sendPlayersLocked(r)
		s.reapLaterLocked(r)
	}
	s.logf("banned %v", src)
	return nil
}

// Unban lifts the ban of addr's source.
func (s *Server) Unban(addr netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bans, limit.Source(addr))
}

// banned reports whether src is banned.
func (s *Server) banned(src netip.Prefix) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bans[src]
}
