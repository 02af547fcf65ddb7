package ledger

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// GrantWindow is how many polls beyond the newest input the host lets
// clients start. Lag changes land just beyond the last grant, so this is
// also how far ahead of the leading author a change takes effect.
const GrantWindow = 32

// Ledger is the host's record of one session's game, from the lobby
// through each game to the next. Init it before use. It is not safe for
// concurrent use: its session's lock guards it.
type Ledger struct {
	Streams   [session.NumPorts]lockstep.Stream // the host's copy of every stream
	Active    session.PortMask                  // ports in the game
	EmptyFrom [session.NumPorts]uint32          // first poll a port reads empty; lockstep.NotEmpty if none

	Sched lockstep.Schedule
	Epoch uint16 // schedule changes so far
	Grant uint32 // clients may start polls below this

	Held   [session.NumPorts]Claim // in a game: the player who left a port and may take it back
	Vacant session.PortMask        // ports the host authors while their rejoined player catches up
	// ZeroFrom is, per vacant port, where the host's inputs begin: every
	// input from there is the zero input.
	ZeroFrom [session.NumPorts]uint32

	// PortsOf returns the ports member id authors, so the golf seat's own
	// lag applies to its ports (see Arrived); the room sets it, and calls
	// into the ledger with what PortsOf reads locked. Nil: every port
	// plays the session lag.
	PortsOf func(id uint16) session.PortMask

	arrivals [session.NumPorts][arrivalRing]arrival // when recent inputs arrived; see Arrived
}

// Init readies l for a session whose lag policy starts as e.
func (l *Ledger) Init(e lockstep.SchedEntry) {
	l.Sched.Reset(e)
	for i := range l.EmptyFrom {
		l.EmptyFrom[i] = lockstep.NotEmpty
	}
}

// Start starts a game on the active ports.
func (l *Ledger) Start(active session.PortMask) {
	l.Active = active
	l.Grant = GrantWindow
}

// End forgets the game that ended; the lag and golf mode stay.
func (l *Ledger) End() {
	l.Active = 0
	l.Grant = 0
	for i := range l.Streams {
		l.Streams[i] = lockstep.Stream{}
		l.EmptyFrom[i] = lockstep.NotEmpty
	}
	last := l.Sched.Last()
	l.Sched.Reset(lockstep.SchedEntry{Lag: last.Lag, Golf: last.Golf, Cause: lockstep.CauseInitial})
	l.arrivals = [session.NumPorts][arrivalRing]arrival{}
	l.Held, l.Vacant, l.ZeroFrom = [session.NumPorts]Claim{}, 0, [session.NumPorts]uint32{}
}

// Schedule adds a lag policy change to the running game: it takes effect
// at the first poll nobody has been allowed to start, so it lands on the
// same poll everywhere. It returns the entry as scheduled.
func (l *Ledger) Schedule(e lockstep.SchedEntry) (lockstep.SchedEntry, error) {
	e.From = l.Grant
	l.Sched.Prune(l.minStarted())
	if err := l.Sched.Add(e); err != nil {
		return e, err
	}
	return e, nil
}

// minStarted is a poll every author has reached: the lowest count of
// inputs of an active port, less the largest lag.
func (l *Ledger) minStarted() uint32 {
	low := uint32(lockstep.NotEmpty)
	for i := range session.NumPorts {
		if l.Active.Has(i) && l.EmptyFrom[i] == lockstep.NotEmpty {
			low = min(low, l.Streams[i].Have)
		}
	}
	if low == lockstep.NotEmpty || low < 256 {
		return 0
	}
	return low - 256
}

// RaiseGrant raises the grant as inputs arrive: clients may run
// GrantWindow polls beyond the newest input of any port.
func (l *Ledger) RaiseGrant() {
	var newest uint32
	for i := range session.NumPorts {
		if l.Active.Has(i) {
			newest = max(newest, l.Streams[i].Have)
		}
	}
	if g := newest + GrantWindow; g > l.Grant {
		l.Grant = g
	}
}

// Poll is the first poll some active port lacks input for: how far the
// game has come.
func (l *Ledger) Poll() uint32 {
	poll := uint32(lockstep.NotEmpty)
	for k := range session.NumPorts {
		if l.Active.Has(k) && l.EmptyFrom[k] == lockstep.NotEmpty {
			poll = min(poll, l.Streams[k].Have)
		}
	}
	if poll == lockstep.NotEmpty {
		return 0
	}
	return poll
}

// AuthorsLeft counts active ports that still have their author.
func (l *Ledger) AuthorsLeft() int {
	n := 0
	for i := range session.NumPorts {
		if l.Active.Has(i) && l.EmptyFrom[i] == lockstep.NotEmpty {
			n++
		}
	}
	return n
}

// AuthorLimit is the first poll the author of own may not publish input
// for yet. An honest author at poll p holds the inputs below p of every
// other port and has published at most p+lag+1, so it never reaches the
// lowest stream of the others plus the largest lag in force plus the grant
// window. An author that runs further ahead is ignored there, and costs
// only itself: the others' streams never fall behind the host's memory of
// them. Alone, an author is held to the grant.
func (l *Ledger) AuthorLimit(own session.PortMask) uint32 {
	low := uint32(lockstep.NotEmpty)
	for i := range session.NumPorts {
		if l.Active.Has(i) && l.EmptyFrom[i] == lockstep.NotEmpty && !own.Has(i) {
			low = min(low, l.Streams[i].Have)
		}
	}
	if low == lockstep.NotEmpty {
		low = l.Grant
	}
	return low + uint32(l.Sched.MaxLag()) + GrantWindow
}

// Empty makes ports, of a player who left or whose emulator stopped, read
// empty in the running game from the first poll the host has no input
// for, which is the same everywhere, and returns the latest such poll (0
// if none).
func (l *Ledger) Empty(ports session.PortMask, playing bool) uint32 {
	var from uint32
	for i := range session.NumPorts {
		if !ports.Has(i) {
			continue
		}
		l.Vacant &^= 1 << i
		if playing && l.Active.Has(i) && l.EmptyFrom[i] == lockstep.NotEmpty {
			l.EmptyFrom[i] = l.Streams[i].Have
			from = max(from, l.Streams[i].Have)
		}
	}
	return from
}

// Lacks reports whether a member that holds the inputs below acked and
// tcpSent of each port lacks more than FarBehind inputs of a port it does
// not author (own).
func (l *Ledger) Lacks(own session.PortMask, acked, tcpSent *[session.NumPorts]uint32) bool {
	for k := range session.NumPorts {
		if own.Has(k) && !l.Vacant.Has(k) {
			continue
		}
		if l.Streams[k].Have > max(acked[k], tcpSent[k])+FarBehind {
			return true
		}
	}
	return false
}

// FarBehind is how many inputs of a port a member may lack before the
// host streams them over TCP, frame after frame, rather than a datagram a
// relay: a rejoined player replaying the game, or a spectator who joined
// a running one. Lockstep keeps players far closer than that.
const FarBehind = 4 * wire.MaxRunLen

// AppendBatch appends the batch body for a member that authors own and
// holds the inputs below acked of each port (over TCP, below tcpSent too,
// which it advances). It reports false if the member lacks inputs the
// host no longer holds.
func (l *Ledger) AppendBatch(b []byte, own session.PortMask, acked, tcpSent *[session.NumPorts]uint32, viaUDP bool) ([]byte, bool) {
	bt := wire.Batch{Grant: l.Grant, Epoch: l.Epoch, AckMask: own &^ l.Vacant}
	for k := range session.NumPorts {
		bt.Acks[k] = l.Streams[k].Have
	}
	b, countAt := wire.AppendBatchHead(b, &bt)
	budget := wire.MaxDatagram - len(b)
	runs := 0
	for k := range session.NumPorts {
		st := &l.Streams[k]
		from := acked[k]
		if !viaUDP {
			from = max(from, tcpSent[k])
		}
		if (own.Has(k) && !l.Vacant.Has(k)) || from >= st.Have {
			continue
		}
		if !st.Holds(from) {
			return b, false
		}
		n := min(int(st.Have-from), wire.MaxRunLen, (budget-6)/wire.InputLen)
		if n <= 0 {
			break
		}
		b = wire.AppendRun(b, k, from, n, st)
		budget -= wire.RunLen(n)
		runs++
		if !viaUDP {
			tcpSent[k] = from + uint32(n)
		}
	}
	b[countAt] = byte(runs)
	return b, true
}

// A Claim is what a player who left the running game takes its ports
// back with: its name, and the key its netpak joined with. The name alone
// is no proof, since everyone in the session saw it; the key is a secret
// that never leaves the player's netpak and the host.
type Claim struct {
	Name string
	Key  [16]byte // zero: the player joined without one, and its name suffices
}

// named reports whether c holds ports for a player called name.
func (c Claim) named(name string) bool { return c.Name != "" && strings.EqualFold(c.Name, name) }

// by reports whether the player called name, who brings key, may take
// c back.
func (c Claim) by(name string, key [16]byte) bool {
	return c.named(name) && (c.Key == [16]byte{} || c.Key == key)
}

// Hold keeps the active ones of ports for c, a player who left the
// running game and may rejoin.
func (l *Ledger) Hold(ports session.PortMask, c Claim) {
	for k := range session.NumPorts {
		if ports.Has(k) && l.Active.Has(k) {
			l.Held[k] = c
		}
	}
}

// Rejoin returns the ports held for the player called name who brings
// key, which joins the running game, or why it may not rejoin.
func (l *Ledger) Rejoin(name string, key [16]byte) (session.PortMask, error) {
	ports := l.heldFor(name, key)
	switch {
	case ports == 0:
		return 0, fmt.Errorf("the game has already started; join as a spectator (a player who left can rejoin with the same name, from the computer it played on)")
	case l.oldestHeld() > 0:
		return 0, fmt.Errorf("the game is older than the %d polls netpak keeps; join as a spectator", lockstep.History)
	}
	return ports, nil
}

// Holds reports whether ports are held for a player called name. Once the
// game is older than the streams keep, nobody can rejoin it, and none are.
func (l *Ledger) Holds(name string) bool {
	return l.oldestHeld() == 0 && slices.ContainsFunc(l.Held[:], func(c Claim) bool { return c.named(name) })
}

// Claimed reports whether ports are held for a player called name whose
// key is not key: the name stays that player's, so nobody else may join
// with it and then stand in the way of its rejoin, or take its ports.
func (l *Ledger) Claimed(name string, key [16]byte) bool {
	return l.Holds(name) && l.heldFor(name, key) == 0
}

// heldFor returns the ports held for the player called name who brings
// key.
func (l *Ledger) heldFor(name string, key [16]byte) session.PortMask {
	var ports session.PortMask
	for k := range session.NumPorts {
		if l.Held[k].by(name, key) {
			ports |= 1 << k
		}
	}
	return ports
}

// HeldOthers is how many players other than the one called name hold
// ports they left in the running game, to rejoin. Once the game is older
// than the streams keep, nobody can rejoin it, and none are held.
func (l *Ledger) HeldOthers(name string) int {
	if l.oldestHeld() > 0 {
		return 0
	}
	var names []string
	for _, h := range l.Held {
		if h.Name != "" && !h.named(name) && !slices.ContainsFunc(names, func(n string) bool { return h.named(n) }) {
			names = append(names, h.Name)
		}
	}
	return len(names)
}

// oldestHeld is the oldest poll every active stream still holds.
func (l *Ledger) oldestHeld() uint32 {
	var oldest uint32
	for k := range session.NumPorts {
		if l.Active.Has(k) {
			oldest = max(oldest, l.Streams[k].Oldest())
		}
	}
	return oldest
}

// Revive gives a rejoined player's ports input again from the grant on,
// authored by the host until the player catches up, opens an epoch, and
// returns that poll.
func (l *Ledger) Revive(ports session.PortMask) uint32 {
	at := l.Grant
	for k := range session.NumPorts {
		if !ports.Has(k) {
			continue
		}
		l.Held[k] = Claim{}
		st := &l.Streams[k]
		l.ZeroFrom[k] = st.Have
		for st.Have < at {
			st.Add(st.Have, session.Input{}) // what the port read while empty
		}
		l.EmptyFrom[k] = lockstep.NotEmpty
	}
	l.Vacant |= ports
	l.Epoch++ // nobody takes a grant beyond at before it knows the ports are back
	return at
}

// FillVacant authors the ports of players catching up at now (unix
// nanoseconds): zero input, as far as the newest port another author
// filled.
func (l *Ledger) FillVacant(now int64) {
	if l.Vacant == 0 {
		return
	}
	var newest uint32
	for k := range session.NumPorts {
		if l.Active.Has(k) && !l.Vacant.Has(k) && l.EmptyFrom[k] == lockstep.NotEmpty {
			newest = max(newest, l.Streams[k].Have)
		}
	}
	for k := range session.NumPorts {
		if st := &l.Streams[k]; l.Vacant.Has(k) {
			from := st.Have
			for st.Have < newest {
				st.Add(st.Have, session.Input{})
			}
			l.Arrived(k, from, now, false)
		}
	}
}

// Live is the newest input of ports.
func (l *Ledger) Live(ports session.PortMask) uint32 {
	var live uint32
	for k := range session.NumPorts {
		if ports.Has(k) {
			live = max(live, l.Streams[k].Have)
		}
	}
	return live
}

// handoverWithin is how close (beyond the largest lag) to its ports'
// newest input a catching-up player must be for the handover, so that the
// others barely wait for it after.
const handoverWithin = 16

// MayHandOver reports whether a player who replayed the polls below poll
// and holds the inputs below acked of each port may take back ports: it
// is close to their newest input, live, and holds every input of them
// that is not the host's zero input, so that it can fill in the rest
// itself (see client's handover).
func (l *Ledger) MayHandOver(ports session.PortMask, poll, live uint32, acked *[session.NumPorts]uint32) bool {
	if uint64(poll)+uint64(l.Sched.MaxLag())+handoverWithin < uint64(live) {
		return false
	}
	for k := range session.NumPorts {
		if ports.Has(k) && acked[k] < l.ZeroFrom[k] {
			return false
		}
	}
	return true
}

// HandOver fills ports with zero input up to live and stops authoring
// them: their player authors them again from there.
func (l *Ledger) HandOver(ports session.PortMask, live uint32) {
	for k := range session.NumPorts {
		for st := &l.Streams[k]; ports.Has(k) && st.Have < live; {
			st.Add(st.Have, session.Input{})
		}
	}
	l.Vacant &^= ports
}
