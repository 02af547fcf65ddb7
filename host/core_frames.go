package host

import (
	"fmt"

	"github.com/netpak/netpak/host/m64p"
)

// Player 1's emulator settings and saves travel between the host and
// bridges as core-data frames. Kind 0 is the settings, kind 1+f save f.

const (
	coreKindSettings = 0
	coreKinds        = 5
	coreChunk        = 8192 // bytes of data per core-data frame
)

// coreKindSize is the exact size of each kind's data.
func coreKindSize(kind uint8) int {
	if kind == coreKindSettings {
		return 24
	}
	return m64p.SaveFile(kind - 1).Size()
}

// coreData is one chunk.
type coreData struct {
	Kind   uint8
	Offset uint32
	Total  uint32
	Data   []byte // a view into the frame
}

func appendCoreData(b []byte, d coreData) []byte {
	b = append(b, d.Kind)
	b = appendU32(b, d.Offset)
	b = appendU32(b, d.Total)
	return append(b, d.Data...)
}

func parseCoreData(p []byte) (coreData, error) {
	r := reader{b: p}
	d := coreData{Kind: r.u8(), Offset: r.u32(), Total: r.u32()}
	if r.err != nil {
		return coreData{}, fmt.Errorf("parse core-data: %w", r.err)
	}
	d.Data = r.b
	if d.Kind >= coreKinds || int(d.Total) != coreKindSize(d.Kind) ||
		uint64(d.Offset)+uint64(len(d.Data)) > uint64(d.Total) || len(d.Data) > coreChunk {
		return coreData{}, fmt.Errorf("parse core-data: %w", errBadValue)
	}
	return d, nil
}

// coreChunks calls send for each chunk of kind's data.
func coreChunks(kind uint8, data []byte, send func(payload []byte)) {
	total := coreKindSize(kind)
	if data == nil {
		data = make([]byte, total)
	}
	for off := 0; off < total; off += coreChunk {
		end := min(off+coreChunk, total)
		send(appendCoreData(nil, coreData{Kind: kind, Offset: uint32(off), Total: uint32(total), Data: data[off:end]}))
	}
}

// coreAssembly collects one kind's chunks in order.
type coreAssembly struct {
	buf [coreKinds][]byte
}

// add takes a chunk and returns the whole data once the last chunk came.
func (a *coreAssembly) add(d coreData) ([]byte, error) {
	if int(d.Offset) != len(a.buf[d.Kind]) {
		return nil, fmt.Errorf("core-data chunk at %d, expected %d: %w", d.Offset, len(a.buf[d.Kind]), errBadValue)
	}
	a.buf[d.Kind] = append(a.buf[d.Kind], d.Data...)
	if len(a.buf[d.Kind]) < int(d.Total) {
		return nil, nil
	}
	whole := a.buf[d.Kind]
	a.buf[d.Kind] = nil
	return whole, nil
}

// coreDataOfLocked returns kind's data if the session has it.
func (s *session) coreDataOfLocked(kind uint8) ([]byte, bool) {
	if kind == coreKindSettings {
		if !s.cores.hasSettings {
			return nil, false
		}
		return s.cores.settings.AppendTo(nil), true
	}
	f := kind - 1
	return s.cores.saves[f], s.cores.hasSave[f]
}

// handleCoreWantLocked sends m the data now, or when it arrives.
func (s *session) handleCoreWantLocked(m *member, p []byte) error {
	kind, err := parseU8(p)
	if err != nil || kind >= coreKinds {
		return fmt.Errorf("parse core-want: %w", errBadValue)
	}
	if data, ok := s.coreDataOfLocked(kind); ok {
		s.sendCoreDataLocked(m, kind, data)
		return nil
	}
	m.coreWants |= 1 << kind
	return nil
}

func (s *session) sendCoreDataLocked(m *member, kind uint8, data []byte) {
	coreChunks(kind, data, func(p []byte) { s.sendLocked(m, frameCoreData, p) })
}

// coreDataArrivedLocked serves the members waiting for kind.
func (s *session) coreDataArrivedLocked(kind uint8) {
	data, _ := s.coreDataOfLocked(kind)
	for _, m := range s.members {
		if m.coreWants&(1<<kind) != 0 {
			m.coreWants &^= 1 << kind
			s.sendCoreDataLocked(m, kind, data)
		}
	}
}

// handleCoreDataLocked takes player 1's data uploaded by a bridge.
func (s *session) handleCoreDataLocked(m *member, p []byte) error {
	d, err := parseCoreData(p)
	if err != nil {
		return err
	}
	if !m.ports.Has(0) {
		return fmt.Errorf("core-data from a member that is not player 1: %w", errBadValue)
	}
	whole, err := m.uploads.add(d)
	if err != nil || whole == nil {
		return err
	}
	if d.Kind == coreKindSettings {
		st, err := m64p.ParseSettings(whole)
		if err != nil {
			return err
		}
		s.putSettingsLocked(st)
		return nil
	}
	s.putSaveLocked(m64p.SaveFile(d.Kind-1), whole)
	return nil
}

func (s *session) handleCoreSyncLocked(m *member, p []byte) error {
	d, err := m64p.ParseSyncData(p)
	if err != nil {
		return err
	}
	s.compareCP0Locked(m, d)
	return nil
}
