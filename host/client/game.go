package client

import (
	"context"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// clientGame is a client's view of the game: every stream, the schedule, the
// grant and the transport state. It is guarded by Client.mu.
type clientGame struct {
	c *Client

	playing     bool
	games       uint32 // games ended so far
	joinedSched bool   // the first schedule entry arrived (see Client.joined)
	lateJoin    bool   // it joined a running game, whose start it has not been told yet
	next        uint32 // the next poll Poll consumes
	streams     [session.NumPorts]lockstep.Stream
	active      session.PortMask
	emptyFrom   [session.NumPorts]uint32
	authors     [session.NumPorts]lockstep.Author
	hostHas     [session.NumPorts]uint32 // the host holds my ports' inputs below this
	catchUp     session.PortMask         // my ports the host authors while I replay the game I rejoined
	catchUpAt   time.Time                // when I last told the host how far I replayed
	caughtUp    bool                     // I told the host I am close to the live game
	revived     wire.Handover            // ports whose player rejoins, until its join arrives
	stall       stall                    // whom the game waits for, when it stands still
	pace        float64                  // polls per second over the last second or so
	paceAt      time.Time                // when pacePoll was reached
	pacePoll    uint32
	tcpSent     [session.NumPorts]uint32 // my inputs sent over TCP below this

	sched     lockstep.Schedule
	epoch     uint16
	grant     uint32    // polls below this may be started
	golfAsked time.Time // when a golf press was sent and not yet answered; zero: none

	roster     []session.Member
	rtt        time.Duration
	rttKnown   bool      // a pong measured rtt
	udpSeen    time.Time // last datagram from the host
	lastTCPAck time.Time // last inputs frame over TCP

	every   uint32 // checksum range
	sum     uint64
	sumFrom uint32
	summing bool

	core      bridgeCore // the local emulator core, if the bridge serves one
	syncIn    wire.Assembly
	manifests map[uint16]check.Manifest
	emulators map[uint16]wire.Emulator // members' emulator status, as they said
	cheats    map[uint16][]string      // members' cheat names, as they said
	dgram     [wire.MaxDatagram]byte
	resend    *time.Timer // resends unacknowledged inputs when nothing else does
	copy      *time.Timer // sends a poll's datagram again; see copyLaterLocked
	copyDue   bool        // the copy timer runs
}

func (ls *clientGame) init(c *Client) {
	ls.c = c
	ls.manifests = make(map[uint16]check.Manifest)
	ls.emulators = make(map[uint16]wire.Emulator)
	ls.cheats = make(map[uint16][]string)
	ls.core.init()
	ls.sched.Reset(lockstep.SchedEntry{})
	for i := range ls.emptyFrom {
		ls.emptyFrom[i] = lockstep.NotEmpty
	}
	ls.resend = time.AfterFunc(time.Hour, c.resendUnacked)
	ls.resend.Stop()
	ls.copy = time.AfterFunc(time.Hour, c.sendCopy)
	ls.copy.Stop()
	ls.every = c.cfg.ChecksumEvery
	if ls.every == 0 {
		ls.every = DefaultChecksumEvery
	}
}

// Poll runs the next poll of the game: it publishes presses (one per port,
// used for the ports this client owns) and waits until it holds that poll's
// input of every active port. It returns the poll number and the inputs.
// Poll waits, never guesses: missing input means waiting, bounded by ctx
// and by the host's liveness. Between games it waits for the next one.
func (c *Client) Poll(ctx context.Context, presses [session.NumPorts]session.Input) (uint32, [session.NumPorts]session.Input, error) {
	return c.PollGame(ctx, c.GamesEnded(), presses)
}

// GamesEnded is how many of the session's games have ended so far. A
// caller that plays one game notes it before the game and passes it to
// PollGame.
func (c *Client) GamesEnded() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ls.games
}

// PollGame is Poll in the game that comes after the first ended games:
// once that game is over it returns ErrEnded, even when it ended between
// two calls, instead of waiting for the next game.
func (c *Client) PollGame(ctx context.Context, ended uint32, presses [session.NumPorts]session.Input) (uint32, [session.NumPorts]session.Input, error) {
	ls := &c.ls
	var got [session.NumPorts]session.Input
	over := func() bool { return ls.games != ended }
	if err := c.waitLocked(ctx, func() bool { return over() || (ls.playing && ls.next < ls.grant) }); err != nil {
		return 0, got, err
	}
	if over() {
		c.mu.Unlock()
		return 0, got, session.ErrEnded
	}
	p := ls.next
	ls.publishLocked(p, presses)
	ls.sendPressesLocked()
	c.mu.Unlock()
	// The inputs are read under the lock that saw them ready: a rejoin
	// handled in between would make a port read from its stream where it
	// read empty, and the stream may not hold p yet.
	if err := c.waitLocked(ctx, func() bool { return over() || ls.readyLocked(p) }); err != nil {
		return p, got, err
	}
	if over() {
		c.mu.Unlock()
		return p, got, session.ErrEnded
	}
	got = ls.inputsLocked(p)
	ls.consumedLocked(p, got)
	ls.next++
	now := time.Now()
	ls.catchUpLocked(ls.next, now)
	ls.notePaceLocked(ls.next, now)
	c.mu.Unlock()
	return p, got, nil
}

// resetGameLocked forgets the game that ended: the client is back in the
// lobby, ready for the next game from poll 0. The ended game's bridge
// only feeds its emulator until it stops (Bridge); the next game's
// emulator connects to a bridge of its own.
func (ls *clientGame) resetGameLocked() {
	ls.games++
	ls.playing, ls.next, ls.active, ls.grant = false, 0, 0, 0
	ls.streams = [session.NumPorts]lockstep.Stream{}
	ls.authors = [session.NumPorts]lockstep.Author{}
	ls.hostHas, ls.tcpSent = [session.NumPorts]uint32{}, [session.NumPorts]uint32{}
	ls.catchUp, ls.caughtUp = 0, false
	for i := range ls.emptyFrom {
		ls.emptyFrom[i] = lockstep.NotEmpty
	}
	ls.golfAsked, ls.summing = time.Time{}, false
	ls.resend.Stop()
	ls.copy.Stop()
	ls.copyDue = false
	b, turbo := ls.core.bridge, ls.core.turbo
	ls.core = bridgeCore{bridge: b, turbo: turbo}
	ls.core.init()
}

// waitFor waits until cond (called with c.mu held) is true; see
// waitLocked.
func (c *Client) waitFor(ctx context.Context, cond func() bool) error {
	if err := c.waitLocked(ctx, cond); err != nil {
		return err
	}
	c.mu.Unlock()
	return nil
}

// waitLocked waits until cond (called with c.mu held) is true, and
// returns with c.mu still held, unless it returns an error; it resends
// unacknowledged inputs and acks while it waits: every resendInterval, or
// sooner on a link whose round trip is short, where the host's answer to a
// resend comes back within the poll (a lost input then costs the wait for
// an answer, not a poll).
func (c *Client) waitLocked(ctx context.Context, cond func() bool) error {
	var t *time.Timer
	for {
		c.mu.Lock()
		if err := c.Err(); err != nil {
			c.mu.Unlock()
			return err
		}
		if cond() {
			return nil
		}
		c.ls.sendInputsLocked(time.Now())
		again := resendInterval
		if c.ls.rttKnown {
			again = min(c.ls.rtt+4*time.Millisecond, resendInterval)
		}
		c.mu.Unlock()
		if t == nil {
			t = time.NewTimer(again)
			defer t.Stop()
		} else {
			t.Reset(again)
		}
		select {
		case <-c.notify:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.closing:
		}
	}
}

// flush waits up to limit for the host to acknowledge every input this
// client published.
func (c *Client) flush(limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	ls := &c.ls
	c.waitFor(ctx, func() bool { return !ls.unackedLocked() })
}

// publishLocked authors poll p's presses on the client's ports.
func (ls *clientGame) publishLocked(p uint32, presses [session.NumPorts]session.Input) {
	for k := range session.NumPorts {
		if ls.c.ports.Has(k) && ls.active.Has(k) {
			ls.publishPortLocked(k, p, presses[k])
		}
	}
}

// publishPortLocked authors the press made at poll p on port k under the
// lag in force there, and asks for the golf seat when the golf button is
// pressed.
func (ls *clientGame) publishPortLocked(k int, p uint32, in session.Input) {
	c := ls.c
	if ls.catchUp.Has(k) {
		return // the host authors it until I caught up
	}
	e := ls.sched.At(p)
	st := &ls.streams[k]
	ls.authors[k].Publish(p, e.LagOf(c.id), in, st)
	if e.Golf && e.Seat != c.id && in.Keys&c.golfMask != 0 && ls.mayAskGolfLocked() {
		ls.golfAsked = time.Now()
		c.send(wire.FrameGolfPress, wire.AppendU32(nil, p))
	}
	if p%64 == 0 {
		ls.sched.Prune(p)
	}
}

// readyLocked reports whether poll p can be consumed.
func (ls *clientGame) readyLocked(p uint32) bool {
	for k := range session.NumPorts {
		if ls.active.Has(k) && p < ls.emptyFrom[k] && !ls.streams[k].Holds(p) {
			return false
		}
	}
	return true
}

// inputsLocked returns poll p's inputs; departed and unused ports read as
// no input.
func (ls *clientGame) inputsLocked(p uint32) [session.NumPorts]session.Input {
	var in [session.NumPorts]session.Input
	for k := range session.NumPorts {
		if ls.active.Has(k) && p < ls.emptyFrom[k] {
			in[k] = ls.streams[k].At(p)
		}
	}
	return in
}

// consumedLocked folds poll p into the desync checksum and reports each
// completed range to the host.
func (ls *clientGame) consumedLocked(p uint32, in [session.NumPorts]session.Input) {
	if p%ls.every == 0 {
		ls.sum, ls.sumFrom, ls.summing = checksumSeed, p, true
	}
	if !ls.summing {
		return
	}
	ls.sum = foldInputs(ls.sum, in)
	if (p+1)%ls.every == 0 {
		ls.c.send(wire.FrameChecksum, wire.AppendChecksum(nil, wire.ChecksumMsg{From: ls.sumFrom, Count: ls.every, Hash: ls.sum}))
		ls.summing = false
	}
}

// checksumSeed and foldInputs define the checksum of consumed inputs: FNV-1a
// over every port's keys and pak, poll by poll.
const checksumSeed = 14695981039346656037

func foldInputs(h uint64, in [session.NumPorts]session.Input) uint64 {
	for _, x := range in {
		for _, b := range [5]byte{byte(x.Keys >> 24), byte(x.Keys >> 16), byte(x.Keys >> 8), byte(x.Keys), x.Pak} {
			h ^= uint64(b)
			h *= 1099511628211
		}
	}
	return h
}

// udpWorks reports whether the host's datagrams are arriving.
func (ls *clientGame) udpWorks(now time.Time) bool {
	return ls.c.udp != nil && now.Sub(ls.udpSeen) < udpSilence
}

// sendInputsLocked sends the host what it lacks of this client's streams and
// what this client holds of the others, over UDP when it gets through.
func (ls *clientGame) sendInputsLocked(now time.Time) {
	c := ls.c
	if !ls.playing {
		return
	}
	viaUDP := ls.udpWorks(now)
	var b []byte
	if viaUDP {
		b = wire.AppendDgramHeader(ls.dgram[:0], wire.DgramInputs, c.token)
	}
	bt := wire.Batch{AckMask: 0x0f}
	for k := range session.NumPorts {
		bt.Acks[k] = ls.streams[k].Have
	}
	b, countAt := wire.AppendBatchHead(b, &bt)
	runs := 0
	sent := ls.tcpSent
	for k := range session.NumPorts {
		st := &ls.streams[k]
		from := ls.hostHas[k]
		if !viaUDP {
			from = max(from, ls.tcpSent[k])
		}
		if !c.ports.Has(k) || ls.catchUp.Has(k) || from >= st.Have || !st.Holds(from) {
			continue
		}
		n := min(int(st.Have-from), wire.MaxRunLen)
		b = wire.AppendRun(b, k, from, n, st)
		runs++
		if !viaUDP {
			ls.tcpSent[k] = from + uint32(n)
		}
	}
	b[countAt] = byte(runs)
	if runs > 0 {
		ls.resend.Reset(ls.resendAfterLocked())
	}
	if viaUDP {
		c.udp.Write(b)
		return
	}
	// Over TCP, acks alone matter little (the host sends everything once),
	// so they go at most every tcpAckEvery; and a full queue just means
	// these inputs go with a later frame.
	if runs == 0 && now.Sub(ls.lastTCPAck) < tcpAckEvery {
		return
	}
	if !c.trySend(wire.FrameInputs, b) {
		ls.tcpSent = sent
		return
	}
	ls.lastTCPAck = now
}

// unackedLocked reports whether the host lacks inputs this client published.
func (ls *clientGame) unackedLocked() bool {
	for k := range session.NumPorts {
		if ls.c.ports.Has(k) && !ls.catchUp.Has(k) && ls.hostHas[k] < ls.streams[k].Have {
			return true
		}
	}
	return false
}

// resendUnacked runs from the resend timer: a client that stopped polling
// (its game is over, or it is slower) still gets its last inputs through.
func (c *Client) resendUnacked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err() == nil && c.ls.unackedLocked() {
		c.ls.sendInputsLocked(time.Now())
	}
}

// handleBatchLocked takes in a batch from the host.
func (ls *clientGame) handleBatchLocked(bt *wire.Batch) {
	c := ls.c
	added := false
	for i := range bt.NRuns {
		r := &bt.Runs[i]
		k := int(r.Port)
		if c.ports.Has(k) && !ls.catchUp.Has(k) {
			continue
		}
		for j := range int(r.N) {
			added = ls.streams[k].Add(r.First+uint32(j), r.Input(j)) || added
		}
	}
	woke := added
	if added && c.ports == 0 {
		// A player's presses carry its acks; a spectator whose emulator
		// plays sends nothing else, and without acks the host would
		// resend what it holds already instead of what comes next.
		ls.sendInputsLocked(time.Now())
	}
	for k := range session.NumPorts {
		if bt.AckMask.Has(k) && c.ports.Has(k) && !ls.catchUp.Has(k) {
			ls.hostHas[k] = max(ls.hostHas[k], min(bt.Acks[k], ls.streams[k].Have))
		}
	}
	// A grant is only good once this client holds every schedule change
	// made before it; TCP brings those, in order.
	if int16(bt.Epoch-ls.epoch) <= 0 && bt.Grant > ls.grant {
		ls.grant = bt.Grant
		woke = true
		ls.flushPendingLocked()
	}
	if woke {
		ls.pushCoreLocked()
		c.wake()
	}
}

// notePaceLocked measures the game's pace: polls per second, over a
// second at a time.
func (ls *clientGame) notePaceLocked(progress uint32, now time.Time) {
	switch d := now.Sub(ls.paceAt); {
	case ls.paceAt.IsZero() || progress < ls.pacePoll:
		ls.paceAt, ls.pacePoll = now, progress
	case d >= time.Second:
		ls.pace = float64(progress-ls.pacePoll) / d.Seconds()
		ls.paceAt, ls.pacePoll = now, progress
	}
}

// catchUpEvery is how often a rejoined player tells the host how far its
// replay got; catchUpMargin, how close to its ports' newest input (beyond
// the lag) it must be to take them back.
const (
	catchUpEvery  = time.Second
	catchUpMargin = 8
)

// catchUpLocked tells the host, while this client replays a game it
// rejoined, how far it got (every catchUpEvery), and that it is close to
// the live game (then again every catchUpEvery until the handover, in
// case the report was lost or refused).
func (ls *clientGame) catchUpLocked(progress uint32, now time.Time) {
	if ls.catchUp == 0 {
		return
	}
	lag := uint32(ls.sched.At(progress).LagOf(ls.c.id))
	done := true
	for k := range session.NumPorts {
		if ls.catchUp.Has(k) && ls.streams[k].Have > progress+lag+catchUpMargin {
			done = false
		}
	}
	if now.Sub(ls.catchUpAt) < catchUpEvery && (!done || ls.caughtUp) {
		return
	}
	ls.catchUpAt, ls.caughtUp = now, done
	ls.c.send(wire.FrameCatchUp, wire.AppendCatchUp(nil, wire.CatchUp{Poll: progress, Done: done}))
}

// handleHandover takes back ports the host authored while this client
// replayed. The host hands over only once this client holds every input
// of them that is not the host's zero input, so it fills in the rest up to
// From itself.
func (c *Client) handleHandover(p []byte) error {
	h, err := wire.ParseHandover(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ls := &c.ls
	ports := h.Ports & ls.catchUp
	for k := range session.NumPorts {
		if !ports.Has(k) {
			continue
		}
		st := &ls.streams[k]
		for st.Have < h.From {
			st.Add(st.Have, session.Input{})
		}
		ls.authors[k] = lockstep.Author{Next: h.From}
		ls.hostHas[k], ls.tcpSent[k] = h.From, h.From
	}
	ls.catchUp &^= ports
	// The press for the poll this client (or its emulator) is at now was
	// dropped while the host authored the ports; publish no input in its
	// place, or that poll would wait for an input nobody makes.
	at := max(ls.next, ls.core.count)
	for k := range session.NumPorts {
		if ports.Has(k) {
			ls.publishPortLocked(k, at, session.Input{})
		}
	}
	ls.sendInputsLocked(time.Now())
	ls.flushPendingLocked()
	return nil
}

// handleRevive makes ports whose player rejoined read input again from
// From on (below it, the host filled in what they read: no input).
func (c *Client) handleRevive(p []byte) error {
	r, err := wire.ParseRevive(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	for k := range session.NumPorts {
		if r.Ports.Has(k) && c.ls.playing && c.ls.active.Has(k) {
			c.ls.emptyFrom[k] = lockstep.NotEmpty
		}
	}
	c.ls.epoch = r.Epoch
	c.ls.revived = wire.Handover{Ports: r.Ports, From: r.From}
	c.mu.Unlock()
	c.wake()
	return nil
}

// golfRetry is how long a golf press may go unanswered before a held golf
// button asks again: the host refuses a press beyond the player's talk
// rate, or while the schedule is full, and answers only a seat move.
const golfRetry = 500 * time.Millisecond

// mayAskGolfLocked reports whether a golf press may be sent now: none is
// waiting for its answer, or the last one went unanswered for golfRetry.
func (ls *clientGame) mayAskGolfLocked() bool {
	return ls.golfAsked.IsZero() || time.Since(ls.golfAsked) > golfRetry
}

// resendAfterLocked is how long sent inputs may go unacknowledged before
// the client sends them again unasked. When the lag leaves a lost input
// three polls or less to arrive in time, the next poll's datagram may
// bring it too late, so it goes again as soon as its ack is overdue: a
// round trip and 8 ms (four players on loopback at lag 1 with 10 % loss:
// no stall, where 2–4 % of polls stalled). With more room, or when the
// ack cannot be overdue sooner, the next poll carries it, and resending
// sooner would only load a busy host.
func (ls *clientGame) resendAfterLocked() time.Duration {
	poll := lockstep.PollMicros * time.Microsecond
	if len(ls.sched.Entries) == 0 || !ls.rttKnown {
		return 2 * resendInterval
	}
	lag := ls.sched.Last().LagOf(ls.c.id)
	if (time.Duration(lag)+1)*poll-ls.rtt > 3*poll {
		return 2 * resendInterval
	}
	return min(ls.rtt+8*time.Millisecond, 2*resendInterval)
}
