package lobby

import (
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// handler serves one request type with Server.mu held. needAuth means the
// socket must have created a room or listed the rooms first, as the
// simple64 servers require.
type handler struct {
	needAuth bool
	serve    func(s *Server, sk *socket, req *lobbymsg.Request)
}

var handlers = map[string]handler{
	lobbymsg.TypeCreateRoom: {false, (*Server).handleCreateLocked},
	lobbymsg.TypeGetRooms:   {false, (*Server).handleGetRoomsLocked},
	lobbymsg.TypeJoinRoom:   {true, (*Server).handleJoinLocked},
	lobbymsg.TypePlayers:    {true, (*Server).handlePlayersLocked},
	lobbymsg.TypeChat:       {true, (*Server).handleChatLocked},
	lobbymsg.TypeEditRoom:   {true, (*Server).handleEditLocked},
	lobbymsg.TypeBeginGame:  {true, (*Server).handleBeginLocked},
	lobbymsg.TypeMOTD:       {false, (*Server).handleMOTDLocked},
	lobbymsg.TypeVersion:    {false, (*Server).handleVersionLocked},
	lobbymsg.TypePing:       {false, (*Server).handlePingLocked},
	// Mupen-MPN sends it without the common fields; a socket in a room
	// has been let in, and one in none is told so.
	lobbymsg.TypeBufferSize: {false, (*Server).handleBufferLocked},
}

// serve answers one decoded request.
func (s *Server) serve(sk *socket, req *lobbymsg.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sk.ctx.Err() != nil {
		return
	}
	h, ok := handlers[req.Type]
	switch {
	case !ok:
		s.refuseLocked(sk, req, lobbymsg.Other, fmt.Sprintf("this server does not know %q", req.Type))
	case h.needAuth && !sk.authed:
		s.refuseLocked(sk, req, lobbymsg.BadAuth, "list the rooms or create one first")
	default:
		h.serve(s, sk, req)
	}
}

// refuseLocked answers req with an accept code other than Accepted.
func (s *Server) refuseLocked(sk *socket, req *lobbymsg.Request, code lobbymsg.Accept, msg string) {
	s.stats.Refused++
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Accept: code, Message: msg})
}

// count updates the counters under the server's lock.
func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

// checkClient checks the common fields: API version, emulator, and auth
// when the operator turned it on.
func (s *Server) checkClient(req *lobbymsg.Request) (lobbymsg.Accept, string) {
	switch {
	case !req.NetplayVersion.Known():
		return lobbymsg.MismatchVersion, fmt.Sprintf("this server speaks netplay API %s (RMG, simple64, gopher64 up to 1.1.22) and Mupen-MPN's %s, your client %q: use a client of one of them", lobbymsg.VersionAPI, lobbymsg.VersionMPN, req.NetplayVersion)
	case req.Emulator == "":
		return lobbymsg.BadEmulator, "your client did not say which emulator it is"
	case s.cfg.AuthSecrets == nil:
		return lobbymsg.Accepted, ""
	}
	secret, ok := s.cfg.AuthSecrets[req.Emulator]
	if !ok && req.Emulator == lobbymsg.EmulatorNetpak {
		secret, ok = lobbymsg.NetpakSecret, true
	}
	if !ok {
		return lobbymsg.BadEmulator, fmt.Sprintf("this server does not serve %s", req.Emulator)
	}
	if err := lobbymsg.CheckAuth(req, secret, s.cfg.Now().UnixMilli()); err != nil {
		return lobbymsg.BadAuth, fmt.Sprintf("%v (is your clock right?)", err)
	}
	return lobbymsg.Accepted, ""
}

func (s *Server) handleGetRoomsLocked(sk *socket, req *lobbymsg.Request) {
	if code, msg := s.checkClient(req); code != lobbymsg.Accepted {
		s.refuseLocked(sk, req, code, msg)
		return
	}
	sk.authed = true
	rep := lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type)}
	netpak := req.Emulator == lobbymsg.EmulatorNetpak // it is told which rooms play, and sees them
	for _, r := range s.sortedRoomsLocked() {
		if (!r.running || netpak) && sameClients(req, r) {
			v := r.view()
			v.Running = r.running && netpak
			rep.Rooms = append(rep.Rooms, v)
		}
	}
	sk.reply(rep)
}

func (s *Server) handlePlayersLocked(sk *socket, req *lobbymsg.Request) {
	if r := s.roomOfLocked(sk, req); r != nil {
		s.sendPlayersLocked(r)
	}
}

// sendPlayersLocked tells everyone in r who sits where.
func (s *Server) sendPlayersLocked(r *room) {
	names := r.players()
	s.broadcastLocked(r, lobbymsg.Reply{Type: "reply_players", PlayerNames: &names})
}

func (s *Server) handleChatLocked(sk *socket, req *lobbymsg.Request) {
	r := s.roomOfLocked(sk, req)
	if r == nil {
		return
	}
	msg := strings.TrimSpace(req.Message)
	if msg == "" {
		s.refuseLocked(sk, req, lobbymsg.Other, "the message is empty")
		return
	}
	// The name is the seat's, never the request's: nobody speaks for another.
	name := r.seats[sk.seat].name
	s.broadcastLocked(r, lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Message: name + ": " + msg})
}

func (s *Server) handleMOTDLocked(sk *socket, req *lobbymsg.Request) {
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Message: s.cfg.MOTD})
}

func (s *Server) handleVersionLocked(sk *socket, req *lobbymsg.Request) {
	sk.reply(lobbymsg.Reply{Type: lobbymsg.ReplyType(req.Type), Message: fmt.Sprintf("%s. api: %s", s.cfg.Version, lobbymsg.VersionAPI)})
}

func (s *Server) handlePingLocked(sk *socket, req *lobbymsg.Request) {
	sk.send(outMsg{ping: true})
}

// roomOfLocked returns the room sk sits in, refusing req if none, or if
// req names another room's port.
func (s *Server) roomOfLocked(sk *socket, req *lobbymsg.Request) *room {
	r := sk.room
	switch {
	case r == nil:
		s.refuseLocked(sk, req, lobbymsg.RoomDeleted, "you are in no room")
		return nil
	case req.Room != nil && req.Room.Port != 0 && req.Room.Port != r.port:
		s.refuseLocked(sk, req, lobbymsg.BadRoomName, fmt.Sprintf("you are in the room on port %d, not %d", r.port, req.Room.Port))
		return nil
	}
	return r
}

// broadcastLocked sends rep to every lobby connection in r.
func (s *Server) broadcastLocked(r *room, rep lobbymsg.Reply) {
	b := lobbymsg.Encode(rep)
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

// sameClients reports whether the client of req may see and join r: one
// of r's emulator and netplay_version, or a netpak console, whose session
// joins any room.
func sameClients(req *lobbymsg.Request, r *room) bool {
	return req.Emulator == r.emulator && req.NetplayVersion == r.version || req.Emulator == lobbymsg.EmulatorNetpak
}
