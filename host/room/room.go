package room

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/ledger"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// sessionState is where a session is in its life.
type sessionState uint8

const (
	stateLobby sessionState = iota
	statePlaying
	stateEnded
)

// Config configures a Room. The host fills it in, defaults applied.
type Config struct {
	Lag         uint8         // the lag of the first game
	Golf        bool          // golf mode on from the start
	GolfMask    uint32        // buttons that take the golf seat
	DropTimeout time.Duration // silence before a member is dropped
	AutoStart   int           // start when this many players joined; 0 waits for /start
	AutoLag     bool          // follow the network with the lag; see host.Config
	Gratuitous  bool          // send direct cores each new input unasked; see host.Config
	OwnerKey    [16]byte      // what makes a client the host's own player

	Now     func() time.Time                 // the clock; must not be nil
	Logf    func(format string, args ...any) // diagnostics; must not be nil
	OnEvent func(session.Event)              // if set, called with the lock held; must not block or call back

	// CoreIdleTimeout and CoreMessageTimeout bound a direct core's
	// handshake; see coreserve.Conn.
	CoreIdleTimeout, CoreMessageTimeout time.Duration
	Hooks                               testhook.Hooks
}

// Room is the state of one netpak session. All of it is guarded by mu;
// methods named …Locked expect it held, and the exported ones take it.
type Room struct {
	mu    sync.Mutex
	cfg   Config // immutable after New but AutoStart, which mu guards
	state sessionState

	members map[uint16]*Member
	byToken map[uint64]*Member
	nextID  uint16

	owner [session.NumPorts]*Member // author of each port
	game  ledger.Ledger             // the host's record of the game: streams, schedule, grant

	autoLagOn bool                // the host follows the network with the lag
	autoLag   lockstep.AutoLag    // its hysteresis
	pace      paceWindow          // the game's pace at autolag's measurements
	toldSlow  bool                // everyone was told the game falls short of full speed at this lag (tellSlowLocked)
	coreNeeds lockstep.NeedWindow // direct cores' needs at autolag's recent measurements
	floor     lagFloor            // the least lag autolag may fall to in this game
	autoWait  string              // why autostart last waited, said once
	autoArmed bool                // autostart may start a game: someone joined since the last one
	games     uint32              // games ended so far
	ending    bool                // endGameLocked drops the game's cores

	checks  lockstep.Verdicts
	cp0     lockstep.Verdicts // CPU registers per VI, of cores direct and bridged
	desync  bool              // a desync was found: replies to cores say so
	cores   direct.Cores
	byCore  map[*direct.Core]*Member // the members that are direct cores
	touched []*udpsock.Socket        // sockets with queued relays; see relayLocked
	stats   Stats
}

// New returns the room of a session configured by cfg.
func New(cfg Config) *Room {
	r := &Room{cfg: cfg}
	r.members = make(map[uint16]*Member)
	r.byToken = make(map[uint64]*Member)
	r.game.Init(lockstep.SchedEntry{Lag: cfg.Lag, Golf: cfg.Golf, Cause: lockstep.CauseInitial})
	r.game.PortsOf = r.portsOfLocked
	r.checks.Init()
	r.cp0.Init()
	r.cores.Init((*coreSession)(r), direct.Config{Logf: cfg.Logf, Gratuitous: cfg.Gratuitous,
		IdleTimeout: cfg.CoreIdleTimeout, MessageTimeout: cfg.CoreMessageTimeout, Hooks: cfg.Hooks, Now: cfg.Now})
	r.byCore = make(map[*direct.Core]*Member)
	r.autoArmed = true
	r.autoLagOn = cfg.AutoLag
	r.autoLag.Lag = cfg.Lag
	return r
}

func (r *Room) now() time.Time { return r.cfg.Now() }

func (r *Room) logf(format string, args ...any) { r.cfg.Logf(format, args...) }

func (r *Room) eventLocked(e session.Event) {
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(e)
	}
}

// portsOfLocked returns the ports member id holds: none once it left.
func (r *Room) portsOfLocked(id uint16) session.PortMask {
	if m := r.members[id]; m != nil {
		return m.ports
	}
	return 0
}

// nameOf returns the name of member id, or "the host" for id 0.
func (r *Room) nameOf(id uint16) string {
	if m := r.members[id]; m != nil {
		return m.name
	}
	return "the host"
}

// admitLocked decides whether hello may join and with which ports.
func (r *Room) admitLocked(hl wire.Hello) (session.PortMask, error) {
	if hl.Version != session.ProtocolVersion {
		return 0, fmt.Errorf("this host speaks netpak protocol %d, you speak %d: use the same netpak version", session.ProtocolVersion, hl.Version)
	}
	if err := session.CheckName(hl.Name); err != nil {
		return 0, err
	}
	if r.nameTakenLocked(hl.Name) {
		return 0, fmt.Errorf("the name %q is taken in this session; pick another with /name", hl.Name)
	}
	if r.game.Claimed(hl.Name, hl.PlayerKey) {
		return 0, fmt.Errorf("the name %q is kept for the player who left the game with it, to rejoin from the computer it played on; pick another with /name", hl.Name)
	}
	if err := r.fullLocked(hl.Name); err != nil {
		return 0, err
	}
	if hl.Spectator {
		return 0, nil
	}
	if r.state != stateLobby {
		return r.game.Rejoin(hl.Name, hl.PlayerKey)
	}
	return r.assignPortsLocked(hl.Ports, int(hl.NumPorts))
}

// fullLocked refuses one more member, called name, when the session is
// full. A player who left the running game may rejoin: its slot is kept,
// so newcomers who fill the session cannot keep it out; only the player
// itself may take it.
func (r *Room) fullLocked(name string) error {
	if len(r.members)+r.game.HeldOthers(name) >= wire.MaxMembers {
		return fmt.Errorf("the session is full (%d members)", wire.MaxMembers)
	}
	return nil
}

// assignPortsLocked gives the wanted ports, or the n lowest free ones.
func (r *Room) assignPortsLocked(want session.PortMask, n int) (session.PortMask, error) {
	if want != 0 {
		for i := range session.NumPorts {
			if want.Has(i) && r.owner[i] != nil {
				return 0, fmt.Errorf("port %d is taken by %s", i+1, r.owner[i].name)
			}
		}
		return want, nil
	}
	if n == 0 {
		n = 1
	}
	var got session.PortMask
	for i := 0; i < session.NumPorts && got.Count() < n; i++ {
		if r.owner[i] == nil {
			got |= 1 << i
		}
	}
	if got.Count() < n {
		return 0, fmt.Errorf("not enough free controller ports (%d wanted); join as a spectator", n)
	}
	return got, nil
}

// joinLocked adds an admitted member and tells everyone.
func (r *Room) joinLocked(m *Member) {
	r.nextID++
	for r.nextID == 0 || r.members[r.nextID] != nil {
		r.nextID++
	}
	m.id = r.nextID
	m.token = randomToken()
	r.members[m.id] = m
	r.byToken[m.token] = m
	for i := range session.NumPorts {
		if m.ports.Has(i) {
			r.owner[i] = m
		}
	}
	r.sendLocked(m, wire.FrameWelcome, wire.AppendWelcome(nil, wire.Welcome{
		ID: m.id, Token: m.token, Ports: m.ports, Playing: r.state == statePlaying,
		GolfMask: r.cfg.GolfMask, DropTimeout: uint32(r.cfg.DropTimeout.Milliseconds()),
	}))
	// The roster first: what follows names members, and the newcomer
	// should read names, not ids.
	r.sendLocked(m, wire.FrameRoster, wire.AppendRoster(nil, r.rosterLocked()))
	joined := session.Event{Kind: session.EventJoined, Who: m.name, Ports: m.ports}
	if r.state == statePlaying && m.ports != 0 {
		joined = session.Rejoined(m.name, m.ports, r.reviveLocked(m)) // before the schedule: it opens an epoch
	}
	for _, e := range r.game.Sched.Entries {
		r.sendLocked(m, wire.FrameSched, wire.AppendSched(nil, wire.SchedMsg{Epoch: r.game.Epoch, Entry: e}))
	}
	r.sendLocked(m, wire.FrameAutoLagOn, []byte{wire.BoolByte(r.autoLagOn)})
	if r.state == statePlaying {
		r.startLateLocked(m)
	}
	r.sendManifestsLocked(m)
	r.sendEmulatorsLocked(m)
	info := r.memberInfo(m)
	r.broadcastLocked(wire.FrameJoined, wire.AppendMember(nil, info), m)
	if m.manifest != nil {
		if b, err := m.manifest.M.MarshalBinary(); err == nil {
			r.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, false, b), m)
		}
	}
	r.broadcastRosterLocked()
	if m.core == nil {
		r.eventLocked(joined)
	}
	r.autoArmed = true
	r.autoStartLocked()
}

// autoStartLocked starts the game once Config.AutoStart players joined
// and the start check passes; it says once why it waits, if it does.
func (r *Room) autoStartLocked() {
	n := r.cfg.AutoStart
	if n <= 0 || !r.autoArmed || r.state != stateLobby || r.playerCountLocked() < n {
		return
	}
	err := r.startLocked(nil)
	if err == nil || err.Error() == r.autoWait {
		return
	}
	r.autoWait = err.Error()
	r.eventLocked(session.Event{Kind: session.EventNotice, Text: "autostart waits: " + err.Error()})
}

func (r *Room) nameTakenLocked(name string) bool {
	for _, m := range r.members {
		if strings.EqualFold(m.name, name) {
			return true
		}
	}
	return false
}

func randomToken() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1
}

func (r *Room) playerCountLocked() int {
	n := 0
	for _, m := range r.members {
		if m.ports != 0 {
			n++
		}
	}
	return n
}

func (r *Room) memberInfo(m *Member) session.Member {
	ms := func(us uint32) uint16 { return uint16(min(us/1000, math.MaxUint16)) }
	info := session.Member{ID: m.id, Name: m.name, Ports: m.ports, Spectator: m.spectator, Host: m.isHost, Core: m.core != nil,
		RTTMillis: ms(m.rtt), JitterMillis: ms(m.rttDev), WaitedMillis: uint32(min(m.waited/1e6, math.MaxUint32))}
	if pace, ok := m.pace.recent(); ok && r.state == statePlaying && m.ports&r.game.Active != 0 {
		info.PaceTenths, info.PaceKnown = uint16(min(pace*10+0.5, math.MaxUint16)), true
	}
	if !m.coreNeeds.Empty() && r.state == statePlaying {
		info.NeedLag, info.NeedKnown = m.coreNeeds.Lower(), true
	}
	return info
}

func (r *Room) rosterLocked() []session.Member {
	ms := make([]session.Member, 0, len(r.members))
	for id := uint16(1); len(ms) < len(r.members); id++ {
		if m := r.members[id]; m != nil {
			ms = append(ms, r.memberInfo(m))
		}
		if id == math.MaxUint16 {
			break
		}
	}
	return ms
}

func (r *Room) broadcastRosterLocked() {
	r.broadcastLocked(wire.FrameRoster, wire.AppendRoster(nil, r.rosterLocked()), nil)
}

// sendLocked queues one frame to m, dropping m if its queue is full.
func (r *Room) sendLocked(m *Member, typ wire.FrameType, payload []byte) {
	b := wire.AppendFrameHeader(make([]byte, 0, wire.FrameHeaderLen+len(payload)), typ, len(payload))
	b = append(b, payload...)
	if !m.sendFrameLocked(b) {
		r.dropLocked(m, session.LeaveBehind)
	}
}

// broadcastLocked sends a frame to every member but except.
func (r *Room) broadcastLocked(typ wire.FrameType, payload []byte, except *Member) {
	for _, m := range r.members {
		if m != except {
			r.sendLocked(m, typ, payload)
		}
	}
}

// dropLocked removes m. In a game, its ports read empty from the first poll
// the host has no input for, which is the same everywhere.
func (r *Room) dropLocked(m *Member, why session.LeaveReason) {
	if m.left {
		return
	}
	m.left = true
	if m.out != nil {
		close(m.out)
	}
	if m.copy != nil {
		m.copy.Stop()
	}
	if m.core != nil {
		r.cores.Remove(m.core)
		delete(r.byCore, m.core)
	}
	delete(r.members, m.id)
	delete(r.byToken, m.token)
	r.emptyPortsLocked(m, m.ports, why)
}

// emptyPortsLocked frees ports of m: in a game they read empty from the
// first poll the host has no input for, which is the same everywhere.
func (r *Room) emptyPortsLocked(m *Member, ports session.PortMask, why session.LeaveReason) {
	for i := range session.NumPorts {
		if ports.Has(i) {
			r.owner[i] = nil
		}
	}
	from := r.game.Empty(ports, r.state == statePlaying)
	r.holdPortsLocked(m, ports, why)
	r.cores.Push() // a waiting core reads the empty port at once
	r.broadcastLocked(wire.FrameLeft, wire.AppendLeft(nil, wire.LeftMsg{ID: m.id, Reason: why, Ports: ports, From: from}), nil)
	r.broadcastRosterLocked()
	e := session.Event{Kind: session.EventLeft, Who: m.name, Reason: why, Ports: ports, Poll: from}
	if why != session.LeaveEmulator {
		e.Addr = m.from
	}
	r.eventLocked(e)
	if r.state == statePlaying && r.game.AuthorsLeft() == 0 {
		r.endGameLocked(wire.GameOver{Why: wire.GameAllLeft})
	}
}

// handleReleaseLocked empties the ports of a member whose emulator
// stopped; the member stays in the session.
func (r *Room) handleReleaseLocked(m *Member, p []byte) error {
	v, err := wire.ParseU8(p)
	if err != nil || session.PortMask(v)&^0x0f != 0 {
		return fmt.Errorf("parse release: %w", wire.ErrBadValue)
	}
	ports := session.PortMask(v) & m.ports
	if r.state != statePlaying || ports == 0 {
		return nil
	}
	m.ports &^= ports
	m.lent |= ports
	r.emptyPortsLocked(m, ports, session.LeaveEmulator)
	return nil
}

func (r *Room) closeAllLocked() {
	for _, m := range r.members {
		if !m.left {
			m.left = true
			if m.out != nil {
				close(m.out)
			}
			if m.core != nil {
				r.cores.Remove(m.core)
			}
		}
	}
	clear(r.members)
	clear(r.byToken)
	r.state = stateEnded
}
