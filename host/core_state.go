package host

import (
	"crypto/sha256"
	"net/netip"

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

	cp0    cp0Table
	desync bool

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
	cs.cp0.init()
	cs.events = make([]m64p.Event, 0, m64p.MaxEvents)
	cs.dgram = make([]byte, 0, m64p.MaxDatagram)
}

// coreMember is what a member that is a direct core adds.
type coreMember struct {
	conn     *coreConn
	ip       netip.Addr // its TCP peer; its datagrams must come from there
	authors  [NumPorts]author
	released bool // GET_REGISTRATION answered: it plays now
}

// maxCP0 bounds the CP0 table: VIs older than this many are forgotten.
const maxCP0 = 512

// cp0Table compares the CP0 registers clients report per VI: the first
// report of a VI is the reference.
type cp0Table struct {
	vis   map[uint32]cp0Record
	order []uint32
}

type cp0Record struct {
	sum [32]byte
	id  uint16
}

func (t *cp0Table) init() { t.vis = make(map[uint32]cp0Record) }

// compare records member id's registers at vi and reports whether they
// differ from the reference, and whose the reference is.
func (t *cp0Table) compare(id uint16, d m64p.SyncData) (ref uint16, differs bool) {
	b := d.AppendTo(nil)
	sum := sha256.Sum256(b[5:])
	r, ok := t.vis[d.VI]
	if !ok {
		if len(t.order) >= maxCP0 {
			delete(t.vis, t.order[0])
			t.order = t.order[1:]
		}
		t.vis[d.VI] = cp0Record{sum: sum, id: id}
		t.order = append(t.order, d.VI)
		return 0, false
	}
	return r.id, r.sum != sum
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
