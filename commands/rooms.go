package commands

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/netpak/netpak/host/lobby/lobbyclient"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/saves/rom"
)

// A netpak server's lobby (package host/lobby) lists rooms, each a netpak
// session on its own game port. A console joins a room as RMG players do,
// as a lobby player of emulator "netpak", and holds that lobby connection
// while it is in the room's session: the lobby counts it among the room's
// players, and the room's game port admits only its players' addresses.

// RoomController is what a Controller needs for /rooms and /connect HOST
// room NAME. Session implements it; a Controller without it refuses them.
type RoomController interface {
	// ListRooms returns the rooms waiting for players in the lobby at
	// addr ("host:port").
	ListRooms(ctx context.Context, addr string) ([]lobbymsg.Room, error)
	// JoinRoom joins the room j names in its lobby, then the room's
	// session on its game port as the player of the lobby seat's
	// controller port, and holds the seat until the session ends.
	JoinRoom(ctx context.Context, j ConnectRoom) (RoomJoined, error)
}

// RoomJoined says which room a JoinRoom joined.
type RoomJoined struct {
	Room lobbymsg.Room
	Seat int    // the controller port, 0-3
	Addr string // the session's address, "host:port"
}

var errNoRooms = errors.New("this console cannot reach a netpak server's lobby")

func (r Rooms) run(ctx context.Context, c *Console) error {
	rc, ok := c.Ctl.(RoomController)
	if !ok {
		return errNoRooms
	}
	all, err := rc.ListRooms(ctx, r.Lobby.Addr())
	if err != nil {
		return err
	}
	var rooms []lobbymsg.Room
	for _, rm := range all {
		if !rm.Running {
			rooms = append(rooms, rm)
		}
	}
	if len(rooms) == 0 {
		c.UI.PrintErr(fmt.Sprintf("no room of %s waits for players%s", r.Lobby.Addr(), playing(len(all))))
		return nil
	}
	c.UI.Print(RoomsText(rooms))
	c.UI.PrintErr(fmt.Sprintf("join one with /connect %s room NAME (and password PASS if it has one)%s",
		r.Lobby.Addr(), playing(len(all)-len(rooms))))
	return nil
}

// playing says how many rooms play a game already, if any.
func playing(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "; 1 room plays a game already"
	}
	return fmt.Sprintf("; %d rooms play a game already", n)
}

// RoomsText formats rooms as /rooms prints them: one row each with its
// name, game, players and whether it needs a password.
func RoomsText(rooms []lobbymsg.Room) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROOM\tGAME\tPLAYERS\tPASSWORD")
	for _, r := range rooms {
		pw := "no"
		if r.Protected {
			pw = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d/4\t%s\n", oneLine(r.RoomName), oneLine(r.GameName), r.Players, pw)
	}
	tw.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// oneLine keeps a name from the network on one line of one cell: the
// lobby allows printable characters only, but a tab would break the table.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s
}

func (j ConnectRoom) run(ctx context.Context, c *Console) error {
	if st := c.Ctl.State(); st.Phase != Offline {
		return fmt.Errorf("you are already in the session at %s; /leave first", st.Addr)
	}
	rc, ok := c.Ctl.(RoomController)
	if !ok {
		return errNoRooms
	}
	got, err := rc.JoinRoom(ctx, j)
	if err != nil {
		return err
	}
	c.target = ""
	c.UI.PrintErr(fmt.Sprintf("joined room %q (%s) as player %d, in its session at %s; the room's creator starts the game",
		oneLine(got.Room.RoomName), oneLine(got.Room.GameName), got.Seat+1, got.Addr))
	return nil
}

// ListRooms returns the rooms waiting for players in the lobby at addr.
func (s *Session) ListRooms(ctx context.Context, addr string) ([]lobbymsg.Room, error) {
	cl, err := lobbyclient.Dial(ctx, addr, lobbyclient.Config{})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return cl.Rooms(ctx)
}

// JoinRoom joins a room of a netpak server: its lobby seat, then its
// session as the player of that seat's controller port.
func (s *Session) JoinRoom(ctx context.Context, j ConnectRoom) (RoomJoined, error) {
	s.mu.Lock()
	busy := s.busyLocked()
	name, romPath := s.Settings.PlayerName(), s.Settings.Emulator.ROM
	s.mu.Unlock()
	if busy != nil {
		return RoomJoined{}, busy
	}
	md5, err := romMD5(romPath)
	if err != nil {
		return RoomJoined{}, err
	}
	cl, err := lobbyclient.Dial(ctx, j.Lobby.Addr(), lobbyclient.Config{OnMessage: s.lobbyMessage})
	if err != nil {
		return RoomJoined{}, err
	}
	got, err := joinLobbyRoom(ctx, cl, j, name, md5)
	if err != nil {
		cl.Close()
		return RoomJoined{}, err
	}
	got.Addr = net.JoinHostPort(j.Lobby.Host, strconv.Itoa(got.Room.Port))
	l, err := s.connectSeat(ctx, got.Addr, fmt.Sprintf("%s (room %q)", got.Addr, lobbyclient.Printable(got.Room.RoomName, lobbymsg.MaxRoomName)), got.Seat)
	if err != nil {
		cl.Close()
		return RoomJoined{}, fmt.Errorf("room %q: join its session at %s: %w", got.Room.RoomName, got.Addr, err)
	}
	s.mu.Lock()
	l.room = cl
	s.mu.Unlock()
	go s.holdSeat(cl, l, got.Room.RoomName)
	return got, nil
}

// joinLobbyRoom finds the room j names among the waiting rooms and takes
// a seat in it.
func joinLobbyRoom(ctx context.Context, cl *lobbyclient.Client, j ConnectRoom, name, md5 string) (RoomJoined, error) {
	rooms, err := cl.Rooms(ctx)
	if err != nil {
		return RoomJoined{}, err
	}
	room, err := lobbyclient.FindRoom(rooms, j.Room)
	switch {
	case err != nil:
		return RoomJoined{}, fmt.Errorf("%w (/rooms %s lists them)", err, j.Lobby.Addr())
	case room.Running:
		return RoomJoined{}, fmt.Errorf("room %q: %w: join it when the game is over, when /rooms %s lists it again", room.RoomName, lobbyclient.ErrGameStarted, j.Lobby.Addr())
	case room.Protected && j.Password == "":
		return RoomJoined{}, fmt.Errorf("room %q needs a password: /connect %s room %s password PASS", room.RoomName, j.Lobby.Addr(), j.Room)
	}
	joined, err := cl.Join(ctx, name, room.Port, j.Password, md5)
	if err != nil {
		return RoomJoined{}, fmt.Errorf("room %q: %w", room.RoomName, err)
	}
	return RoomJoined{Room: joined.Room, Seat: joined.Seat}, nil
}

// romMD5 returns the MD5 the mupen64plus frontends give a ROM, in upper
// case hex as RMG sends it; "" without a ROM (the simulated game).
func romMD5(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	r, err := rom.Open(path)
	if err != nil {
		return "", fmt.Errorf("rom: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(r.MD5[:])), nil
}

// connectSeat joins the session at addr as Connect does, as the player of
// controller port seat: the lobby seats a room's players by port, and its
// other players' emulators take the ports of their own seats. where is
// what the prompt and /who call the session.
func (s *Session) connectSeat(ctx context.Context, addr, where string, seat int) (*live, error) {
	s.mu.Lock()
	if err := s.busyLocked(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	g, err := s.Settings.Emulator.loadGame()
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	cfg := s.clientConfig()
	cfg.Ports, cfg.NumPorts, cfg.Spectator = 1<<seat, 0, false
	s.joining = true
	s.mu.Unlock()
	l := &live{addr: where, target: addr, game: g}
	if err := s.join(ctx, l, addr, cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// holdSeat keeps the lobby connection cl, and with it the console's seat
// in room, while the console is in the room's session l. If the lobby
// lets go of the seat before a game, the session's port would be another
// player's seat: the console leaves the session too.
func (s *Session) holdSeat(cl *lobbyclient.Client, l *live, room string) {
	select {
	case <-l.c.Done():
		cl.Close()
		return
	case <-cl.Done():
	}
	s.mu.Lock()
	current := s.cur == l
	s.mu.Unlock()
	if !current {
		return
	}
	why := cl.Err()
	if l.c.Status().Playing {
		s.print(fmt.Sprintf("lost the lobby of room %q (%v); the game goes on", room, why))
		return
	}
	s.print(fmt.Sprintf("lost the lobby of room %q (%v): leaving its session, whose seat is gone", room, why))
	s.end(l)
}

// lobbyMessage prints what the room's lobby says unasked: its chat, who
// sits in it (RMG players are in the lobby only until the game begins,
// so /who does not list them before), and the begin of the game.
func (s *Session) lobbyMessage(r lobbymsg.Reply) {
	const max = 400
	switch r.Type {
	case lobbymsg.ReplyType(lobbymsg.TypeChat):
		s.print("[room] " + lobbyclient.Printable(r.Message, max))
	case "reply_players":
		if r.PlayerNames == nil {
			return
		}
		var who []string
		for i, n := range r.PlayerNames {
			if n != "" {
				who = append(who, fmt.Sprintf("%d %s", i+1, lobbyclient.Printable(n, lobbymsg.MaxPlayerName)))
			}
		}
		s.print("[room] players: " + strings.Join(who, ", "))
	case lobbymsg.ReplyType(lobbymsg.TypeBeginGame):
		s.print("[room] the game begins: it starts when every player's emulator has joined")
	case lobbymsg.ReplyType(lobbymsg.TypeEditRoom):
		if r.Room != nil {
			s.print("[room] the room now plays " + lobbyclient.Printable(r.Room.GameName, max))
		}
	}
}
