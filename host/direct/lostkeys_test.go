package direct

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/saves"
)

// fakeSession is the part of a session that the rules for lost and
// withheld keys read and act on: a running game of two ports, a lockstep
// window, and a record of what was published and who was dropped. The
// real session (host/room) plays these rules through the host package's
// tests (TestLostCoreKeysDoNotStallTheGame, TestSilentCoreIsDropped);
// this one pins their edges, which a game reaches only by chance.
type fakeSession struct {
	sync.Mutex
	streams   [session.NumPorts]lockstep.Stream
	emptyFrom [session.NumPorts]uint32
	sched     lockstep.Schedule
	limit     uint32 // AuthorLimit
	published int    // inputs Authored reported
	dropped   []*Core
}

func (f *fakeSession) Game() Game {
	return Game{Playing: true, Owned: 0b11, Active: 0b11, Streams: &f.streams, EmptyFrom: &f.emptyFrom, Sched: &f.sched}
}
func (f *fakeSession) NameTaken(string) bool { return false }
func (f *fakeSession) AddCore(*Core, string, bool) (uint16, error) {
	return 0, errors.New("no joins in this test")
}
func (f *fakeSession) TakePort(*Core, int)                      {}
func (f *fakeSession) DropCore(c *Core, _ session.LeaveReason)  { f.dropped = append(f.dropped, c) }
func (f *fakeSession) AutoStart()                               {}
func (f *fakeSession) AuthorLimit(*Core) uint32                 { return f.limit }
func (f *fakeSession) Authored(_ *Core, _ int, _ uint32, n int) { f.published += n }
func (f *fakeSession) Pressed(*Core, uint32)                    {}
func (f *fakeSession) CompareCP0(*Core, m64p.SyncData)          {}
func (f *fakeSession) DataArrived(uint8)                        {}
func (f *fakeSession) SavesManifest(*Core, saves.Manifest)      {}
func (f *fakeSession) Dropped()                                 {}

// keysRig is one direct core holding port 1 of a fake session at lag,
// with a clock the test moves. The core's keys of polls 0-9 arrived, so
// the host holds inputs 0 through 9+lag, the last of them pressed A.
type keysRig struct {
	cs   Cores
	f    fakeSession
	c    *Core
	now  time.Time
	lag  uint8
	last lockstep.Input
}

func newKeysRig(t *testing.T, lag uint8) *keysRig {
	r := &keysRig{now: time.Unix(1_000_000, 0), lag: lag, last: lockstep.Input{Keys: 0x8000}}
	r.f.limit = 1000
	for k := range r.f.emptyFrom {
		r.f.emptyFrom[k] = lockstep.NotEmpty
	}
	r.f.sched.Reset(lockstep.SchedEntry{Lag: lag})
	r.cs.Init(&r.f, Config{Logf: t.Logf, Now: func() time.Time { return r.now }})
	r.c = &Core{cores: &r.cs, id: 1, name: "core-p1", ports: 1 << 0, released: true,
		addr: netip.MustParseAddrPort("127.0.0.1:6401")}
	r.cs.all = append(r.cs.all, r.c)
	for p := range uint32(10) {
		r.c.authors[0].Publish(p, lag, lockstep.Input{Keys: p}, &r.f.streams[0])
	}
	r.c.authors[0].Publish(10, lag, r.last, &r.f.streams[0])
	return r
}

// ask has the core ask for count n of port k after d.
func (r *keysRig) ask(k int, n uint32, d time.Duration) {
	r.now = r.now.Add(d)
	r.cs.repeatLostLocked(r.c, k, n, r.f.Game())
}

// key has the core's keys of poll p arrive.
func (r *keysRig) key(p uint32) {
	r.cs.keysLocked(nil, m64p.KeyInfoClient{Player: 0, Count: p, Keys: 0x1}, r.c.addr)
}

func (r *keysRig) have() uint32 { return r.f.streams[0].Have }

// A core asking for an input of its own port that the host lacks gets it
// as a repeat of the port's last input once it has asked for the grace,
// and with it every input up to the one its keys sent with that request
// would have published: a lag's worth.
func TestRepeatLostKeys(t *testing.T) {
	r := newKeysRig(t, 2)
	n := r.have() // 13: the core's keys of poll 11 on were lost
	r.ask(0, n, 0)
	r.ask(0, n, lostKeysGrace-time.Millisecond)
	if r.have() != n {
		t.Fatalf("published through %d before the grace ended", r.have()-1)
	}
	r.ask(0, n, time.Millisecond)
	if want := n + uint32(r.lag) + 1; r.have() != want || r.f.published != int(r.lag)+1 {
		t.Fatalf("after the grace the host holds %d inputs (%d published), want %d", r.have(), r.f.published, want)
	}
	if got := r.cs.Repeated(); got != uint64(r.lag)+1 {
		t.Errorf("Repeated() = %d, want the %d inputs made up", got, r.lag+1)
	}
	for p := n; p < r.have(); p++ {
		if got := r.f.streams[0].At(p); got != r.last {
			t.Errorf("input %d is %+v, want the last one, %+v", p, got, r.last)
		}
	}
	// The keys of the lost polls, late after all, are surplus.
	if got := r.c.authors[0].Publish(11, r.lag, lockstep.Input{Keys: 0x1}, &r.f.streams[0]); got != 0 {
		t.Errorf("a late key published %d inputs, want 0", got)
	}
}

// A repeat never reaches the poll the port reads empty from, nor beyond
// the lockstep window the session holds every author to.
func TestRepeatLostKeysStaysInTheWindow(t *testing.T) {
	for _, tc := range []struct {
		name                string
		limit, emptyFrom    uint32 // as offsets from the lacked input
		wantHave, published uint32 // the same
	}{
		{"window", 2, 100, 2, 2},
		{"empty port", 100, 1, 1, 1},
		{"window at the lacked input", 0, 100, 0, 0},
		{"empty at the lacked input", 100, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newKeysRig(t, 5)
			n := r.have()
			r.f.limit, r.f.emptyFrom[0] = n+tc.limit, n+tc.emptyFrom
			r.ask(0, n, 0)
			r.ask(0, n, lostKeysGrace)
			if r.have() != n+tc.wantHave || r.f.published != int(tc.published) {
				t.Errorf("the host holds %d inputs (%d published), want %d (%d)", r.have(), r.f.published, n+tc.wantHave, tc.published)
			}
		})
	}
}

// Only a wait for the input the host lacks next, of the core's own port,
// counts; a new count starts the grace again.
func TestRepeatLostKeysOnlyForTheNextOwnInput(t *testing.T) {
	r := newKeysRig(t, 2)
	n := r.have()
	r.ask(1, n, 0) // the other player's port
	r.ask(1, n, lostKeysGrace)
	r.ask(0, n-1, lostKeysGrace) // one the host holds
	r.ask(0, n+1, lostKeysGrace) // one beyond the one it lacks
	if r.f.published != 0 {
		t.Fatalf("published %d inputs for asks that were not for the next own input", r.f.published)
	}
	r.ask(0, n, 0)
	r.c.authors[0].Publish(11, r.lag, lockstep.Input{Keys: 0x11}, &r.f.streams[0]) // its keys came
	r.ask(0, r.have(), lostKeysGrace-time.Millisecond)
	r.ask(0, r.have(), lostKeysGrace-time.Millisecond)
	if r.f.published != 0 {
		t.Fatalf("published %d inputs before a grace of the new count ended", r.f.published)
	}
	r.ask(0, r.have(), time.Millisecond)
	if r.f.published == 0 {
		t.Fatal("nothing published after the grace of the new count")
	}
}

// A core that keeps asking for inputs of its own port the host lacks, and
// gets repeats, for the drop timeout with none of its keys published, is
// dropped. Not while its keys come; not while it asks only for the other
// players' inputs (it waits for a slow one, or its game reads only their
// controllers: it sends no keys then and needs none of its own), nor when
// it finds its own input lost only after such a wait; not while it is
// busy on TCP. Keys that publish nothing (stale counts) are no keys.
func TestDropKeylessCore(t *testing.T) {
	const timeout = 3 * time.Second
	const asks = 350 // 3.5 s of asks every 10 ms, a tick every 0.5 s
	for _, tc := range []struct {
		name     string
		step     func(r *keysRig, i int) // the core's datagrams of ask i
		busy     bool
		wantDrop bool
	}{
		{"keyless", func(r *keysRig, _ int) { r.ask(0, r.have(), 10*time.Millisecond) }, false, true},
		{"keys come", func(r *keysRig, i int) {
			r.key(uint32(11 + i))
			r.ask(0, r.have(), 10*time.Millisecond)
		}, false, false},
		{"stale keys", func(r *keysRig, _ int) {
			r.key(3)
			r.ask(0, r.have(), 10*time.Millisecond)
		}, false, true},
		{"asks only for the others' inputs", func(r *keysRig, _ int) { r.ask(1, 5, 10*time.Millisecond) }, false, false},
		{"finds its own input lost after a long wait", func(r *keysRig, i int) {
			if i < asks-30 {
				r.ask(1, 5, 10*time.Millisecond)
			} else {
				r.ask(0, r.have(), 10*time.Millisecond)
			}
		}, false, false},
		{"busy on TCP", func(r *keysRig, _ int) { r.ask(0, r.have(), 10*time.Millisecond) }, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newKeysRig(t, 2)
			r.f.limit = lockstep.NotEmpty // room for 3.5 s of repeats
			r.c.keyed, r.c.busy = r.now.UnixNano(), tc.busy
			for i := range asks {
				tc.step(r, i)
				r.c.seen.Store(r.now.UnixNano())
				if i%50 == 49 {
					r.cs.DropSilent(r.now.UnixNano(), timeout)
				}
			}
			if got := len(r.f.dropped) > 0; got != tc.wantDrop {
				t.Errorf("dropped %v, want %v", got, tc.wantDrop)
			}
		})
	}
}
