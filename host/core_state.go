package host

import (
	"net/netip"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
)

// coreState is what a session keeps for mupen64plus-core clients, direct
// and bridged: player 1's settings and saves, the registration table, and
// the CP0 comparison. Guarded by Host.mu.
type coreState struct {
	store   coreserve.Store          // player 1's settings and saves
	names   [session.NumPorts]string // what to call the core of each port; see Host.NameCores
	started chan struct{}            // closed when the game starts
	p1Left  chan struct{}            // closed when gopher64's player 1 left the game (its data will not come)

	slots   [session.NumPorts]m64p.Slot // per port, as cores registered it
	byRegID map[uint32]*member

	cp0     lockstep.Verdicts // CPU registers per VI
	members int               // session members that are direct cores
	desync  bool

	events []m64p.Event // reply scratch
	dgram  []byte
}

func (cs *coreState) init() {
	cs.store.Init()
	cs.started = make(chan struct{})
	cs.p1Left = make(chan struct{})
	cs.byRegID = make(map[uint32]*member)
	cs.cp0.Init()
	cs.events = make([]m64p.Event, 0, m64p.MaxEvents)
	cs.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// coreMember is what a member that is a direct core adds.
type coreMember struct {
	ip       netip.Addr // its TCP peer; its datagrams must come from there
	authors  [session.NumPorts]lockstep.Author
	released bool // GET_REGISTRATION answered: it plays now
	waits    coreserve.Waits
	// lateData: it holds player 1 and asked for the registration before
	// it sent any data (gopher64 up to 1.1.22, which uploads once the game
	// started): the start check does not wait for its saves.
	lateData bool
	busy     bool // a TCP exchange is under way: its UDP silence does not count
}

// p1LeftLocked ends every wait for player 1's data: its core left.
func (cs *coreState) p1LeftLocked() {
	select {
	case <-cs.p1Left:
	default:
		close(cs.p1Left)
	}
}

// slotsLocked is the registration every core receives: cores' own entries,
// and an entry for each port a netpak client plays.
func (s *room) slotsLocked() m64p.Registration {
	var reg m64p.Registration
	for k := range session.NumPorts {
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
