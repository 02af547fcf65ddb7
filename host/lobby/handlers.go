package lobby

import (
	"crypto/subtle"
	"fmt"
	"strings"
)

// handler serves one request type with Server.mu held. needAuth means the
// socket must have created a room or listed the rooms first, as the
// simple64 servers require.
type handler struct {
	needAuth bool
	serve    func(s *Server, sk *socket, req *Request)
}

var handlers = map[string]handler{
	TypeCreateRoom: {false, (*Server).handleCreateLocked},
	TypeGetRooms:   {false, (*Server).handleGetRoomsLocked},
	TypeJoinRoom:   {true, (*Server).handleJoinLocked},
	TypePlayers:    {true, (*Server).handlePlayersLocked},
	TypeChat:       {true, (*Server).handleChatLocked},
	TypeEditRoom:   {true, (*Server).handleEditLocked},
	TypeBeginGame:  {true, (*Server).handleBeginLocked},
	TypeMOTD:       {false, (*Server).handleMOTDLocked},
	TypeVersion:    {false, (*Server).handleVersionLocked},
	TypePing:       {false, (*Server).handlePingLocked},
}

// serve answers one decoded request.
func (s *Server) serve(sk *socket, req *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sk.ctx.Err() != nil {
		return
	}
	h, ok := handlers[req.Type]
	switch {
	case !ok:
		s.refuseLocked(sk, req, Other, fmt.Sprintf("this server does not know %q", req.Type))
	case h.needAuth && !sk.authed:
		s.refuseLocked(sk, req, BadAuth, "list the rooms or create one first")
	default:
		h.serve(s, sk, req)
	}
}

// refuseLocked answers req with an accept code other than Accepted.
func (s *Server) refuseLocked(sk *socket, req *Request, code Accept, msg string) {
	s.stats.Refused++
	sk.reply(Reply{Type: ReplyType(req.Type), Accept: code, Message: msg})
}

// count updates the counters under the server's lock.
func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

// checkClient checks the common fields: API version, emulator, and auth
// when the operator turned it on.
func (s *Server) checkClient(req *Request) (Accept, string) {
	switch {
	case req.NetplayVersion != APIVersion:
		return MismatchVersion, fmt.Sprintf("this server speaks netplay API %d, your client %d: use a client of the same API", APIVersion, req.NetplayVersion)
	case req.Emulator == "":
		return BadEmulator, "your client did not say which emulator it is"
	case s.cfg.AuthSecrets == nil:
		return Accepted, ""
	}
	secret, ok := s.cfg.AuthSecrets[req.Emulator]
	if !ok && req.Emulator == EmulatorNetpak {
		secret, ok = NetpakSecret, true
	}
	if !ok {
		return BadEmulator, fmt.Sprintf("this server does not serve %s", req.Emulator)
	}
	if err := CheckAuth(req, secret, s.cfg.Now().UnixMilli()); err != nil {
		return BadAuth, fmt.Sprintf("%v (is your clock right?)", err)
	}
	return Accepted, ""
}

func (s *Server) handleGetRoomsLocked(sk *socket, req *Request) {
	if code, msg := s.checkClient(req); code != Accepted {
		s.refuseLocked(sk, req, code, msg)
		return
	}
	sk.authed = true
	rep := Reply{Type: ReplyType(req.Type)}
	netpak := req.Emulator == EmulatorNetpak // it is told which rooms play, and sees them
	for _, r := range s.sortedRoomsLocked() {
		if (!r.running || netpak) && sameEmulator(req.Emulator, r) {
			v := r.view()
			v.Running = r.running && netpak
			rep.Rooms = append(rep.Rooms, v)
		}
	}
	sk.reply(rep)
}

func (s *Server) handlePlayersLocked(sk *socket, req *Request) {
	if r := s.roomOfLocked(sk, req); r != nil {
		s.sendPlayersLocked(r)
	}
}

// sendPlayersLocked tells everyone in r who sits where.
func (s *Server) sendPlayersLocked(r *room) {
	names := r.players()
	s.broadcastLocked(r, Reply{Type: "reply_players", PlayerNames: &names})
}

func (s *Server) handleChatLocked(sk *socket, req *Request) {
	r := s.roomOfLocked(sk, req)
	if r == nil {
		return
	}
	msg := strings.TrimSpace(req.Message)
	if msg == "" {
		s.refuseLocked(sk, req, Other, "the message is empty")
		return
	}
	// The name is the seat's, never the request's: nobody speaks for another.
	name := r.seats[sk.seat].name
	s.broadcastLocked(r, Reply{Type: ReplyType(req.Type), Message: name + ": " + msg})
}

func (s *Server) handleMOTDLocked(sk *socket, req *Request) {
	sk.reply(Reply{Type: ReplyType(req.Type), Message: s.cfg.MOTD})
}

func (s *Server) handleVersionLocked(sk *socket, req *Request) {
	sk.reply(Reply{Type: ReplyType(req.Type), Message: fmt.Sprintf("%s. api: %d", s.cfg.Version, APIVersion)})
}

func (s *Server) handlePingLocked(sk *socket, req *Request) {
	sk.send(outMsg{ping: true})
}

// roomOfLocked returns the room sk sits in, refusing req if none, or if
// req names another room's port.
func (s *Server) roomOfLocked(sk *socket, req *Request) *room {
	r := sk.room
	switch {
	case r == nil:
		s.refuseLocked(sk, req, RoomDeleted, "you are in no room")
		return nil
	case req.Room != nil && req.Room.Port != 0 && req.Room.Port != r.port:
		s.refuseLocked(sk, req, BadRoomName, fmt.Sprintf("you are in the room on port %d, not %d", r.port, req.Room.Port))
		return nil
	}
	return r
}

// broadcastLocked sends rep to every lobby connection in r.
func (s *Server) broadcastLocked(r *room, rep Reply) {
	b := Encode(rep)
	for _, st := range r.seats {
		if st != nil && st.sk != nil {
			st.sk.send(outMsg{b: b})
		}
	}
}

// samePassword compares in constant time, so that timing tells nothing.
func samePassword(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// sameEmulator reports whether a client of emulator may see and join r:
// one of r's emulator, or a netpak console, whose session joins any room.
func sameEmulator(emulator string, r *room) bool {
	return emulator == r.emulator || emulator == EmulatorNetpak
}
