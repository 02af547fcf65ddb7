package lobbyproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/netpak/netpak/host/lobby"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// Config configures a Proxy. Lobby and Dial are required.
type Config struct {
	// Lobby is the server's lobby as Dial reaches it: the server's
	// address in the tunnel and its lobby port.
	Lobby netip.AddrPort
	// Dial connects to the server's machine ("tcp" or "udp", a numeric
	// "IP:port"): the tunnel's dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Name is the server's name in the list served at /servers.json; ""
	// means "netpak (VPN)".
	Name string
	// MaxSockets bounds the frontends' lobby connections at once; 0
	// means 8.
	MaxSockets int
	// MaxPorts bounds the game ports forwarded; 0 means 32.
	MaxPorts int
	// Logf, if set, receives what the proxy does and what fails.
	Logf func(format string, args ...any)
}

// Limits and timeouts of a proxy.
const (
	dialTimeout  = 10 * time.Second // to reach the server through the tunnel
	writeTimeout = 10 * time.Second // each lobby message
	// maxPath bounds the request path forwarded (a create key).
	maxPath = 256
)

// ErrClosed is returned by Serve after Close.
var ErrClosed = errors.New("lobby proxy closed")

// Proxy is a local lobby that forwards a remote one. Create it with New,
// give it a listener with Serve, stop it with Close.
type Proxy struct {
	// Immutable after New.
	cfg    Config
	client *http.Client // dials the server's lobby through cfg.Dial
	ports  *portMap
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	slots  chan struct{} // one per lobby connection open

	wg sync.WaitGroup

	mu     sync.Mutex
	closed bool
	https  []*http.Server
}

// New returns a proxy for cfg.
func New(cfg Config) (*Proxy, error) {
	if !cfg.Lobby.IsValid() || cfg.Dial == nil {
		return nil, errors.New("lobby proxy: the lobby's address and a dialer are required")
	}
	if cfg.Name == "" {
		cfg.Name = "netpak (VPN)"
	}
	if cfg.MaxSockets <= 0 {
		cfg.MaxSockets = 8
	}
	if cfg.MaxPorts <= 0 {
		cfg.MaxPorts = 32
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	p := &Proxy{cfg: cfg, slots: make(chan struct{}, cfg.MaxSockets)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.client = &http.Client{Transport: &http.Transport{
		DialContext:       cfg.Dial,
		DisableKeepAlives: true, // each lobby connection is its own upgrade
	}}
	p.ports = newPortMap(p.ctx, cfg.Lobby.Addr(), cfg.Dial, cfg.MaxPorts, cfg.Logf)
	return p, nil
}

// Serve serves the local lobby on ln until Close, and opens the game
// ports on ln's address; it returns ErrClosed then.
func (p *Proxy) Serve(ln net.Listener) error {
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		return fmt.Errorf("lobby proxy on %v: %w", ln.Addr(), err)
	}
	p.ports.setLocal(ap.Addr())
	hs := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: dialTimeout,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return p.ctx },
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.https = append(p.https, hs)
	p.mu.Unlock()
	err = hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrClosed
	}
	return fmt.Errorf("serve the local lobby: %w", err)
}

// Close stops serving, ends every lobby connection and game port it
// forwards, and waits for them. A second Close returns an error wrapping
// net.ErrClosed.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("close lobby proxy: %w", net.ErrClosed)
	}
	p.closed = true
	https := p.https
	p.mu.Unlock()
	p.cancel()
	for _, hs := range https {
		hs.Close()
	}
	p.ports.close()
	p.wg.Wait()
	return nil
}

// Ports returns the game ports forwarded, by the server's port number.
func (p *Proxy) Ports() map[uint16]uint16 { return p.ports.snapshot() }

// ServeHTTP serves the server list, passes the server's status page on,
// or upgrades a frontend's lobby connection and relays it to the server's
// lobby.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		if r.URL.Path == lobby.StatusPath || r.URL.Path == lobby.StatusJSONPath {
			p.forwardStatus(w, r)
			return
		}
		lobby.ServeList(w, r, p.cfg.Name) // RMG's server list: this local lobby
		return
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	default:
		http.Error(w, "too many lobby connections at once", http.StatusServiceUnavailable)
		return
	}
	if !p.track() {
		http.Error(w, "the local lobby is closing", http.StatusServiceUnavailable)
		return
	}
	defer p.wg.Done()
	if len(r.URL.Path) > maxPath {
		http.Error(w, "path too long", http.StatusRequestURITooLong)
		return
	}
	dctx, cancel := context.WithTimeout(p.ctx, dialTimeout)
	defer cancel()
	url := "ws://" + p.cfg.Lobby.String() + r.URL.Path
	remote, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: p.client})
	if err != nil {
		p.cfg.Logf("the server's lobby at %s cannot be reached through the VPN: %v", p.cfg.Lobby, err)
		http.Error(w, "the netpak server cannot be reached through the VPN", http.StatusBadGateway)
		return
	}
	local, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		remote.CloseNow()
		return
	}
	p.relay(local, remote)
}

// track counts a goroutine Close waits for, unless the proxy is closed.
func (p *Proxy) track() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	return true
}

// relay carries messages both ways until either side closes, mapping the
// game ports they name.
func (p *Proxy) relay(local, remote *websocket.Conn) {
	local.SetReadLimit(lobbymsg.MaxMessage)
	remote.SetReadLimit(lobbymsg.MaxMessage)
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { done <- p.pump(ctx, local, remote, p.ports.request) }()
	go func() { done <- p.pump(ctx, remote, local, p.ports.reply) }()
	err := <-done
	cancel()
	<-done
	status := websocket.CloseStatus(err)
	if status == -1 {
		status = websocket.StatusGoingAway
	}
	local.Close(status, "")
	remote.Close(status, "")
}

// pump copies messages from src to dst, each through mapMsg.
func (p *Proxy) pump(ctx context.Context, src, dst *websocket.Conn, mapMsg func([]byte) []byte) error {
	for {
		typ, b, err := src.Read(ctx)
		if err != nil {
			return err
		}
		if typ == websocket.MessageText {
			b = mapMsg(b)
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err = dst.Write(wctx, typ, b)
		cancel()
		if err != nil {
			return err
		}
	}
}

// maxStatusBody bounds the status page the proxy passes on.
const maxStatusBody = 1 << 20

// forwardStatus passes the server's status page on: through the tunnel,
// the player reaches the server at no other address.
func (p *Proxy) forwardStatus(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), dialTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.cfg.Lobby.String()+r.URL.Path, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, "the server's status page: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Cache-Control", "Retry-After"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, maxStatusBody))
}
