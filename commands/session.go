package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/sim"
)

// eventQueueLen bounds the events waiting to be printed; beyond it they
// are counted and dropped, because a host callback must never block.
const eventQueueLen = 256

// Session is the Controller of a real console: it hosts with host.Host and
// joins with host.Client. Set the fields before the first call; its methods
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
	// Play runs the game once it starts, until ctx ends. Nil plays the
	// simulated game at 60 polls/s, standing in for an emulator.
	Play func(ctx context.Context, c *host.Client) error

	mu   sync.Mutex // guards cur
	cur  *live
	lost int // events dropped because the queue was full
}

// live is one session this console is in.
type live struct {
	c       *host.Client
	h       *host.Host // nil unless hosting
	served  chan error
	addr    string
	ev      chan host.Event
	printed chan struct{} // closed when eventLoop has printed the last event
	play    context.CancelFunc
	played  chan struct{} // closed when the game goroutine ended
	once    sync.Once
}

var _ Controller = (*Session)(nil)

// SetName changes the name to join with.
func (s *Session) SetName(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return fmt.Errorf("you joined as %s; a name cannot change inside a session", s.Settings.PlayerName())
	}
	s.Settings.Name = name
	return nil
}

// Serve hosts a session and joins it through loopback as its own player.
func (s *Session) Serve(ctx context.Context, port int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return 0, errors.New("already in a session")
	}
	ln, pc, port, err := listenPair(s.Settings.Bind, port)
	if err != nil {
		return 0, err
	}
	hcfg := s.Settings.HostConfig()
	hcfg.Logf = s.Logf
	h := host.New(hcfg)
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln, pc) }()
	l := &live{h: h, served: served, addr: "port " + strconv.Itoa(port)}
	ccfg := s.Settings.ClientConfig()
	ccfg.OwnerKey = h.OwnerKey()
	if err := s.joinLocked(ctx, l, loopbackFor(s.Settings.Bind, port), ccfg); err != nil {
		h.Close()
		<-served
		return 0, err
	}
	return port, nil
}

// Connect joins someone else's session.
func (s *Session) Connect(ctx context.Context, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return errors.New("already in a session")
	}
	return s.joinLocked(ctx, &live{addr: addr}, addr, s.Settings.ClientConfig())
}

func (s *Session) joinLocked(ctx context.Context, l *live, addr string, cfg host.ClientConfig) error {
	l.ev = make(chan host.Event, eventQueueLen)
	l.printed = make(chan struct{})
	cfg.Logf = s.Logf
	cfg.OnEvent = func(e host.Event) {
		select {
		case l.ev <- e:
		default:
			s.mu.Lock()
			s.lost++
			s.mu.Unlock()
		}
	}
	c, err := host.Dial(ctx, addr, cfg)
	if err != nil {
		return err
	}
	l.c = c
	waitRoster(c)
	s.cur = l
	go s.eventLoop(l)
	go func() {
		<-c.Done()
		s.end(l)
	}()
	return nil
}

// waitRoster waits briefly for the first roster, which the host sends
// after the session's lag and golf settings, so the first prompt shows them.
// TODO(integrator): drop this once host.Dial returns with them.
func waitRoster(c *host.Client) {
	deadline := time.Now().Add(time.Second)
	for len(c.Status().Members) == 0 && time.Now().Before(deadline) {
		select {
		case <-c.Done():
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// eventLoop prints l's events and starts the game when it starts.
func (s *Session) eventLoop(l *live) {
	defer close(l.printed)
	for e := range l.ev {
		switch {
		case e.Kind == host.EventStarted:
			s.startPlay(l)
		case e.Kind == host.EventLeft && !l.c.Status().Playing:
			e.Ports = 0 // in the lobby no port "reads empty from poll 0"
		}
		s.print(e.String())
	}
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
	if play == nil {
		play = playSimulated
	}
	go func() {
		defer close(l.played)
		if err := play(ctx, l.c); err != nil && ctx.Err() == nil && !errors.Is(err, host.ErrClosed) {
			s.print(fmt.Sprintf("the game stopped: %v", err))
		}
	}()
}

// playSimulated plays netpak's simulated game, standing in for an emulator
// until one is wired in.
func playSimulated(ctx context.Context, c *host.Client) error {
	_, err := sim.Run(ctx, c, sim.Config{Polls: math.MaxUint32, Rate: 60, Script: sim.Script{Seed: uint64(c.ID())}})
	return err
}

// end tears l down once: the game, the client, the host, then the last
// events. It tells the user why the session ended unless they left.
func (s *Session) end(l *live) {
	l.once.Do(func() {
		s.mu.Lock()
		if s.cur == l {
			s.cur = nil
		}
		s.mu.Unlock()
		if l.play != nil {
			l.play()
			<-l.played
		}
		err := l.c.Err()
		l.c.Close()
		if l.h != nil {
			l.h.Close()
			<-l.served
		}
		close(l.ev)
		<-l.printed
		if err != nil && !errors.Is(err, host.ErrClosed) && !errors.Is(err, host.ErrHostGone) {
			s.print(fmt.Sprintf("left the session: %v", err))
		}
	})
}

// Leave leaves the session, closing it if this console hosts it.
func (s *Session) Leave() error {
	s.mu.Lock()
	l := s.cur
	s.mu.Unlock()
	if l != nil {
		s.end(l)
	}
	return nil
}

func (s *Session) client() (*host.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil, errOffline
	}
	return s.cur.c, nil
}

// Start asks the host to start the game.
func (s *Session) Start() error {
	c, err := s.client()
	if err != nil {
		return err
	}
	return c.Start()
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
	st := State{Name: s.Settings.PlayerName(), Lag: uint8(s.Settings.Lag), Golf: s.Settings.Golf}
	s.mu.Unlock()
	if l == nil {
		return st
	}
	cs := l.c.Status()
	st.Phase, st.Hosting, st.Addr = Lobby, l.h != nil, l.addr
	if cs.Playing {
		st.Phase = Playing
	}
	st.Lag, st.Golf, st.Seat, st.Poll = cs.Lag, cs.Golf, cs.Seat, cs.Poll
	st.Self, st.RTT, st.UDP, st.Members = cs.ID, cs.RTT, cs.UDP, cs.Members
	if l.h != nil {
		st.Members = l.h.Members() // the host knows everyone's current ping
	}
	return st
}
