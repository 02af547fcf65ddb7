package client

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// handleFrame handles one frame from the host, from readLoop.
func (c *Client) handleFrame(typ wire.FrameType, p []byte) error {
	switch typ {
	case wire.FrameRoster:
		ms, err := wire.ParseRoster(p)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.ls.roster = ms
		c.ls.forgetDepartedLocked()
		c.mu.Unlock()
	case wire.FrameJoined:
		m, err := wire.ParseJoined(p)
		if err != nil {
			return err
		}
		c.mu.Lock()
		rv := c.ls.revived
		if m.Ports != 0 && m.Ports&rv.Ports == m.Ports {
			c.ls.revived = wire.Handover{}
		}
		c.mu.Unlock()
		if m.Ports != 0 && m.Ports&rv.Ports == m.Ports {
			c.emit(session.Rejoined(m.Name, m.Ports, rv.From))
			return nil
		}
		c.emit(session.Event{Kind: session.EventJoined, Who: m.Name, Ports: m.Ports})
	case wire.FrameRenamed:
		return c.handleRenamed(p)
	case wire.FrameChat:
		msg, err := wire.ParseText(p)
		if err != nil {
			return err
		}
		c.emit(session.Event{Kind: session.EventChat, Who: c.nameOf(msg.ID), Text: msg.Text})
	case wire.FrameNotice:
		msg, err := wire.ParseText(p)
		if err != nil {
			return err
		}
		c.emit(session.Event{Kind: session.EventNotice, Text: msg.Text})
	case wire.FrameAutoLagOn:
		on, err := wire.ParseBool(p)
		if err != nil {
			return fmt.Errorf("parse autolag-on: %w", err)
		}
		c.autoLag.Store(on)
	case wire.FrameSched:
		return c.handleSched(p)
	case wire.FrameStarted:
		return c.handleStarted(p)
	case wire.FrameLeft:
		return c.handleLeft(p)
	case wire.FrameInputs:
		var bt wire.Batch
		if err := wire.ParseBatch(p, &bt); err != nil {
			return err
		}
		c.mu.Lock()
		c.ls.handleBatchLocked(&bt)
		c.mu.Unlock()
	case wire.FramePong:
		return c.handlePong(p)
	case wire.FrameDesync:
		d, err := wire.ParseChecksum(p)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.ls.core.desync = true
		c.mu.Unlock()
		c.emit(session.Event{Kind: session.EventDesync, Who: c.nameOf(d.ID), Poll: d.From, Count: d.Count})
	case wire.FrameGameOver:
		return c.handleGameOver(p)
	case wire.FrameHandover:
		return c.handleHandover(p)
	case wire.FrameMemberCheats:
		cn, err := wire.ParseCheatNames(p)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if _, known := c.ls.cheats[cn.ID]; known || len(c.ls.cheats) < 2*wire.MaxMembers {
			c.ls.cheats[cn.ID] = cn.Names
		}
		c.mu.Unlock()
	case wire.FrameMemberEmulator:
		e, err := wire.ParseEmulator(p)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if _, known := c.ls.emulators[e.ID]; known || len(c.ls.emulators) < 2*wire.MaxMembers {
			c.ls.emulators[e.ID] = e
		}
		c.mu.Unlock()
	case wire.FrameRevive:
		return c.handleRevive(p)
	case wire.FrameCoreData:
		return c.handleCoreData(p)
	case wire.FrameSyncData:
		return c.handleSyncData(p)
	case wire.FrameMemberManifest:
		id, savesOnly, m, err := wire.ParseMemberManifest(p)
		if err != nil {
			return err
		}
		mf := check.Manifest{M: m, SavesOnly: savesOnly}
		c.mu.Lock()
		if _, known := c.ls.manifests[id]; known || len(c.ls.manifests) < 2*wire.MaxMembers {
			c.ls.manifests[id] = mf
		}
		c.mu.Unlock()
	default:
		return fmt.Errorf("unexpected %v frame", typ)
	}
	return nil
}

// handleRenamed gives a member of the roster its new name.
func (c *Client) handleRenamed(p []byte) error {
	m, err := wire.ParseJoined(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	i := slices.IndexFunc(c.ls.roster, func(o session.Member) bool { return o.ID == m.ID })
	var old string
	if i >= 0 {
		old = c.ls.roster[i].Name
		c.ls.roster[i].Name = m.Name
	}
	c.mu.Unlock()
	if i >= 0 {
		c.emit(session.Event{Kind: session.EventRenamed, Who: old, Text: m.Name})
	}
	return nil
}

// nameOf returns a member's name from the roster.
func (c *Client) nameOf(id uint16) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.ls.roster {
		if m.ID == id {
			return m.Name
		}
	}
	if id == c.id {
		return c.cfg.Name
	}
	if id == 0 {
		return "the host"
	}
	return "a member who left"
}

// addSchedLocked adds a lag policy change the host made. Entries before
// the poll this client is at are spent; a client that replays the game to
// catch up, far behind every change the host still keeps, publishes
// nothing before it caught up, so of those it keeps the newest.
func (ls *clientGame) addSchedLocked(e lockstep.SchedEntry) error {
	if e.From < ls.next {
		return fmt.Errorf("schedule change at poll %d, already at %d: %w", e.From, ls.next, wire.ErrBadValue)
	}
	ls.sched.Prune(ls.next)
	err := ls.sched.Add(e)
	if errors.Is(err, lockstep.ErrScheduleFull) {
		ls.sched.Prune(ls.sched.Entries[1].From)
		err = ls.sched.Add(e)
	}
	if err != nil {
		return fmt.Errorf("schedule change at poll %d: %w", e.From, err)
	}
	return nil
}

func (c *Client) handleSched(p []byte) error {
	m, err := wire.ParseSched(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	ls := &c.ls
	if m.Entry.From == 0 {
		ls.sched.Reset(m.Entry)
	} else if err := ls.addSchedLocked(m.Entry); err != nil {
		c.mu.Unlock()
		return err
	}
	ls.epoch = m.Epoch
	ls.golfAsked = time.Time{}
	first := !ls.joinedSched
	ls.joinedSched = true
	// Joining a running game, the changes made before come first: they
	// are its history, not news.
	history := ls.lateJoin && !ls.playing
	c.mu.Unlock()
	if first {
		close(c.joined) // the roster came first: the join is complete, lag and all
	}
	c.wake()
	if m.Entry.Cause != lockstep.CauseInitial && !history {
		c.emit(session.SchedEvent(m.Entry, c.nameOf(m.Entry.Actor)))
	}
	return nil
}

func (c *Client) handleStarted(p []byte) error {
	st, err := wire.ParseStarted(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	ls := &c.ls
	if ls.playing {
		c.mu.Unlock()
		return errors.New("started twice")
	}
	ls.playing, ls.active, ls.next, ls.lateJoin = true, st.Active, st.First, false
	if st.CatchUp {
		ls.catchUp = c.ports & st.Active
	}
	ls.grant = max(ls.grant, st.Grant)
	ls.core.slots = st.Slots
	close(ls.core.started)
	for k := range session.NumPorts {
		ls.streams[k].Skip(st.First)
	}
	c.mu.Unlock()
	c.wake()
	switch {
	case st.CatchUp && c.ports == 0:
		c.emit(session.Event{Kind: session.EventStarted, Poll: st.First, Text: session.ReplayText})
		return nil
	case st.CatchUp:
		c.emit(session.Event{Kind: session.EventStarted, Poll: st.First, Text: session.CatchUpText})
		return nil
	}
	c.emit(session.Event{Kind: session.EventStarted, Poll: st.First})
	return nil
}

func (c *Client) handleLeft(p []byte) error {
	m, err := wire.ParseLeft(p)
	if err != nil {
		return err
	}
	if m.ID == c.id && m.Reason == session.LeaveKicked {
		c.emit(session.Event{Kind: session.EventNotice, Text: fmt.Sprintf("the host removed you from the session (%v)", m.Reason)})
		c.fail(session.ErrKicked)
		return nil
	}
	name := c.nameOf(m.ID)
	c.mu.Lock()
	for k := range session.NumPorts {
		if m.Ports.Has(k) && c.ls.playing && c.ls.active.Has(k) {
			c.ls.emptyFrom[k] = min(c.ls.emptyFrom[k], m.From)
		}
	}
	c.ls.pushCoreLocked()
	c.mu.Unlock()
	c.wake()
	if m.ID != 0 {
		c.emit(session.Event{Kind: session.EventLeft, Who: name, Reason: m.Reason, Ports: m.Ports, Poll: m.From})
	}
	return nil
}

func (c *Client) handlePong(p []byte) error {
	r := wire.Reader{B: p}
	sent := r.U64()
	if err := r.Done(); err != nil {
		return err
	}
	rtt := time.Duration(time.Now().UnixNano() - int64(sent))
	if rtt < 0 || rtt > time.Minute {
		return nil
	}
	c.mu.Lock()
	c.ls.rtt, c.ls.rttKnown = rtt, true
	c.mu.Unlock()
	return nil
}

// udpLoop reads the host's datagrams. Anything not from the host with this
// client's token is ignored.
func (c *Client) udpLoop() {
	buf := make([]byte, wire.MaxDatagram+1)
	var bt wire.Batch
	for {
		n, err := c.udp.Read(buf)
		if err != nil {
			select {
			case <-c.closing:
				return
			default:
				continue // ICMP unreachable while the host is not listening yet
			}
		}
		kind, token, body, err := wire.ParseDgramHeader(buf[:n])
		if err != nil || token != c.token {
			continue
		}
		c.mu.Lock()
		c.ls.udpSeen = time.Now()
		if kind == wire.DgramInputs && wire.ParseBatch(body, &bt) == nil {
			c.ls.handleBatchLocked(&bt)
		}
		c.mu.Unlock()
	}
}

// udpHelloLoop registers the client's UDP address with the host and keeps
// it (and any NAT mapping) fresh. It says when UDP does not get through and
// inputs go over TCP instead.
func (c *Client) udpHelloLoop() {
	hello := wire.AppendDgramHeader(nil, wire.DgramHello, c.token)
	start := time.Now()
	warned := false
	t := time.NewTicker(udpHelloEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		c.mu.Lock()
		works := c.ls.udpWorks(time.Now())
		c.mu.Unlock()
		switch {
		case !works && !warned && time.Since(start) > udpGiveUp && c.Err() == nil && !c.closed.Load():
			// (A client that says goodbye hears no more datagrams.)
			warned = true
			c.emit(session.Event{Kind: session.EventTransport, Text: "UDP to the host does not get through; inputs go over TCP"})
		case works && warned:
			warned = false
			c.emit(session.Event{Kind: session.EventTransport, Text: "UDP to the host works again"})
		}
		if !works || i%3 == 0 {
			c.udp.Write(hello)
		}
		select {
		case <-c.closing:
			return
		case <-t.C:
		}
	}
}

// forgetDepartedLocked drops the manifests and emulator statuses of
// members no longer in the roster, which bounds the tables by the host's
// member limit.
func (ls *clientGame) forgetDepartedLocked() {
	gone := func(id uint16) bool {
		return id != ls.c.id && !slices.ContainsFunc(ls.roster, func(m session.Member) bool { return m.ID == id })
	}
	maps.DeleteFunc(ls.manifests, func(id uint16, _ check.Manifest) bool { return gone(id) })
	maps.DeleteFunc(ls.emulators, func(id uint16, _ wire.Emulator) bool { return gone(id) })
	maps.DeleteFunc(ls.cheats, func(id uint16, _ []string) bool { return gone(id) })
}

// handleGameOver returns the client to the lobby: a Poll waiting in the
// ended game returns ErrEnded.
func (c *Client) handleGameOver(p []byte) error {
	g, err := wire.ParseGameOver(p)
	if err != nil {
		return err
	}
	who := ""
	if g.Why == wire.GameStopped {
		who = c.nameOf(g.Actor)
	}
	c.mu.Lock()
	c.ls.resetGameLocked()
	games := c.ls.games
	c.mu.Unlock()
	c.wake()
	c.emit(session.Event{Kind: session.EventEnded, Who: who, Count: games})
	return nil
}
