package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netpak/netpak/host"
)

// eventQueue carries host events out of the host's callback, which runs
// with the session lock held and must not block: a full queue drops and
// counts.
type eventQueue struct {
	ch      chan host.Event
	dropped int
}

func newEventQueue() *eventQueue { return &eventQueue{ch: make(chan host.Event, eventQueueLen)} }

func (q *eventQueue) push(e host.Event) {
	select {
	case q.ch <- e:
	default:
		q.dropped++ // only the host's callback, serialized by its lock, pushes
	}
}

// RunHost serves a session without a console until ctx ends or the game
// ends, printing each event with a time stamp through out. With AutoStart 0
// nobody could start the game, so it refuses.
func RunHost(ctx context.Context, s Settings, out func(line string), logf func(string, ...any)) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.VPN {
		return errors.New("netpak host does not run the built-in VPN yet; host it from a console: netpak --server --vpn")
	}
	if s.AutoStart == 0 {
		return errors.New("a host without a console has nobody to type /start: set --autostart N (or autostart in the session file)")
	}
	ln, pc, port, err := listenPair(s.Bind, s.Port)
	if err != nil {
		return err
	}
	q := newEventQueue()
	cfg := s.HostConfig()
	cfg.Logf, cfg.OnEvent = logf, q.push
	h := host.New(cfg)
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln, pc) }()
	stamp := func(line string) { out(time.Now().Format("15:04:05 ") + line) }
	stamp(fmt.Sprintf("hosting on port %d (TCP and UDP): lag %d, golf %s, starts when %d players have joined",
		port, s.Lag, onOff(s.Golf), s.AutoStart))
	var result error
loop:
	for {
		select {
		case <-ctx.Done():
			stamp("stopping")
			break loop
		case err := <-served:
			result = fmt.Errorf("serve: %w", err)
			break loop
		case e := <-q.ch:
			stamp(e.String())
			if e.Kind == host.EventEnded {
				break loop
			}
		}
	}
	h.Close()
	if result == nil {
		<-served
	}
	return result
}
