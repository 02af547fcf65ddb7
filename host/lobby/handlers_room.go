package lobby

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/session"
)

func (s *Server) handleCreateLocked(sk *socket, req *lobbymsg.Request) {
	code, msg := s.checkCreateLocked(sk, req)
	if code != lobbymsg.Accepted {
		s.refuseLocked(sk, req, code, msg)
		return
	}
	busy := make(map[int]bool, len(s.rooms))
	for p := range s.rooms {
		busy[p] = true
	}
	r, err := s.openRoom(sk, req, busy)
	if err != nil {
		s.logf("create room %q: %v", req.Room.RoomName, err)
		s.refuseLocked(sk, req, lobbymsg.Other, "the server could not open a game port; try again later")
		return
	}
	s.stats.RoomsCreated++
	s.rooms[r.port] = r
	r.seats[0] = &seat{name: req.PlayerName, sk: sk, from: sk.from}
	sk.room, sk.seat, sk.authed = r, 0, true
	locked := ""
	if r.password != "" {
		locked = ", with a password"
	}
	s.logf("room %q (port %d) created by %s from %v: %s [%s]%s", r.name, r.port, req.PlayerName, sk.from, r.game, r.md5, locked)
	v := r.view()
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), PlayerName: req.PlayerName, Room: &v})
}

// unplayable names the emulators whose game netpak's sessions cannot
// serve yet, and why: a room they created could never start. None now:
// gopher64 up to 1.1.22, which asks for the registration before player 1
// uploads its data, is served since host/coreserve's ExtBackend.
var unplayable = map[string]string{}

// checkCreateLocked says why req may not create a room, or Accepted.
func (s *Server) checkCreateLocked(sk *socket, req *lobbymsg.Request) (lobbymsg.Accept, string) {
	if code, msg := s.checkClient(req); code != lobbymsg.Accepted {
		return code, msg
	}
	rm := req.Room
	switch {
	case unplayable[req.Emulator] != "":
		return lobbymsg.BadEmulator, unplayable[req.Emulator]
	case s.cfg.CreateKey != "" && !samePassword(sk.path, "/"+s.cfg.CreateKey):
		return lobbymsg.BadAuth, "only players with this server's room key may create rooms: ask its operator for the server entry with the key"
	case rm == nil:
		return lobbymsg.Other, "the request names no room"
	case strings.TrimSpace(rm.RoomName) == "":
		return lobbymsg.BadRoomName, "the room needs a name"
	case strings.TrimSpace(req.PlayerName) == "":
		return lobbymsg.BadName, "you need a nickname"
	case rm.MD5 == "":
		return lobbymsg.Other, "the request names no ROM (MD5)"
	case sk.room != nil:
		return lobbymsg.Other, fmt.Sprintf("you are already in the room %q", sk.room.name)
	case s.roomNamedLocked(rm.RoomName) != nil:
		return lobbymsg.DuplicateName, fmt.Sprintf("a room called %q exists: pick another name", rm.RoomName)
	case len(s.rooms) >= s.cfg.MaxRooms:
		return lobbymsg.Other, fmt.Sprintf("the server is full (%d rooms): try again later", s.cfg.MaxRooms)
	case s.roomsFromLocked(sk) >= s.cfg.MaxRoomsPerSource:
		return lobbymsg.Other, fmt.Sprintf("your address has %d rooms open already", s.cfg.MaxRoomsPerSource)
	case !s.creates.Allow(sk.src, s.cfg.Now()):
		return lobbymsg.Other, "your address creates rooms too fast: wait a few seconds"
	}
	return lobbymsg.Accepted, ""
}

func (s *Server) roomNamedLocked(name string) *room {
	for _, r := range s.rooms {
		if strings.EqualFold(r.name, name) {
			return r
		}
	}
	return nil
}

func (s *Server) roomsFromLocked(sk *socket) int {
	n := 0
	for _, r := range s.rooms {
		if r.creator == sk.src {
			n++
		}
	}
	return n
}

func (s *Server) sortedRoomsLocked() []*room {
	rs := slices.Collect(maps.Values(s.rooms))
	slices.SortFunc(rs, func(a, b *room) int { return cmp.Compare(a.port, b.port) })
	return rs
}

func (s *Server) handleJoinLocked(sk *socket, req *lobbymsg.Request) {
	r, code, msg := s.checkJoinLocked(sk, req)
	if code != lobbymsg.Accepted {
		s.refuseLocked(sk, req, code, msg)
		return
	}
	i := r.freeSeatLocked()
	r.seats[i] = &seat{name: req.PlayerName, sk: sk, from: sk.from, netpak: req.Emulator == lobbymsg.EmulatorNetpak}
	sk.room, sk.seat = r, i
	s.logf("room %q: %s joined from %v as player %d", r.name, req.PlayerName, sk.from, i+1)
	v := r.view()
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), PlayerName: req.PlayerName, Room: &v})
	s.sendPlayersLocked(r)
}

// checkJoinLocked finds the room req joins and says why it may not, in
// the order the simple64 servers check.
func (s *Server) checkJoinLocked(sk *socket, req *lobbymsg.Request) (*room, lobbymsg.Accept, string) {
	if code, msg := s.checkClient(req); code != lobbymsg.Accepted {
		return nil, code, msg
	}
	if req.Room == nil {
		return nil, lobbymsg.Other, "the request names no room"
	}
	if sk.room != nil {
		return nil, lobbymsg.Other, fmt.Sprintf("you are already in the room %q", sk.room.name)
	}
	r := s.rooms[req.Room.Port]
	if r == nil || !sameClients(req, r) {
		return nil, lobbymsg.RoomDeleted, "the room is gone: refresh the list"
	}
	if code, msg := s.checkPasswordLocked(sk, r, req.Room.Password); code != lobbymsg.Accepted {
		return nil, code, msg
	}
	netpak := req.Emulator == lobbymsg.EmulatorNetpak // its session checks its ROM itself
	switch {
	case !netpak && req.ClientSHA != r.clientSHA:
		return nil, lobbymsg.MismatchVersion, fmt.Sprintf("client versions do not match: yours is %q, the room's %q", req.ClientSHA, r.clientSHA)
	case !lobbymsg.SameMD5(req.Room.MD5, r.md5) && !(netpak && req.Room.MD5 == ""):
		return nil, lobbymsg.MismatchVersion, fmt.Sprintf("your ROM (MD5 %s) does not match the room's (%s)", req.Room.MD5, r.md5)
	case r.freeSeatLocked() < 0:
		return nil, lobbymsg.RoomFull, "the room is full (4 players)"
	case r.running:
		return nil, lobbymsg.BadGameState, "the game has already begun"
	case strings.TrimSpace(req.PlayerName) == "":
		return nil, lobbymsg.BadName, "you need a nickname"
	}
	for _, st := range r.seats {
		if st != nil && strings.EqualFold(st.name, req.PlayerName) {
			return nil, lobbymsg.DuplicateName, fmt.Sprintf("%q is taken in this room: pick another nickname", req.PlayerName)
		}
	}
	return r, lobbymsg.Accepted, ""
}

// checkPasswordLocked checks a join's password. Wrong passwords are
// counted per source; beyond the budget every attempt from that source
// is refused unheard for a while, so guessing costs the guesser.
func (s *Server) checkPasswordLocked(sk *socket, r *room, pw string) (lobbymsg.Accept, string) {
	if r.password == "" {
		return lobbymsg.Accepted, ""
	}
	now := s.cfg.Now()
	if !s.wrongPWs.Peek(sk.src, now) {
		return lobbymsg.BadPassword, "too many wrong passwords from your address: wait a minute"
	}
	if samePassword(pw, r.password) {
		return lobbymsg.Accepted, ""
	}
	s.wrongPWs.Allow(sk.src, now)
	s.stats.WrongPasswds++
	if s.stats.WrongPasswds&(s.stats.WrongPasswds-1) == 0 { // 1, 2, 4, …: the log stays short
		s.logf("room %q: wrong password from %v (%d so far on the server)", r.name, sk.from, s.stats.WrongPasswds)
	}
	return lobbymsg.BadPassword, "wrong password"
}

func (s *Server) handleEditLocked(sk *socket, req *lobbymsg.Request) {
	r := s.roomOfLocked(sk, req)
	switch {
	case r == nil:
		return
	case sk.seat != 0:
		s.refuseLocked(sk, req, lobbymsg.BadPlayer, "only the room's creator can edit it")
		return
	case r.running:
		s.refuseLocked(sk, req, lobbymsg.BadGameState, "the game has already begun")
		return
	case req.Room == nil || req.Room.RoomName != r.name:
		s.refuseLocked(sk, req, lobbymsg.BadRoomName, "the room's name cannot change")
		return
	}
	if req.Room.MD5 != "" {
		r.md5 = req.Room.MD5
	}
	if req.Room.GameName != "" {
		r.game = req.Room.GameName
	}
	r.features = maps.Clone(req.Room.Features)
	v := r.view()
	s.broadcastLocked(r, lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Room: &v})
}

// handleBufferLocked makes the buffer Mupen-MPN's room creator chose the
// room's lag: it is input delay in frames, which a lag is. As a player's
// /lag N, it lands on the same poll for everyone, before or during the
// game, and turns autolag off. Only the creator, whose dialog alone shows
// the buffer, may. Mupen-MPN has no reply to this message: the room's
// chat tells everyone, or the sender why not.
func (s *Server) handleBufferLocked(sk *socket, req *lobbymsg.Request) {
	r := sk.room
	switch {
	case r == nil:
		s.tellLocked(sk, "you are in no room")
		return
	case sk.seat != 0:
		s.tellLocked(sk, "only the room's creator sets the buffer")
		return
	case req.BufferSize == 0: // Mupen-MPN's is 1 or more: 0 is one left out
		s.tellLocked(sk, "the buffer is missing: the lag stays")
		return
	}
	if err := r.h.SetLag(uint8(req.BufferSize), r.seats[0].name); err != nil {
		s.tellLocked(sk, fmt.Sprintf("the buffer stays: %v", err))
		return
	}
	s.broadcastLocked(r, lobbymsg.Reply{Type: lobbymsg.ReplyType(lobbymsg.TypeChat),
		Message: fmt.Sprintf("%s set the buffer to %d: everyone's input delay (lag) is %d frames", r.seats[0].name, req.BufferSize, req.BufferSize)})
}

// tellLocked refuses a request that has no reply of its own with a line
// in the sender's room chat.
func (s *Server) tellLocked(sk *socket, text string) {
	s.stats.Refused++
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(lobbymsg.TypeChat), Message: "server: " + text})
}

func (s *Server) handleBeginLocked(sk *socket, req *lobbymsg.Request) {
	r := s.roomOfLocked(sk, req)
	switch {
	case r == nil:
		return
	case sk.seat != 0:
		s.refuseLocked(sk, req, lobbymsg.BadPlayer, "only the room's creator can begin the game")
		return
	case r.running:
		s.refuseLocked(sk, req, lobbymsg.BadGameState, "the game has already begun")
		return
	}
	r.running, r.beginAt = true, s.cfg.Now()
	n := r.count()
	// The session calls each player's core by the player's lobby name.
	var names [session.NumPorts]string
	for i, st := range r.seats {
		if st != nil && !st.netpak {
			names[i] = st.name
		}
	}
	r.h.NameCores(names)
	// The players' cores connect after this reply; the session starts
	// the moment all n hold their ports and player 1's data is in.
	r.h.SetAutoStart(n)
	r.beginTimer = time.AfterFunc(s.cfg.BeginTimeout, func() { s.beginDeadline(r) })
	s.logf("room %q: %s began the game with %d players: %s", r.name, r.seats[0].name, n, strings.Join(r.nameList(), ", "))
	v := r.view()
	s.broadcastLocked(r, lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Room: &v})
}

// beginDeadline runs BeginTimeout after a begin: if some players' cores
// never came, the game starts with those that did; if none came, the
// room returns to the lobby.
func (s *Server) beginDeadline(r *room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.port] != r || !r.running || r.beginTimer == nil {
		return
	}
	r.beginTimer = nil
	players := 0
	for _, m := range r.h.Members() {
		if m.Ports != 0 {
			players++
		}
	}
	switch {
	case players == 0:
		r.running = false
		r.h.SetAutoStart(0)
		s.logf("room %q: no core connected within %v of the begin", r.name, s.cfg.BeginTimeout)
		s.broadcastLocked(r, lobbymsg.Reply{Type: lobbymsg.ReplyType(lobbymsg.TypeChat),
			Message: fmt.Sprintf("server: no emulator connected within %v; begin again", s.cfg.BeginTimeout)})
		for i, st := range r.seats {
			if st != nil && st.sk == nil {
				r.seats[i] = nil
			}
		}
		r.promoteLocked()
	case players < r.count():
		s.logf("room %q: %d of %d cores connected within %v: the game starts with them", r.name, players, r.count(), s.cfg.BeginTimeout)
		r.h.SetAutoStart(players)
	}
	s.reapLaterLocked(r)
}

// freeSeatLocked returns the first seat that is free in the lobby and
// whose controller port no session member holds (a netpak console holds
// its port from its join on), or -1.
func (r *room) freeSeatLocked() int {
	var held uint8
	for _, m := range r.h.Members() {
		held |= uint8(m.Ports)
	}
	for i, st := range r.seats {
		if st == nil && held&(1<<i) == 0 {
			return i
		}
	}
	return -1
}

func (r *room) nameList() []string {
	var names []string
	for _, st := range r.seats {
		if st != nil {
			names = append(names, st.name)
		}
	}
	return names
}

// leave takes a closed socket out of the server and its room. In a game
// the player keeps its seat: its core may still be playing.
func (s *Server) leave(sk *socket) {
	s.mu.Lock()
	delete(s.sockets, sk)
	r := sk.room
	sk.room = nil
	if r == nil || s.rooms[r.port] != r {
		s.mu.Unlock()
		return
	}
	if r.running {
		r.seats[sk.seat].sk = nil
	} else {
		s.logf("room %q: %s left", r.name, r.seats[sk.seat].name)
		r.seats[sk.seat] = nil
		r.promoteLocked()
		s.sendPlayersLocked(r)
	}
	gone := s.reapLocked(r)
	s.mu.Unlock()
	if gone {
		r.close()
	}
}
