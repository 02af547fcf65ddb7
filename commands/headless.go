package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/session"
)

// serveHeadlessTunnel starts the tunnel host for a headless session and
// serves the session inside it, printing how players get in.
func serveHeadlessTunnel(ctx context.Context, h *host.Host, s Settings, tunnels Tunnels, served chan<- error, stamp func(string), logf func(string, ...any)) (TunnelHost, error) {
	cfg, err := s.TunnelHostConfig(session.NumPorts+rejoinSlack, logf)
	if err != nil {
		return nil, err
	}
	vh, err := tunnels.Host(cfg)
	if err != nil {
		return nil, err
	}
	ln, pc, err := vh.Listen(TunnelSessionPort)
	if err != nil {
		vh.Close()
		return nil, fmt.Errorf("serve inside the tunnel: %w", err)
	}
	go func() { served <- h.Serve(ln, pc) }()
	dctx, cancel := context.WithTimeout(ctx, discoverWait)
	defer cancel()
	stamp("reachability: " + vh.Discover(dctx))
	stamp(fmt.Sprintf("serving the session inside the built-in VPN (UDP port %d); players join with: netpak join %s", vh.Port(), vh.Invite()))
	return vh, nil
}

// statusEvery is how often a headless host says how the game goes.
const statusEvery = 10 * time.Second

// StatusLine says how a game went over the last interval: how far it has
// come, at what pace, at which lag, and whom the players waited on, the
// longest waited on first; "" when no game runs. A game that started
// within the interval has no pace yet: measured over the whole interval,
// its time in the lobby would count as a slow game.
func StatusLine(prev, cur host.Stats, interval time.Duration, members []session.Member) string {
	if cur.Poll == 0 {
		return ""
	}
	line := "playing: poll " + session.Thousands(cur.Poll)
	if prev.Poll > 0 && cur.Poll >= prev.Poll && interval > 0 {
		line += fmt.Sprintf(", %.1f polls/s", float64(cur.Poll-prev.Poll)/interval.Seconds())
	}
	line += fmt.Sprintf(", lag %d", cur.Lag)
	var waits []session.Member
	for _, m := range members {
		if m.Ports != 0 && m.WaitedMillis > 0 {
			waits = append(waits, m)
		}
	}
	if len(waits) == 0 {
		return line + "; nobody was waited on"
	}
	slices.SortFunc(waits, func(a, b session.Member) int { return cmp.Compare(b.WaitedMillis, a.WaitedMillis) })
	var who []string
	for _, m := range waits {
		who = append(who, fmt.Sprintf("%s %s", m.Name, session.FormatWait(m.WaitedMillis)))
	}
	return line + "; this game the others waited on " + strings.Join(who, ", ")
}

// RunHost serves a session without a console until ctx ends, game after
// game, printing each event with a time stamp through out: autostart
// starts the first game when AutoStart players have joined, and each next
// one when someone joins after a game ended. With AutoStart 0 nobody could
// start a game, so it refuses. With s.VPN it also serves
// the session inside the built-in VPN (tunnels must then be set) and
// prints the invite.
func RunHost(ctx context.Context, s Settings, tunnels Tunnels, out func(line string), logf func(string, ...any)) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.VPN && tunnels == nil {
		return errors.New("this netpak has no built-in VPN")
	}
	if s.AutoStart == 0 {
		return errors.New("a host without a console has nobody to type /start: set --autostart N (or autostart in the session file)")
	}
	q := newEventQueue()
	cfg := s.HostConfig()
	cfg.Logf, cfg.OnEvent = logf, q.push
	h := host.New(cfg)
	served := make(chan error, 2)
	serving := 0 // Serve calls running
	stamp := func(line string) { out(time.Now().Format("15:04:05 ") + line) }
	if !s.VPN || !s.VPNOnly {
		ln, pc, port, err := listenPair(s.Bind, s.Port)
		if err != nil {
			h.Close()
			return err
		}
		serving++
		go func() { served <- h.Serve(ln, pc) }()
		stamp(fmt.Sprintf("hosting on port %d (TCP and UDP): %s, golf %s, starts when %s joined",
			port, lagText(State{Lag: uint8(s.Lag), AutoLag: s.AutoLag}), onOff(s.Golf), count(s.AutoStart, "player")+pick(s.AutoStart == 1, " has", " have")))
	}
	if s.VPN {
		vh, err := serveHeadlessTunnel(ctx, h, s, tunnels, served, stamp, logf)
		if err != nil {
			h.Close()
			for ; serving > 0; serving-- {
				<-served
			}
			return err
		}
		serving++
		defer vh.Close()
	}
	var result error
	tick := time.NewTicker(statusEvery)
	defer tick.Stop()
	last, lastAt := h.Stats(), time.Now()
loop:
	for {
		select {
		case <-tick.C:
			cur, now := h.Stats(), time.Now()
			if line := StatusLine(last, cur, now.Sub(lastAt), h.Members()); line != "" {
				stamp(line)
			}
			last, lastAt = cur, now
		case <-ctx.Done():
			stamp("stopping")
			break loop
		case err := <-served:
			serving--
			result = fmt.Errorf("serve: %w", err)
			break loop
		case <-q.ready:
			evs, dropped, _ := q.take()
			if dropped > 0 {
				stamp(fmt.Sprintf("(%d chat lines and notices not shown: too many at once)", dropped))
			}
			for _, e := range evs {
				stamp(e.String())
			}
		}
	}
	h.Close()
	for ; serving > 0; serving-- {
		<-served
	}
	return result
}
