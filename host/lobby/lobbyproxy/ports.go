package lobbyproxy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/portfwd"
)

// forward is one game port carried to the server.
type forward struct {
	server, local uint16
	fwd           *portfwd.Forward
}

// portMap is the game ports forwarded: each server port the lobby named,
// and the local port a frontend's core reaches it at.
type portMap struct {
	// Immutable after newPortMap.
	ctx    context.Context
	server netip.Addr // the server's address, as dial reaches it
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	max    int
	logf   func(format string, args ...any)

	mu       sync.Mutex
	local    netip.Addr // where game ports open: the local lobby's address
	byServer map[uint16]*forward
	byLocal  map[uint16]*forward
	closed   bool
}

func newPortMap(ctx context.Context, server netip.Addr, dial func(context.Context, string, string) (net.Conn, error), max int, logf func(string, ...any)) *portMap {
	return &portMap{ctx: ctx, server: server, dial: dial, max: max, logf: logf,
		local: netip.AddrFrom4([4]byte{127, 0, 0, 1}), byServer: map[uint16]*forward{}, byLocal: map[uint16]*forward{}}
}

func (m *portMap) setLocal(a netip.Addr) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !a.IsUnspecified() {
		m.local = a.Unmap()
	}
}

// forwardFor returns the local port of the server's game port, opening
// it the first time: the same number if it is free here.
func (m *portMap) forwardFor(server uint16) (uint16, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.byServer[server]; f != nil {
		return f.local, nil
	}
	if m.closed {
		return 0, net.ErrClosed
	}
	if len(m.byServer) >= m.max {
		return 0, fmt.Errorf("already %d game ports forwarded", m.max)
	}
	ln, pc, err := listen.Pair(netip.AddrPortFrom(m.local, server).String())
	if err != nil {
		ln, pc, err = listen.Pair(net.JoinHostPort(m.local.String(), "0"))
	}
	if err != nil {
		return 0, fmt.Errorf("open a local port for game port %d: %w", server, err)
	}
	local := uint16(ln.Addr().(*net.TCPAddr).Port)
	f := &forward{server: server, local: local, fwd: portfwd.Start(m.ctx, ln, pc, portfwd.Config{
		Target: m.serverAddr(server), Dial: m.dial, Name: fmt.Sprintf("game port %d", server), Logf: m.logf})}
	m.byServer[server], m.byLocal[local] = f, f
	if local == server {
		m.logf("game port %d forwarded through the VPN", server)
	} else {
		m.logf("game port %d forwarded through the VPN from local port %d (%d is taken here)", server, local, server)
	}
	return local, nil
}

// serverOf returns the server's port of a local game port.
func (m *portMap) serverOf(local uint16) (uint16, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.byLocal[local]; f != nil {
		return f.server, true
	}
	return 0, false
}

func (m *portMap) snapshot() map[uint16]uint16 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[uint16]uint16, len(m.byServer))
	for p, f := range m.byServer {
		out[p] = f.local
	}
	return out
}

// close ends every forward and waits for it.
func (m *portMap) close() {
	m.mu.Lock()
	m.closed = true
	fs := make([]*forward, 0, len(m.byServer))
	for _, f := range m.byServer {
		fs = append(fs, f)
	}
	m.mu.Unlock()
	for _, f := range fs {
		f.fwd.Close()
	}
}

// request maps the room port a frontend's request names to the server's.
func (m *portMap) request(b []byte) []byte { return mapRequest(b, m.serverOf) }

// reply opens the game ports a server's reply names and maps them to the
// local ones.
func (m *portMap) reply(b []byte) []byte { return mapReply(b, m.forwardFor, m.logf) }

// mapRequest returns b with the room port it names replaced by
// serverOf's. A message that does not decode, or names a port serverOf
// does not know, passes as it came: the server refuses it or says the
// room is gone.
func mapRequest(b []byte, serverOf func(local uint16) (uint16, bool)) []byte {
	req, err := lobbymsg.DecodeRequest(b)
	if err != nil || req.Room == nil || req.Room.Port <= 0 || req.Room.Port > 65535 {
		return b
	}
	server, ok := serverOf(uint16(req.Room.Port))
	if !ok || int(server) == req.Room.Port {
		return b
	}
	req.Room.Port = int(server)
	return lobbymsg.Encode(req)
}

// mapReply returns b with every room port it names replaced by localOf's.
// A room whose port localOf cannot give keeps the server's number: its
// game cannot be reached, and the log says why.
func mapReply(b []byte, localOf func(server uint16) (uint16, error), logf func(string, ...any)) []byte {
	r, err := lobbymsg.DecodeReply(b)
	if err != nil {
		return b
	}
	changed := false
	mapRoom := func(rm *lobbymsg.Room) {
		if rm.Port <= 0 || rm.Port > 65535 {
			return
		}
		local, err := localOf(uint16(rm.Port))
		if err != nil {
			logf("room %q: %v", rm.RoomName, err)
			return
		}
		if int(local) != rm.Port {
			rm.Port, changed = int(local), true
		}
	}
	if r.Room != nil {
		mapRoom(r.Room)
	}
	for i := range r.Rooms {
		mapRoom(&r.Rooms[i])
	}
	if !changed {
		return b
	}
	return lobbymsg.Encode(r)
}

// serverAddr is the server's game port as the dialer reaches it.
func (m *portMap) serverAddr(port uint16) string {
	return net.JoinHostPort(m.server.String(), strconv.Itoa(int(port)))
}
