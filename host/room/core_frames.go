package room

import (
	"fmt"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// handleCoreWantLocked sends m the data now, or when it arrives.
func (r *Room) handleCoreWantLocked(m *Member, p []byte) error {
	kind, err := wire.ParseU8(p)
	if err != nil || kind >= wire.CoreKinds {
		return fmt.Errorf("parse core-want: %w", wire.ErrBadValue)
	}
	if data, ok := r.cores.Data(kind); ok {
		r.sendCoreDataLocked(m, kind, data)
		return nil
	}
	m.coreWants |= 1 << kind
	return nil
}

func (r *Room) sendCoreDataLocked(m *Member, kind uint8, data []byte) {
	wire.CoreChunks(kind, data, func(p []byte) { r.sendLocked(m, wire.FrameCoreData, p) })
}

// coreDataArrivedLocked serves the members waiting for kind.
func (r *Room) coreDataArrivedLocked(kind uint8) {
	data, _ := r.cores.Data(kind)
	for _, m := range r.members {
		if m.coreWants&(1<<kind) != 0 {
			m.coreWants &^= 1 << kind
			r.sendCoreDataLocked(m, kind, data)
		}
	}
}

// handleCoreDataLocked takes player 1's data uploaded by a bridge.
func (r *Room) handleCoreDataLocked(m *Member, p []byte) error {
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
		r.cores.PutSettings(st)
		return nil
	}
	r.cores.PutSave(m64p.SaveFile(d.Kind-1), whole)
	return nil
}

func (r *Room) handleCoreSyncLocked(m *Member, p []byte) error {
	d, err := m64p.ParseSyncData(p)
	if err != nil {
		return err
	}
	r.compareCP0Locked(m, d)
	return nil
}
