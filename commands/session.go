package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/lobby/lobbyclient"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/saves"
)

// Session is the Controller of a real console: it hosts with host.Host and
// joins with client.Client. Set the fields before the first call; its methods
// are safe for concurrent use.
type Session struct {
	// Settings are the session's settings; /name, /lag and /golf outside a
	// session change them.
	Settings Settings
	// Events prints one session event line ("<Bob> hi"). It is called from
	// one goroutine at a time and must be safe to call while the console
	// reads a line.
	Events func(line string)
	// Logf, if set, receives diagnostics from the host and client.
	Logf func(format string, args ...any)
	// Play runs the game once it starts, until ctx ends. Nil runs the
	// emulator when Settings.Emulator names a ROM, and otherwise plays the
	// simulated game at 60 polls/s.
	Play func(ctx context.Context, c *client.Client) error
	// Tunnels is the built-in VPN; nil means /server vpn and invites are
	// refused.
	Tunnels Tunnels
	// Executable is the program run as the emulator child; "" means this
	// process's own executable (see launcher.Start).
	Executable string
	// PlayerKey proves, when this console joins a running game it left,
	// that it is the player who left (client.Config.PlayerKey); keep it
	// on disk (LoadOrCreatePlayerKey) so that it outlives a crash. Zero
	// makes a random key for this Session's life.
	PlayerKey [16]byte

	keyOnce sync.Once // makes PlayerKey if it is zero

	mu        sync.Mutex // guards cur, joining and rejoining
	cur       *live
	joining   bool       // a join is under way, without the lock
	rejoining *rejoinRun // the rejoin under way; nil when none is

	// afterBreak and beforeRejoin, if set (tests), run when a session's
	// client ended, and between the end of a session whose connection
	// broke and its rejoin's first dial.
	afterBreak   func()
	beforeRejoin func(context.Context)
}

// live is one session this console is in.
type live struct {
	c        *client.Client
	h        *host.Host // nil unless hosting
	served   chan error // one value per Serve goroutine
	serves   int
	vh       TunnelHost                    // nil unless hosting through the VPN
	vhReady  atomic.Pointer[tunnelHostRef] // vh, for the host's event callback
	pending  sync.WaitGroup                // delayed tunnel kicks
	stopping chan struct{}                 // closed when the host stops
	tun      Tunnel                        // nil unless joined through the VPN
	addr     string
	target   string // what Connect was given: an address or an invite; "" when hosting
	ev       *eventQueue
	printed  chan struct{} // closed when eventLoop has printed the last event
	play     context.CancelFunc
	played   chan struct{} // closed when the game goroutine ended
	once     sync.Once
	game     *game               // nil without a ROM: nothing to compare
	syncIn   chan syncItem       // items the host's player sent with /sync
	syncing  sync.Mutex          // one sync at a time: /sync's, /start's and autostart's
	room     *lobbyclient.Client // the lobby seat of a netpak server's room; nil otherwise
}

var _ Controller = (*Session)(nil)

// SetName changes the name to join with; in a session it asks the host,
// and the name changes when the host says so (renamed).
func (s *Session) SetName(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return s.cur.c.Rename(name)
	}
	s.Settings.Name = name
	return nil
}

// renamed takes the name the host gave this player, from old: a rejoin
// joins with it.
func (s *Session) renamed(old, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old == s.Settings.PlayerName() {
		s.Settings.Name = name
	}
}

// Serve hosts a session and joins it through loopback as its own player.
// With srv.VPN it serves the session inside a tunnel too, and with the
// vpn_only setting only there (and on loopback for the host's player).
func (s *Session) Serve(ctx context.Context, srv Server) (Hosted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.busyLocked(); err != nil {
		return Hosted{}, err
	}
	if srv.VPN && s.Tunnels == nil {
		return Hosted{}, errors.New("this netpak has no built-in VPN")
	}
	g, err := s.Settings.Emulator.loadGame()
	if err != nil {
		return Hosted{}, err
	}
	bind, vpnOnly := s.Settings.Bind, srv.VPN && s.Settings.VPNOnly
	if vpnOnly {
		bind = "127.0.0.1"
	}
	ln, pc, port, err := listenPair(bind, srv.Port)
	if err != nil {
		return Hosted{}, listenError(srv.Port, err)
	}
	hcfg := s.Settings.HostConfig()
	hcfg.Logf = s.Logf
	l := &live{served: make(chan error, 2), stopping: make(chan struct{}), addr: "port " + strconv.Itoa(port), game: g}
	hcfg.OnEvent = l.freeTunnelPeer
	l.h = host.New(hcfg)
	l.serve(ln, pc)
	hosted := Hosted{Port: port, VPNOnly: vpnOnly}
	if !vpnOnly {
		hosted.Addrs = LANAddrs(bind)
	}
	if srv.VPN {
		if err := s.serveTunnel(l, vpnOnly); err != nil {
			l.stopHost()
			return Hosted{}, err
		}
		dctx, cancel := context.WithTimeout(ctx, discoverWait)
		hosted.Reach = l.vh.Discover(dctx) // before the invite, which then names what it found
		cancel()
		hosted.VPNPort, hosted.Invite = l.vh.Port(), l.vh.Invite()
	}
	ccfg := s.clientConfig()
	ccfg.OwnerKey = l.h.OwnerKey()
	if err := s.dial(ctx, l, loopbackFor(bind, port), ccfg); err != nil {
		l.stopHost()
		return Hosted{}, err
	}
	s.startLocked(l) // the host's own player joins at once: loopback, no tunnel
	s.syncPeers(l)
	if g != nil && s.Settings.HostWins && s.Settings.AutoStart > 0 {
		go s.syncForAutostart(l, s.Settings.AutoStart)
	}
	return hosted, nil
}

// serve serves l's session on ln and pc until the host closes.
func (l *live) serve(ln net.Listener, pc net.PacketConn) {
	l.serves++
	go func() { l.served <- l.h.Serve(ln, pc) }()
}

// stopHost closes l's host and tunnel and waits for them. It is called
// once.
func (l *live) stopHost() {
	close(l.stopping)
	l.h.Close()
	for range l.serves {
		<-l.served
	}
	l.pending.Wait()
	if l.vh != nil {
		l.vh.Close()
	}
}

// Connect joins someone else's session, at an address or through the
// built-in VPN with an invite.
func (s *Session) Connect(ctx context.Context, target string) error {
	s.mu.Lock()
	if s.rejoining != nil {
		s.mu.Unlock()
		return s.rejoiningErr()
	}
	s.mu.Unlock()
	return s.connect(ctx, target)
}

// busyLocked says why the console cannot start another session now, if
// it cannot.
func (s *Session) busyLocked() error {
	switch {
	case s.rejoining != nil:
		return s.rejoiningErr()
	case s.cur != nil || s.joining:
		return errors.New("already in a session")
	}
	return nil
}

func (s *Session) rejoiningErr() error {
	return fmt.Errorf("rejoining %s; /leave stops that first", s.rejoining.addr)
}

// connect is Connect, for a rejoin too.
func (s *Session) connect(ctx context.Context, target string) error {
	s.mu.Lock()
	if s.cur != nil || s.joining {
		s.mu.Unlock()
		return errors.New("already in a session")
	}
	g, err := s.Settings.Emulator.loadGame()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.joining = true
	if isInvite(target) {
		s.mu.Unlock()
		return s.connectTunnel(ctx, target, g)
	}
	cfg := s.clientConfig()
	s.mu.Unlock()
	return s.join(ctx, &live{addr: target, target: target, game: g}, target, cfg)
}

// join dials addr for l and makes l the console's session. The caller has
// set s.joining, which join clears, and holds no lock: a dial may take
// the whole join timeout, and meanwhile the prompt, /who and /leave must
// answer.
func (s *Session) join(ctx context.Context, l *live, addr string, cfg client.Config) error {
	err := s.dial(ctx, l, addr, cfg)
	s.mu.Lock()
	s.joining = false
	stopped := err == nil && ctx.Err() != nil // /leave stopped a rejoin as it got through
	if err == nil && !stopped {
		s.startLocked(l)
	}
	s.mu.Unlock()
	if stopped {
		l.c.Close() // says goodbye: not under the lock
		return ctx.Err()
	}
	return err
}

// dial joins the session at addr as l's client.
func (s *Session) dial(ctx context.Context, l *live, addr string, cfg client.Config) error {
	var mf saves.Manifest
	if l.game != nil {
		var err error
		if mf, err = l.game.manifest(); err != nil {
			return err
		}
	}
	l.ev = newEventQueue()
	l.syncIn = make(chan syncItem, syncQueueLen)
	l.printed = make(chan struct{})
	cfg.Logf = s.Logf
	cfg.OnSync = func(from string, kind session.SyncKind, data []byte) {
		select {
		case l.syncIn <- syncItem{from: from, kind: kind, data: data}:
		default:
			s.print(fmt.Sprintf("dropped %v from %s: too many transfers at once; ask for /sync again", kind, from))
		}
	}
	cfg.OnEvent = l.ev.push
	cfg.Manifest = mf
	cfg.Replay = l.game != nil // an emulator plays the game from power-on
	c, err := client.Dial(ctx, addr, cfg)
	if err != nil {
		return dialError(addr, err)
	}
	l.c = c
	if l.game != nil {
		c.SetCheatNames(l.game.cheatNames()) // the manifest went with the join; the names follow it
	}
	return nil
}

// startLocked makes l, dialled, the console's session, and ends it when
// its client does.
func (s *Session) startLocked(l *live) {
	s.cur = l
	go s.eventLoop(l)
	go s.watch(l)
}

// eventLoop prints l's events, starts the game when it starts, and
// writes what the host's player sends with /sync.
func (s *Session) eventLoop(l *live) {
	defer close(l.printed)
	for {
		select {
		case <-l.ev.ready:
			evs, dropped, done := l.ev.take()
			if dropped > 0 {
				s.print(fmt.Sprintf("(%d chat lines and notices not shown: too many at once)", dropped))
			}
			for _, e := range evs {
				s.event(l, e)
			}
			if done {
				return
			}
		case it := <-l.syncIn:
			s.receiveSync(l, it)
		}
	}
}

func (s *Session) event(l *live, e session.Event) {
	switch {
	case e.Kind == session.EventStarted:
		s.startPlay(l)
	case e.Kind == session.EventEnded:
		s.stopPlay(l)
	case e.Kind == session.EventLeft && !l.c.Status().Playing:
		e.Ports = 0 // in the lobby no port "reads empty from poll 0"
	case e.Kind == session.EventRenamed:
		s.renamed(e.Who, e.Text)
	}
	if e.Kind == session.EventJoined || e.Kind == session.EventLeft {
		s.syncPeers(l)
	}
	s.print(e.String())
}

func (s *Session) print(line string) {
	if s.Events != nil {
		s.Events(line)
	}
}

func (s *Session) startPlay(l *live) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != l || l.play != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.play, l.played = cancel, make(chan struct{})
	play := s.Play
	switch {
	case play == nil && s.Settings.Emulator.ROM != "":
		play = s.playEmulator
	case play == nil:
		play = playSimulated
	}
	go func() {
		defer close(l.played)
		if err := play(ctx, l.c); err != nil && ctx.Err() == nil && !errors.Is(err, errSaid) && !errors.Is(err, session.ErrClosed) && !errors.Is(err, session.ErrEnded) && !errors.Is(err, session.ErrHostGone) {
			s.print(err.Error())
		}
	}()
}

// stopPlay ends this console's part of a game that is over: the emulator
// or the simulated game stops, and the next EventStarted plays again.
func (s *Session) stopPlay(l *live) {
	s.mu.Lock()
	stop, played := l.play, l.played
	l.play = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-played
	}
}

// playSimulated plays netpak's simulated game, standing in for an emulator
// when no ROM is configured.
func playSimulated(ctx context.Context, c *client.Client) error {
	_, err := sim.Run(ctx, c, sim.Config{Polls: math.MaxUint32, Rate: 60, Script: sim.Script{Seed: uint64(c.ID())}})
	if err != nil {
		return fmt.Errorf("the game stopped: %w", err)
	}
	return nil
}

// end tears l down once: the game, the client, the host, then the last
// events. It tells the user why the session ended unless they left. It
// reports whether this call tore l down.
func (s *Session) end(l *live) (tore bool) {
	l.once.Do(func() {
		tore = true
		s.mu.Lock()
		if s.cur == l {
			s.cur = nil
		}
		s.mu.Unlock()
		l.c.Quitting() // the emulator stops because the player leaves: its port is held for a rejoin
		s.stopPlay(l)
		err := l.c.Err()
		l.c.Close()
		if l.tun != nil {
			l.tun.Close()
		}
		if l.h != nil {
			l.stopHost()
		}
		l.ev.close()
		<-l.printed
		if err != nil && !errors.Is(err, session.ErrClosed) && !errors.Is(err, session.ErrHostGone) {
			s.print(fmt.Sprintf("left the session: %v", err))
		}
	})
	return tore
}

// Leave leaves the session, closing it if this console hosts it, or stops
// trying to rejoin one.
func (s *Session) Leave() error {
	s.stopRejoin()
	s.mu.Lock()
	l := s.cur // a rejoin that got through as it was stopped, too
	s.mu.Unlock()
	if l != nil {
		s.end(l)
		s.stopRejoin() // one planned as this /leave ended l
	}
	return nil
}

// stopRejoin stops the rejoin under way, if one is, and waits for it: soon,
// as a rejoin's dial ends with its context.
func (s *Session) stopRejoin() {
	s.mu.Lock()
	rj := s.rejoining
	s.mu.Unlock()
	if rj != nil {
		rj.stop()
		<-rj.done
	}
}

// gameOf returns the game of the session c plays in: nil once that
// session ended, or if it plays no ROM.
func (s *Session) gameOf(c *client.Client) *game {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.cur.c != c {
		return nil
	}
	return s.cur.game
}

func (s *Session) client() (*client.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil, errOffline
	}
	return s.cur.c, nil
}

// SetLag sets everyone's lag, or outside a session the lag to host with.
func (s *Session) SetLag(lag uint8) error {
	s.mu.Lock()
	if s.cur == nil {
		s.Settings.Lag = int(lag)
		s.mu.Unlock()
		return nil
	}
	c := s.cur.c
	s.mu.Unlock()
	return c.SetLag(lag)
}

// ToggleGolf toggles golf mode, or outside a session whether to host with
// it.
func (s *Session) ToggleGolf() error {
	s.mu.Lock()
	if s.cur == nil {
		s.Settings.Golf = !s.Settings.Golf
		s.mu.Unlock()
		return nil
	}
	c := s.cur.c
	s.mu.Unlock()
	return c.ToggleGolf()
}

// SetAutoLag turns autolag on or off in the session, or outside one sets
// whether a session hosted here starts with it.
func (s *Session) SetAutoLag(on bool) error {
	s.mu.Lock()
	if s.cur == nil {
		s.Settings.AutoLag = on
		s.mu.Unlock()
		return nil
	}
	c := s.cur.c
	s.mu.Unlock()
	return c.SetAutoLag(on)
}

// Chat says text to the session.
func (s *Session) Chat(text string) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	return c.Chat(text)
}

// State returns a snapshot of the session.
func (s *Session) State() State {
	s.mu.Lock()
	l := s.cur
	st := State{Name: s.Settings.PlayerName(), Lag: uint8(s.Settings.Lag), AutoLag: s.Settings.AutoLag, Golf: s.Settings.Golf}
	if l != nil && l.room != nil {
		for i, n := range l.room.Players() {
			st.Room[i] = lobbyclient.Printable(n, lobbymsg.MaxPlayerName)
		}
	}
	if s.rejoining != nil {
		st.Rejoining = s.rejoining.addr
	}
	s.mu.Unlock()
	if l == nil {
		return st
	}
	cs := l.c.Status()
	st.Phase, st.Hosting, st.Addr = Lobby, l.h != nil, l.addr
	st.VPN = l.vh != nil || l.tun != nil
	if l.tun != nil {
		st.Path = l.tun.Path().String()
	}
	if l.vh != nil {
		st.Peers, _ = l.vh.Peers() // /who without them still lists the members
	}
	if cs.Playing {
		st.Phase = Playing
	}
	st.Lag, st.AutoLag, st.Golf, st.Seat, st.SeatLag, st.Poll, st.Pace = cs.Lag, cs.AutoLag, cs.Golf, cs.Seat, cs.SeatLag, cs.Poll, cs.Pace
	st.Self, st.RTT, st.UDP, st.Members = cs.ID, cs.RTT, cs.UDP, cs.Members
	if l.h != nil {
		st.Members = l.h.Members() // the host knows everyone's current ping
	}
	return st
}
