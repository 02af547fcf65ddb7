package host

import (
	"errors"
	"fmt"
)

// handleFrameLocked handles one frame from m. An error means m sent
// something malformed and is dropped; refusals of well-formed requests are
// notices to m instead.
func (s *session) handleFrameLocked(m *member, typ frameType, p []byte) error {
	if m.left {
		return nil
	}
	switch typ {
	case frameChat:
		return s.handleChatLocked(m, p)
	case frameSetLag:
		return s.handleSetLagLocked(m, p)
	case frameGolf:
		return s.handleGolfLocked(m, p)
	case frameStart:
		return s.handleStartLocked(m, p)
	case frameGolfPress:
		return s.handleGolfPressLocked(m, p)
	case frameInputs:
		return s.handleInputsFrameLocked(m, p)
	case framePing:
		return s.handlePingLocked(m, p)
	case frameChecksum:
		return s.handleChecksumLocked(m, p)
	case frameCoreWant:
		return s.handleCoreWantLocked(m, p)
	case frameCoreData:
		return s.handleCoreDataLocked(m, p)
	case frameCoreSync:
		return s.handleCoreSyncLocked(m, p)
	case frameManifest:
		return s.handleManifestLocked(m, p)
	case frameSyncData:
		return s.handleSyncDataLocked(m, p)
	case frameRelease:
		return s.handleReleaseLocked(m, p)
	}
	return fmt.Errorf("unexpected %v frame", typ)
}

// noticeLocked tells m alone about a refused request.
func (s *session) noticeLocked(m *member, err error) {
	s.sendLocked(m, frameNotice, appendText(nil, textMsg{Text: err.Error()}))
}

func (s *session) handleChatLocked(m *member, p []byte) error {
	msg, err := parseText(p)
	if err != nil {
		return err
	}
	msg.ID = m.id
	s.broadcastLocked(frameChat, appendText(nil, msg), nil)
	s.eventLocked(Event{Kind: EventChat, Who: m.name, Text: msg.Text})
	return nil
}

func (s *session) handleSetLagLocked(m *member, p []byte) error {
	lag, err := parseU8(p)
	if err != nil {
		return fmt.Errorf("parse set-lag: %w", err)
	}
	e := s.sched.last()
	e.Lag, e.Cause, e.Actor = lag, causeLag, m.id
	return s.refuseIfLocked(m, s.requirePlayerLocked(m), s.scheduleLocked, e)
}

func (s *session) handleGolfLocked(m *member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("golf frame with %d bytes: %w", len(p), errLong)
	}
	e := s.sched.last()
	e.Golf = !e.Golf
	e.Seat, e.Actor = 0, m.id
	e.Cause = causeGolfOff
	if e.Golf {
		e.Cause = causeGolfOn
	}
	return s.refuseIfLocked(m, s.requirePlayerLocked(m), s.scheduleLocked, e)
}

// refuseIfLocked runs do(e) unless pre failed, and turns either failure
// into a notice to m.
func (s *session) refuseIfLocked(m *member, pre error, do func(schedEntry) error, e schedEntry) error {
	if pre == nil {
		pre = do(e)
	}
	if pre != nil {
		s.noticeLocked(m, pre)
	}
	return nil
}

func (s *session) requirePlayerLocked(m *member) error {
	if m.spectator {
		return errors.New("spectators cannot change the lag or golf mode")
	}
	return nil
}

func (s *session) handleStartLocked(m *member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("start frame with %d bytes: %w", len(p), errLong)
	}
	if err := s.startLocked(m); err != nil {
		s.noticeLocked(m, err)
	}
	return nil
}

// handleGolfPressLocked moves the golf seat to m when golf mode is on.
func (s *session) handleGolfPressLocked(m *member, p []byte) error {
	if _, err := parseU32(p); err != nil {
		return fmt.Errorf("parse golf-press: %w", err)
	}
	e := s.sched.last()
	if s.state != statePlaying || !e.Golf || e.Seat == m.id || m.ports == 0 {
		return nil
	}
	e.Seat, e.Actor, e.Cause = m.id, m.id, causeGolfSeat
	if err := s.scheduleLocked(e); err != nil && !errors.Is(err, errScheduleFull) {
		return err
	}
	return nil
}

func (s *session) handlePingLocked(m *member, p []byte) error {
	pg, err := parsePing(p)
	if err != nil {
		return fmt.Errorf("parse ping: %w", err)
	}
	m.rtt = pg.RTT
	s.sendLocked(m, framePong, appendU64(nil, pg.Clock))
	return nil
}

func (s *session) handleChecksumLocked(m *member, p []byte) error {
	c, err := parseChecksum(p)
	if err != nil {
		return err
	}
	differ, ref := s.checks.compare(m.id, c, m.isHost && m.ports != 0, s.hostPlayerLocked() != nil)
	for _, id := range differ {
		who := s.nameOf(id)
		d := c
		d.ID = id
		s.broadcastLocked(frameDesync, appendChecksum(nil, d), nil)
		s.eventLocked(Event{Kind: EventDesync, Who: who, Poll: c.From, Count: c.Count, Text: s.nameOf(ref)})
	}
	return nil
}

// hostPlayerLocked returns the host's own player, if it plays.
func (s *session) hostPlayerLocked() *member {
	for _, m := range s.members {
		if m.isHost && m.ports != 0 {
			return m
		}
	}
	return nil
}
