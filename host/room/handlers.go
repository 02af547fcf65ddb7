package room

import (
	"errors"
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// handleFrameLocked handles one frame from m. An error means m sent
// something malformed and is dropped; refusals of well-formed requests are
// notices to m instead.
func (r *Room) handleFrameLocked(m *Member, typ wire.FrameType, p []byte) error {
	if m.left {
		return nil
	}
	if talks(typ) && !m.talk.allow(r.now()) {
		return r.refuseTalkLocked(m, typ)
	}
	switch typ {
	case wire.FrameChat:
		return r.handleChatLocked(m, p)
	case wire.FrameSetLag:
		return r.handleSetLagLocked(m, p)
	case wire.FrameGolf:
		return r.handleGolfLocked(m, p)
	case wire.FrameStart:
		return r.handleStartLocked(m, p)
	case wire.FrameGolfPress:
		return r.handleGolfPressLocked(m, p)
	case wire.FrameInputs:
		return r.handleInputsFrameLocked(m, p)
	case wire.FramePing:
		return r.handlePingLocked(m, p)
	case wire.FrameChecksum:
		return r.handleChecksumLocked(m, p)
	case wire.FrameCoreWant:
		return r.handleCoreWantLocked(m, p)
	case wire.FrameCoreData:
		return r.handleCoreDataLocked(m, p)
	case wire.FrameCoreSync:
		return r.handleCoreSyncLocked(m, p)
	case wire.FrameManifest:
		return r.handleManifestLocked(m, p)
	case wire.FrameSyncData:
		return r.handleSyncDataLocked(m, p)
	case wire.FrameAutoLag:
		return r.handleAutoLagLocked(m, p)
	case wire.FrameStop:
		return r.handleStopLocked(m, p)
	case wire.FrameRelease:
		return r.handleReleaseLocked(m, p)
	case wire.FrameCatchUp:
		return r.handleCatchUpLocked(m, p)
	case wire.FrameEmulator:
		return r.handleEmulatorLocked(m, p)
	case wire.FrameCheats:
		return r.handleCheatsLocked(m, p)
	case wire.FrameRename:
		return r.handleRenameLocked(m, p)
	}
	return fmt.Errorf("unexpected %v frame", typ)
}

// talks reports whether a frame of type typ makes the host send
// something to every member.
func talks(typ wire.FrameType) bool {
	switch typ {
	case wire.FrameChat, wire.FrameSetLag, wire.FrameGolf, wire.FrameManifest, wire.FrameStart, wire.FrameAutoLag, wire.FrameCatchUp, wire.FrameEmulator, wire.FrameCheats, wire.FrameRename:
		return true
	}
	return false
}

// refuseTalkLocked refuses a frame beyond m's rate, telling m once per
// run of refusals. A refused manifest makes m's files unknown, so the
// start check waits for its next one instead of trusting an old one.
func (r *Room) refuseTalkLocked(m *Member, typ wire.FrameType) error {
	if typ == wire.FrameManifest && m.manifest != nil {
		m.manifest = nil
	}
	if !m.talk.refused {
		m.talk.refused = true
		what := map[wire.FrameType]string{wire.FrameChat: "chat line", wire.FrameSetLag: "lag change", wire.FrameGolf: "golf change", wire.FrameGolfPress: "golf press",
			wire.FrameManifest: "announcement of your files", wire.FrameStart: "start", wire.FrameCatchUp: "catch-up report", wire.FrameEmulator: "emulator report", wire.FrameCheats: "cheat names", wire.FrameRename: "new name"}[typ]
		r.noticeLocked(m, fmt.Errorf("you are sending too fast: your %s was refused; wait a moment", what))
	}
	return nil
}

// noticeLocked tells m alone about a refused request.
func (r *Room) noticeLocked(m *Member, err error) {
	r.sendLocked(m, wire.FrameNotice, wire.AppendText(nil, wire.TextMsg{Text: err.Error()}))
}

func (r *Room) handleChatLocked(m *Member, p []byte) error {
	msg, err := wire.ParseText(p)
	if err != nil {
		return err
	}
	msg.ID = m.id
	r.broadcastLocked(wire.FrameChat, wire.AppendText(nil, msg), nil)
	r.eventLocked(session.Event{Kind: session.EventChat, Who: m.name, Text: msg.Text})
	return nil
}

func (r *Room) handleSetLagLocked(m *Member, p []byte) error {
	lag, err := wire.ParseU8(p)
	if err != nil {
		return fmt.Errorf("parse set-lag: %w", err)
	}
	e := r.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseLag, m.id
	return r.refuseIfLocked(m, r.requirePlayerLocked(m), r.setLagLocked, e)
}

// setLagLocked applies a player's /lag N, which turns autolag off.
func (r *Room) setLagLocked(e lockstep.SchedEntry) error {
	if err := r.scheduleLocked(e); err != nil {
		return err
	}
	if r.autoLagOn {
		r.setAutoLagLocked(false)
		r.noticeAllLocked(fmt.Sprintf("autolag is off: %s chose the lag; /autolag turns it on again", r.nameOf(e.Actor)))
	}
	return nil
}

func (r *Room) handleGolfLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("golf frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	e := r.game.Sched.Last()
	e.Golf = !e.Golf
	e.Seat, e.Actor = 0, m.id
	e.Cause = lockstep.CauseGolfOff
	if e.Golf {
		e.Cause = lockstep.CauseGolfOn
	}
	return r.refuseIfLocked(m, r.requirePlayerLocked(m), r.scheduleLocked, e)
}

// refuseIfLocked runs do(e) unless pre failed, and turns either failure
// into a notice to m.
func (r *Room) refuseIfLocked(m *Member, pre error, do func(lockstep.SchedEntry) error, e lockstep.SchedEntry) error {
	if pre == nil {
		pre = do(e)
	}
	if pre != nil {
		r.noticeLocked(m, pre)
	}
	return nil
}

func (r *Room) requirePlayerLocked(m *Member) error {
	if m.spectator {
		return errors.New("spectators cannot change the lag or golf mode")
	}
	return nil
}

func (r *Room) handleStartLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("start frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	if err := r.startLocked(m); err != nil {
		r.noticeLocked(m, err)
	}
	return nil
}

// handleGolfPressLocked moves the golf seat to m when golf mode is on.
func (r *Room) handleGolfPressLocked(m *Member, p []byte) error {
	if _, err := wire.ParseU32(p); err != nil {
		return fmt.Errorf("parse golf-press: %w", err)
	}
	return r.takeGolfSeatLocked(m)
}

// takeGolfSeatLocked moves the golf seat to m, which pressed the golf
// button, if golf mode is on and m does not hold or have it coming. A
// move reaches everyone, so it is held to m's talk rate: two players who
// press all the time cannot flood every console with seat changes. A full
// schedule drops the press: the next one tries again.
func (r *Room) takeGolfSeatLocked(m *Member) error {
	e := r.game.Sched.Last()
	if r.state != statePlaying || !e.Golf || e.Seat == m.id || m.ports == 0 {
		return nil
	}
	if !m.talk.allow(r.now()) {
		return r.refuseTalkLocked(m, wire.FrameGolfPress)
	}
	e.Seat, e.Actor, e.Cause = m.id, m.id, lockstep.CauseGolfSeat
	if err := r.scheduleLocked(e); err != nil && !errors.Is(err, lockstep.ErrScheduleFull) {
		return err
	}
	return nil
}

func (r *Room) handlePingLocked(m *Member, p []byte) error {
	pg, err := wire.ParsePing(p)
	if err != nil {
		return fmt.Errorf("parse ping: %w", err)
	}
	m.observeRTT(pg.RTT)
	r.sendLocked(m, wire.FramePong, wire.AppendU64(nil, pg.Clock))
	return nil
}

func (r *Room) handleChecksumLocked(m *Member, p []byte) error {
	c, err := wire.ParseChecksum(p)
	if err != nil {
		return err
	}
	// A client reports only polls it consumed, all below the grant; a
	// report beyond it is made up and ignored.
	if r.state != statePlaying || c.Count == 0 || c.Count > lockstep.History || uint64(c.From)+uint64(c.Count) > uint64(r.game.Grant) {
		return nil
	}
	var digest [32]byte
	copy(digest[:], wire.AppendChecksum(nil, wire.ChecksumMsg{Count: c.Count, Hash: c.Hash}))
	differ, ref := r.checks.Judge(c.From, lockstep.Report{ID: m.id, Role: r.roleLocked(m), Digest: digest}, r.activePlayersLocked(), r.hostPlayerLocked() != nil)
	for _, id := range differ {
		d := c
		d.ID = id
		r.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, d), nil)
		r.eventLocked(session.Event{Kind: session.EventDesync, Who: r.nameOf(id), Poll: c.From, Count: c.Count, Text: r.refName(ref)})
	}
	return nil
}

// roleLocked is how much m's reports count in desync verdicts.
func (r *Room) roleLocked(m *Member) lockstep.Role {
	switch {
	case m.ports == 0, m.ports&r.game.Vacant != 0: // a rejoined player is judged, as it replays, but does not judge
		return lockstep.RoleSpectator
	case m.isHost:
		return lockstep.RoleHost
	}
	return lockstep.RolePlayer
}

// activePlayersLocked counts the members that author a port of the game.
func (r *Room) activePlayersLocked() int {
	n := 0
	for _, m := range r.members {
		if m.ports&r.game.Active != 0 {
			n++
		}
	}
	return n
}

// refName names a verdict's reference for events.
func (r *Room) refName(id uint16) string {
	if id == 0 {
		return "the other players"
	}
	return r.nameOf(id)
}

// hostPlayerLocked returns the host's own player, if it plays.
func (r *Room) hostPlayerLocked() *Member {
	for _, m := range r.members {
		if m.isHost && m.ports != 0 {
			return m
		}
	}
	return nil
}
