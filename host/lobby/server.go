package lobby

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/netpak/netpak/host/limit"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
)

// ErrClosed is returned by Serve after Close.
var ErrClosed = errors.New("lobby server closed")

// Server serves the lobby and its rooms. Create it with New, give it
// listeners with Serve, stop it with Close. Its methods are safe for
// concurrent use.
type Server struct {
	// Immutable after New.
	cfg        Config
	ctx        context.Context // ends at Close
	cancel     context.CancelFunc
	conns      *connLimiter
	creates    *limit.Buckets // room creations per source
	wrongPWs   *limit.Buckets // wrong passwords per source
	statusReqs *limit.Buckets // status page requests per source

	wg          sync.WaitGroup // every goroutine the server started
	statusCache statusCache    // the status page's last look at the rooms; its own lock

	// Guarded by mu, with the room and socket fields marked so.
	mu      sync.Mutex
	closed  bool
	https   []*http.Server
	sockets map[*socket]struct{}
	rooms   map[int]*room // by game port
	bans    map[netip.Prefix]bool
	stats   Stats
}

// Stats counts what the server refused; the operator's /rooms shows it.
type Stats struct {
	Malformed    uint64 // messages that did not decode
	RateLimited  uint64 // sockets closed for too many requests
	SlowSockets  uint64 // sockets closed because their queue was full
	WrongPasswds uint64 // joins refused for a wrong password
	Refused      uint64 // requests refused with an accept code
	RoomsCreated uint64
}

// New returns a server for cfg, which must be valid (see Config.Validate).
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:        cfg,
		conns:      newConnLimiter(cfg.MaxSockets, cfg.MaxSocketsPerSource),
		creates:    limit.NewBuckets(createRate, createBurst),
		wrongPWs:   limit.NewBuckets(passwordRate, passwordBurst),
		statusReqs: limit.NewBuckets(statusRate, statusBurst),
		sockets:    make(map[*socket]struct{}),
		rooms:      make(map[int]*room),
		bans:       make(map[netip.Prefix]bool),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Serve serves the lobby on ln until Close; it returns ErrClosed then.
// Connections beyond the socket limits are closed at once.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.HandshakeTimeout,
		IdleTimeout:       s.cfg.HandshakeTimeout, // a kept-alive HTTP connection holds a socket place
		// No ReadTimeout: net/http would leave it on the hijacked socket.
		MaxHeaderBytes: 8 << 10,
		ErrorLog:       log.New(io.Discard, "", 0), // a bad upgrade request is the peer's business
		BaseContext:    func(net.Listener) context.Context { return s.ctx },
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	err := hs.Serve(&limitListener{Listener: ln, lim: s.conns, banned: s.banned})
	if errors.Is(err, http.ErrServerClosed) {
		return ErrClosed
	}
	return fmt.Errorf("serve lobby: %w", err)
}

// ServeHTTP upgrades a request to a lobby connection and serves it until
// it closes. Any path is accepted; with Config.CreateKey the path decides
// whether the connection may create rooms.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		if !s.cfg.NoStatusPage && (r.URL.Path == StatusPath || r.URL.Path == StatusJSONPath) {
			s.serveStatus(w, r)
			return
		}
		s.serveList(w, r)
		return
	}
	// Frontends are not browsers: they send no cookies a forged page
	// could ride on, and some send an Origin of their own, so the origin
	// check would only refuse honest clients.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	c.SetReadLimit(lobbymsg.MaxMessage)
	from, _ := netip.ParseAddrPort(r.RemoteAddr)
	sk := newSocket(s, c, from.Addr().Unmap(), r.URL.Path)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close(websocket.StatusGoingAway, "the server is shutting down")
		return
	}
	s.sockets[sk] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	sk.run()
	s.leave(sk)
}

// ServerListPath is where the server answers plain HTTP with the server
// list RMG reads (its Settings > Interface > Netplay > Server list URL): one entry, this
// lobby at the address the player reached it by.
const ServerListPath = "/servers.json"

func (s *Server) serveList(w http.ResponseWriter, r *http.Request) {
	ServeList(w, r, s.cfg.Name)
}

// ServeList answers a plain HTTP request for ServerListPath with the
// server list RMG reads: one entry called name, the lobby at the address
// the player reached it by (r.Host). Anything else is refused.
func ServeList(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet || r.URL.Path != ServerListPath {
		http.Error(w, "this is a netpak lobby: connect with ws://HOST:PORT, or read "+ServerListPath, http.StatusNotFound)
		return
	}
	if _, _, err := net.SplitHostPort(r.Host); err != nil || len(r.Host) > 261 {
		http.Error(w, "no host:port in the request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(map[string]string{name: "ws://" + r.Host})
	w.Write(b)
}

// Close stops the server: it closes the listeners, every lobby connection
// and every room, and waits for their goroutines. A second Close returns
// an error wrapping net.ErrClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("close lobby: %w", net.ErrClosed)
	}
	s.closed = true
	s.cancel()
	https := s.https
	rooms := make([]*room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	clear(s.rooms)
	s.mu.Unlock()
	for _, hs := range https {
		hs.Close()
	}
	for _, r := range rooms {
		r.close()
	}
	s.wg.Wait()
	return nil
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Sockets returns the open lobby connections and how many were refused
// at the socket limits.
func (s *Server) Sockets() (open int, refused uint64) { return s.conns.counts() }

func (s *Server) logf(format string, args ...any) { s.cfg.Logf(format, args...) }
