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
func (s *Room) handleFrameLocked(m *Member, typ wire.FrameType, p []byte) error {
	if m.left {
		return nil
	}
	if talks(typ) && !m.talk.allow(s.now()) {
		return s.refuseTalkLocked(m, typ)
	}
	switch typ {
	case wire.FrameChat:
		return s.handleChatLocked(m, p)
	case wire.FrameSetLag:
		return s.handleSetLagLocked(m, p)
	case wire.FrameGolf:
		return s.handleGolfLocked(m, p)
	case wire.FrameStart:
		return s.handleStartLocked(m, p)
	case wire.FrameGolfPress:
		return s.handleGolfPressLocked(m, p)
	case wire.FrameInputs:
		return s.handleInputsFrameLocked(m, p)
	case wire.FramePing:
		return s.handlePingLocked(m, p)
	case wire.FrameChecksum:
		return s.handleChecksumLocked(m, p)
	case wire.FrameCoreWant:
		return s.handleCoreWantLocked(m, p)
	case wire.FrameCoreData:
		return s.handleCoreDataLocked(m, p)
	case wire.FrameCoreSync:
		return s.handleCoreSyncLocked(m, p)
	case wire.FrameManifest:
		return s.handleManifestLocked(m, p)
	case wire.FrameSyncData:
		return s.handleSyncDataLocked(m, p)
	case wire.FrameAutoLag:
		return s.handleAutoLagLocked(m, p)
	case wire.FrameStop:
		return s.handleStopLocked(m, p)
	case wire.FrameRelease:
		return s.handleReleaseLocked(m, p)
	case wire.FrameCatchUp:
		return s.handleCatchUpLocked(m, p)
	case wire.FrameEmulator:
		return s.handleEmulatorLocked(m, p)
	case wire.FrameCheats:
		return s.handleCheatsLocked(m, p)
	}
	return fmt.Errorf("unexpected %v frame", typ)
}

// talks reports whether a frame of type typ makes the host send
// something to every member.
func talks(typ wire.FrameType) bool {
	switch typ {
	case wire.FrameChat, wire.FrameSetLag, wire.FrameGolf, wire.FrameManifest, wire.FrameStart, wire.FrameAutoLag, wire.FrameCatchUp, wire.FrameEmulator, wire.FrameCheats:
		return true
	}
	return false
}

// refuseTalkLocked refuses a frame beyond m's rate, telling m once per
// run of refusals. A refused manifest makes m's files unknown, so the
// start check waits for its next one instead of trusting an old one.
func (s *Room) refuseTalkLocked(m *Member, typ wire.FrameType) error {
	if typ == wire.FrameManifest && m.manifest != nil {
		m.manifest = nil
	}
	if !m.talk.refused {
		m.talk.refused = true
		what := map[wire.FrameType]string{wire.FrameChat: "chat line", wire.FrameSetLag: "lag change", wire.FrameGolf: "golf change",
			wire.FrameManifest: "announcement of your files", wire.FrameStart: "start", wire.FrameCatchUp: "catch-up report", wire.FrameEmulator: "emulator report", wire.FrameCheats: "cheat names"}[typ]
		s.noticeLocked(m, fmt.Errorf("you are sending too fast: your %s was refused; wait a moment", what))
	}
	return nil
}

// noticeLocked tells m alone about a refused request.
func (s *Room) noticeLocked(m *Member, err error) {
	s.sendLocked(m, wire.FrameNotice, wire.AppendText(nil, wire.TextMsg{Text: err.Error()}))
}

func (s *Room) handleChatLocked(m *Member, p []byte) error {
	msg, err := wire.ParseText(p)
	if err != nil {
		return err
	}
	msg.ID = m.id
	s.broadcastLocked(wire.FrameChat, wire.AppendText(nil, msg), nil)
	s.eventLocked(session.Event{Kind: session.EventChat, Who: m.name, Text: msg.Text})
	return nil
}

func (s *Room) handleSetLagLocked(m *Member, p []byte) error {
	lag, err := wire.ParseU8(p)
	if err != nil {
		return fmt.Errorf("parse set-lag: %w", err)
	}
	e := s.game.Sched.Last()
	e.Lag, e.Cause, e.Actor = lag, lockstep.CauseLag, m.id
	return s.refuseIfLocked(m, s.requirePlayerLocked(m), s.setLagLocked, e)
}

// setLagLocked applies a player's /lag N, which turns autolag off.
func (s *Room) setLagLocked(e lockstep.SchedEntry) error {
	if err := s.scheduleLocked(e); err != nil {
		return err
	}
	if s.autoLagOn {
		s.autoLagOn = false
		s.noticeAllLocked(fmt.Sprintf("autolag is off: %s chose the lag; /autolag turns it on again", s.nameOf(e.Actor)))
	}
	return nil
}

func (s *Room) handleGolfLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("golf frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	e := s.game.Sched.Last()
	e.Golf = !e.Golf
	e.Seat, e.Actor = 0, m.id
	e.Cause = lockstep.CauseGolfOff
	if e.Golf {
		e.Cause = lockstep.CauseGolfOn
	}
	return s.refuseIfLocked(m, s.requirePlayerLocked(m), s.scheduleLocked, e)
}

// refuseIfLocked runs do(e) unless pre failed, and turns either failure
// into a notice to m.
func (s *Room) refuseIfLocked(m *Member, pre error, do func(lockstep.SchedEntry) error, e lockstep.SchedEntry) error {
	if pre == nil {
		pre = do(e)
	}
	if pre != nil {
		s.noticeLocked(m, pre)
	}
	return nil
}

func (s *Room) requirePlayerLocked(m *Member) error {
	if m.spectator {
		return errors.New("spectators cannot change the lag or golf mode")
	}
	return nil
}

func (s *Room) handleStartLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("start frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	if err := s.startLocked(m); err != nil {
		s.noticeLocked(m, err)
	}
	return nil
}

// handleGolfPressLocked moves the golf seat to m when golf mode is on.
func (s *Room) handleGolfPressLocked(m *Member, p []byte) error {
	if _, err := wire.ParseU32(p); err != nil {
		return fmt.Errorf("parse golf-press: %w", err)
	}
	e := s.game.Sched.Last()
	if s.state != statePlaying || !e.Golf || e.Seat == m.id || m.ports == 0 {
		return nil
	}
	e.Seat, e.Actor, e.Cause = m.id, m.id, lockstep.CauseGolfSeat
	if err := s.scheduleLocked(e); err != nil && !errors.Is(err, lockstep.ErrScheduleFull) {
		return err
	}
	return nil
}

func (s *Room) handlePingLocked(m *Member, p []byte) error {
	pg, err := wire.ParsePing(p)
	if err != nil {
		return fmt.Errorf("parse ping: %w", err)
	}
	m.observeRTT(pg.RTT)
	s.sendLocked(m, wire.FramePong, wire.AppendU64(nil, pg.Clock))
	return nil
}

func (s *Room) handleChecksumLocked(m *Member, p []byte) error {
	c, err := wire.ParseChecksum(p)
	if err != nil {
		return err
	}
	// A client reports only polls it consumed, all below the grant; a
	// report beyond it is made up and ignored.
	if s.state != statePlaying || c.Count == 0 || c.Count > lockstep.History || uint64(c.From)+uint64(c.Count) > uint64(s.game.Grant) {
		return nil
	}
	var digest [32]byte
	copy(digest[:], wire.AppendChecksum(nil, wire.ChecksumMsg{Count: c.Count, Hash: c.Hash}))
	differ, ref := s.checks.Judge(c.From, lockstep.Report{ID: m.id, Role: s.roleLocked(m), Digest: digest}, s.activePlayersLocked(), s.hostPlayerLocked() != nil)
	for _, id := range differ {
		d := c
		d.ID = id
		s.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, d), nil)
		s.eventLocked(session.Event{Kind: session.EventDesync, Who: s.nameOf(id), Poll: c.From, Count: c.Count, Text: s.refName(ref)})
	}
	return nil
}

// roleLocked is how much m's reports count in desync verdicts.
func (s *Room) roleLocked(m *Member) lockstep.Role {
	switch {
	case m.ports == 0, m.ports&s.game.Vacant != 0: // a rejoined player is judged, as it replays, but does not judge
		return lockstep.RoleSpectator
	case m.isHost:
		return lockstep.RoleHost
	}
	return lockstep.RolePlayer
}

// activePlayersLocked counts the members that author a port of the game.
func (s *Room) activePlayersLocked() int {
	n := 0
	for _, m := range s.members {
		if m.ports&s.game.Active != 0 {
			n++
		}
	}
	return n
}

// refName names a verdict's reference for events.
func (s *Room) refName(id uint16) string {
	if id == 0 {
		return "the other players"
	}
	return s.nameOf(id)
}

// hostPlayerLocked returns the host's own player, if it plays.
func (s *Room) hostPlayerLocked() *Member {
	for _, m := range s.members {
		if m.isHost && m.ports != 0 {
			return m
		}
	}
	return nil
}
