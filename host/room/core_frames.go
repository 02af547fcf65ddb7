package room

import (
	"fmt"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// handleCoreWantLocked sends m the data now, or when it arrives.
func (s *Room) handleCoreWantLocked(m *Member, p []byte) error {
	kind, err := wire.ParseU8(p)
	if err != nil || kind >= wire.CoreKinds {
		return fmt.Errorf("parse core-want: %w", wire.ErrBadValue)
	}
	if data, ok := s.cores.Data(kind); ok {
		s.sendCoreDataLocked(m, kind, data)
		return nil
	}
	m.coreWants |= 1 << kind
	return nil
}

func (s *Room) sendCoreDataLocked(m *Member, kind uint8, data []byte) {
	wire.CoreChunks(kind, data, func(p []byte) { s.sendLocked(m, wire.FrameCoreData, p) })
}

// coreDataArrivedLocked serves the members waiting for kind.
func (s *Room) coreDataArrivedLocked(kind uint8) {
	data, _ := s.cores.Data(kind)
	for _, m := range s.members {
		if m.coreWants&(1<<kind) != 0 {
			m.coreWants &^= 1 << kind
			s.sendCoreDataLocked(m, kind, data)
		}
	}
}

// handleCoreDataLocked takes player 1's data uploaded by a bridge.
func (s *Room) handleCoreDataLocked(m *Member, p []byte) error {
	d, err := wire.ParseCoreData(p)
	if err != nil {
		return err
	}
	if !m.ports.Has(0) {
		return fmt.Errorf("core-data from a member that is not player 1: %w", wire.ErrBadValue)
	}
	whole, done, err := m.uploads.Add(d)
	if err != nil || !done {
		return err
	}
	if d.Kind == wire.CoreKindSettings {
		st, err := m64p.ParseSettings(whole)
		if err != nil {
			return err
		}
		s.cores.PutSettings(st)
		return nil
	}
	s.cores.PutSave(m64p.SaveFile(d.Kind-1), whole)
	return nil
}

func (s *Room) handleCoreSyncLocked(m *Member, p []byte) error {
	d, err := m64p.ParseSyncData(p)
	if err != nil {
		return err
	}
	s.compareCP0Locked(m, d)
	return nil
}
