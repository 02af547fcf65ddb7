package lobby

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/session"

	"github.com/netpak/netpak/host"
)

// room is one game: the lobby's view of it and the netpak session that
// serves its cores.
type room struct {
	// Immutable after openRoom.
	port     int
	name     string // unique among rooms, case aside; edits keep it
	h        *host.Host
	emulator string           // only its clients (and netpak consoles) see the room,
	version  lobbymsg.Version // of its netplay_version: Mupen-MPN calls itself RMG
	creator  netip.Prefix
	kick     chan struct{} // the session changed: see watchLoop
	ended    atomic.Bool   // a game ended since watchLoop last looked
	done     chan struct{} // closed by close
	wg       sync.WaitGroup
	closeOne sync.Once

	// Guarded by Server.mu.
	game, md5, password, clientSHA string
	features                       map[string]string
	seats                          [4]*seat // by controller port
	running                        bool
	beginAt                        time.Time // when the game was begun
	beginTimer                     *time.Timer
}

// seat is a lobby player. Its socket is nil once the socket closed during
// a game: the player keeps its controller port.
type seat struct {
	name string
	sk   *socket
	from netip.Addr // where its lobby connection came from
	// netpak marks a netpak console: it holds its seat's controller port
	// in the session from its join on, so its seat never moves, and it
	// cannot begin the game.
	netpak bool
}

// openRoom opens a game port and the session that serves it.
func (s *Server) openRoom(sk *socket, req *lobbymsg.Request, busy map[int]bool) (*room, error) {
	pairs, port, err := s.listenRoom(busy)
	if err != nil {
		return nil, err
	}
	rm := req.Room
	r := &room{port: port, emulator: req.Emulator, version: req.NetplayVersion, creator: sk.src, kick: make(chan struct{}, 1),
		done: make(chan struct{}), name: rm.RoomName, game: rm.GameName, md5: rm.MD5,
		password: rm.Password, clientSHA: req.ClientSHA, features: maps.Clone(rm.Features)}
	logPrefix := fmt.Sprintf("room %q (port %d): ", r.name, port)
	hc := host.Config{
		Lag: s.cfg.Lag, AutoLag: s.cfg.AutoLag, Golf: s.cfg.Golf,
		Logf: func(format string, args ...any) { s.logf(logPrefix+format, args...) },
		// Called with the session's lock held: log, note, never block.
		OnEvent: func(e session.Event) {
			if e.Kind == session.EventEnded {
				// Not the session's own line, which tells a netpak host to /start.
				s.logf("%sthe game is over; the room is open again", logPrefix)
				r.ended.Store(true)
			} else {
				s.logf("%s%s", logPrefix, e)
			}
			select {
			case r.kick <- struct{}{}:
			default:
			}
		},
	}
	if s.cfg.roomConfig != nil {
		s.cfg.roomConfig(&hc)
	}
	r.h = host.New(hc)
	for _, l := range pairs {
		ln := l.ln
		if !s.cfg.AnyGameIP {
			ln = &roomListener{Listener: ln, s: s, r: r}
		}
		r.wg.Go(func() { r.h.Serve(ln, l.pc) })
	}
	r.wg.Go(func() { s.watchLoop(r) })
	return r, nil
}

// listenPair is a game port's TCP listener and UDP socket.
type listenPair struct {
	ln net.Listener
	pc net.PacketConn
}

// listenRoom opens a free game port, and the same port inside the
// tunnel when the server has one.
func (s *Server) listenRoom(busy map[int]bool) ([]listenPair, int, error) {
	ln, pc, port, err := s.listenGame(busy)
	if err != nil {
		return nil, 0, err
	}
	pairs := []listenPair{{ln, pc}}
	if s.cfg.Tunnel != nil {
		tln, tpc, err := s.cfg.Tunnel(port)
		if err != nil {
			ln.Close()
			pc.Close()
			return nil, 0, fmt.Errorf("game port %d in the VPN: %w", port, err)
		}
		pairs = append(pairs, listenPair{tln, tpc})
	}
	return pairs, port, nil
}

// listenGame opens the first free game port of the range, or any free
// port without a range.
func (s *Server) listenGame(busy map[int]bool) (net.Listener, net.PacketConn, int, error) {
	first, last := s.cfg.GamePortFirst, s.cfg.GamePortLast
	if first == 0 {
		ln, pc, err := listen.Pair(net.JoinHostPort(s.cfg.GameHost, "0"))
		if err != nil {
			return nil, nil, 0, err
		}
		return ln, pc, ln.Addr().(*net.TCPAddr).Port, nil
	}
	for p := first; p <= last; p++ {
		if busy[p] {
			continue
		}
		ln, pc, err := listen.Pair(net.JoinHostPort(s.cfg.GameHost, strconv.Itoa(p)))
		if err == nil {
			return ln, pc, p, nil
		}
		s.logf("game port %d: %v", p, err)
	}
	return nil, nil, 0, fmt.Errorf("no game port free in %d-%d", first, last)
}

// close ends the room's session and waits for its goroutines.
func (r *room) close() {
	r.closeOne.Do(func() {
		close(r.done)
		r.h.Close()
		r.wg.Wait()
	})
}

// watchLoop follows the session: when a game ends the room is open to
// joins again, and when nobody is left in it the room closes.
func (s *Server) watchLoop(r *room) {
	t := time.NewTicker(s.cfg.StatusEvery)
	defer t.Stop()
	var relayed uint64
	for {
		select {
		case <-r.done:
			return
		case <-r.kick:
			s.roomChanged(r)
		case <-t.C:
			relayed = s.logStatus(r, relayed)
		}
	}
}

// logStatus logs a playing room's players and how many inputs it relayed
// since the last status, calling a room that relayed none stalled. It
// returns the session's count of relayed inputs.
func (s *Server) logStatus(r *room, before uint64) uint64 {
	st := r.h.Stats()
	var players []string
	for _, m := range r.h.Members() {
		if m.Ports != 0 {
			players = append(players, fmt.Sprintf("%s on port %s", m.Name, m.Ports))
		}
	}
	if len(players) == 0 {
		return st.RelayedInputs
	}
	n := st.RelayedInputs - before
	state := fmt.Sprintf("%d inputs relayed in %v", n, s.cfg.StatusEvery)
	if n == 0 {
		state = fmt.Sprintf("STALLED: no input relayed in %v", s.cfg.StatusEvery)
	}
	s.logf("room %q (port %d): %s; %s", r.name, r.port, strings.Join(players, ", "), state)
	return st.RelayedInputs
}

// roomChanged brings the room up to date with its session.
func (s *Server) roomChanged(r *room) {
	s.mu.Lock()
	if s.rooms[r.port] != r {
		s.mu.Unlock()
		return
	}
	if r.ended.Swap(false) && r.running {
		s.gameEndedLocked(r)
	}
	s.reapLaterLocked(r)
	s.mu.Unlock()
}

// reapLaterLocked closes r in a goroutine of its own if nobody is left in
// it: callers hold the lock, or are r's watchLoop, which close waits for.
// The goroutine is counted under the lock, so never after Close began to
// wait.
func (s *Server) reapLaterLocked(r *room) {
	if s.reapLocked(r) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			r.close()
		}()
	}
}

// gameEndedLocked returns the room to the lobby after a game: players
// whose lobby connection closed leave it, the others may begin again.
func (s *Server) gameEndedLocked(r *room) {
	r.running = false
	r.stopBeginTimer()
	r.h.SetAutoStart(0)
	for i, st := range r.seats {
		if st != nil && st.sk == nil {
			r.seats[i] = nil
		}
	}
	r.promoteLocked()
	s.sendPlayersLocked(r)
}

// reapLocked removes r from the server if nobody is in it: no lobby
// connection, no session member, and no begun game still waiting for its
// cores. It reports whether r must be closed.
func (s *Server) reapLocked(r *room) bool {
	for _, st := range r.seats {
		if st != nil && st.sk != nil {
			return false
		}
	}
	if r.running && s.cfg.Now().Sub(r.beginAt) < s.cfg.BeginTimeout {
		return false
	}
	if len(r.h.Members()) > 0 {
		return false
	}
	delete(s.rooms, r.port)
	r.stopBeginTimer()
	s.logf("room %q (port %d) closed: nobody is left in it", r.name, r.port)
	return true
}

func (r *room) stopBeginTimer() {
	if r.beginTimer != nil {
		r.beginTimer.Stop()
		r.beginTimer = nil
	}
}

// promoteLocked gives seat 0, the creator's, to the lowest other player
// when its player left before the game: RMG lets only player 1 start. A
// netpak console keeps its seat: its session port cannot move.
func (r *room) promoteLocked() {
	if r.running || r.seats[0] != nil {
		return
	}
	for i := 1; i < len(r.seats); i++ {
		if r.seats[i] != nil && !r.seats[i].netpak {
			r.seats[0], r.seats[i] = r.seats[i], nil
			if sk := r.seats[0].sk; sk != nil {
				sk.seat = 0
			}
			return
		}
	}
}

// players returns the names by seat, as reply_players carries them.
func (r *room) players() [4]string {
	var names [4]string
	for i, st := range r.seats {
		if st != nil {
			names[i] = st.name
		}
	}
	return names
}

func (r *room) count() int {
	n := 0
	for _, st := range r.seats {
		if st != nil {
			n++
		}
	}
	return n
}

// view is the room as replies carry it: never the password.
func (r *room) view() lobbymsg.Room {
	return lobbymsg.Room{RoomName: r.name, GameName: r.game, MD5: r.md5, Port: r.port,
		Protected: r.password != "", Features: maps.Clone(r.features), Players: r.count()}
}

// roomListener accepts game connections only from the addresses of the
// room's lobby players, as the simple64 servers do: nobody else can take
// a controller port. Datagrams need no filter: the session takes a core's
// datagrams only from the address of its TCP connection.
type roomListener struct {
	net.Listener
	s       *Server
	r       *room
	refused atomic.Uint64
}

func (l *roomListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := addrOf(c.RemoteAddr())
		if l.s.seatedAt(l.r, ip) {
			return c, nil
		}
		c.Close()
		if n := l.refused.Add(1); n&(n-1) == 0 { // 1, 2, 4, …: the log stays short
			l.s.logf("room %q: refused a game connection from %v, which is not in the room's lobby (%d so far)", l.r.name, ip, n)
		}
	}
}

// seatedAt reports whether a player of r joined the lobby from ip.
func (s *Server) seatedAt(r *room, ip netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range r.seats {
		if st != nil && st.from == ip {
			return true
		}
	}
	return false
}
