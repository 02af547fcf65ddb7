package host

import (
	"net/netip"

	"github.com/netpak/netpak/host/lockstep"

	"github.com/netpak/netpak/host/m64p"
)

// coreState is what a session keeps for mupen64plus-core clients, direct
// and bridged: player 1's settings and saves, the registration table, and
// the CP0 comparison. Guarded by Host.mu.
type coreState struct {
	settings      m64p.Settings
	settingsReady chan struct{} // closed when player 1's settings arrived
	hasSettings   bool
	saves         [4][]byte
	saveReady     [4]chan struct{}
	hasSave       [4]bool
	started       chan struct{} // closed when the game starts

	slots   [NumPorts]m64p.Slot // per port, as cores registered it
	byRegID map[uint32]*member

	cp0     lockstep.Verdicts // CPU registers per VI
	members int               // session members that are direct cores
	desync  bool

	events []m64p.Event // reply scratch
	dgram  []byte
}

func (cs *coreState) init() {
	cs.settingsReady = make(chan struct{})
	for i := range cs.saveReady {
		cs.saveReady[i] = make(chan struct{})
	}
	cs.started = make(chan struct{})
	cs.byRegID = make(map[uint32]*member)
	cs.cp0.Init()
	cs.events = make([]m64p.Event, 0, m64p.MaxEvents)
	cs.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// coreMember is what a member that is a direct core adds.
type coreMember struct {
	conn     *coreConn
	ip       netip.Addr // its TCP peer; its datagrams must come from there
	authors  [NumPorts]lockstep.Author
	released bool // GET_REGISTRATION answered: it plays now
	waits    coreWaits
}

// coreWaits is, per port, the count a core asked for and was not given:
// the input it waits for. Whoever serves the core sends that input the
// moment it exists, so the core's 5 ms re-request cadence never adds to
// the lag. The zero value waits for nothing.
type coreWaits [NumPorts]struct {
	count   uint32
	waiting bool
}

// note records the answer to a request of port k at count: waiting if the
// answer held no event.
func (w *coreWaits) note(k int, count uint32, events int) {
	w[k].count, w[k].waiting = count, events == 0
}

// due reports whether port k's awaited count can now be answered: the
// stream holds it, or the port reads empty from there on.
func (w *coreWaits) due(k int, st *lockstep.Stream, emptyFrom uint32) (uint32, bool) {
	c := w[k].count
	if !w[k].waiting || (!st.Holds(c) && c < emptyFrom) {
		return 0, false
	}
	w[k].waiting = false
	return c, true
}

// slotsLocked is the registration every core receives: cores' own entries,
// and an entry for each port a netpak client plays.
func (s *session) slotsLocked() m64p.Registration {
	var reg m64p.Registration
	for k := range NumPorts {
		if !s.active.Has(k) {
			continue
		}
		reg[k] = s.cores.slots[k]
		if reg[k].RegID == 0 {
			reg[k] = m64p.Slot{RegID: uint32(k+1) | 0x4e500000, Plugin: m64p.PluginNone}
		}
	}
	return reg
}
