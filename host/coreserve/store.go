package coreserve

import (
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// Store is player 1's data that every other core downloads before the
// game: its settings and its four save files, by kind (wire.CoreKind*).
// The first copy of each kind is kept and never replaced, so every core
// starts from the same bytes. Its owner guards it with its lock; Ready's
// channels may be waited on without it.
type Store struct {
	settings m64p.Settings
	data     [wire.CoreKinds][]byte
	has      [wire.CoreKinds]bool
	ready    [wire.CoreKinds]chan struct{}
}

// Init makes an empty store.
func (s *Store) Init() {
	*s = Store{}
	for k := range s.ready {
		s.ready[k] = make(chan struct{})
	}
}

// SaveKind is the kind of save file f.
func SaveKind(f m64p.SaveFile) uint8 { return uint8(f) + 1 }

// PutSettings keeps player 1's settings; it reports false if the store
// had them already.
func (s *Store) PutSettings(st m64p.Settings) bool {
	if s.has[wire.CoreKindSettings] {
		return false
	}
	s.settings = st
	s.put(wire.CoreKindSettings, st.AppendTo(nil))
	return true
}

// Put keeps kind's data, which must be whole and, for settings, parse; it
// reports false if the store had that kind already or data is no kind's.
func (s *Store) Put(kind uint8, data []byte) bool {
	if kind >= wire.CoreKinds || s.has[kind] {
		return false
	}
	if kind == wire.CoreKindSettings {
		st, err := m64p.ParseSettings(data)
		if err != nil {
			return false
		}
		s.settings = st
	}
	s.put(kind, data)
	return true
}

func (s *Store) put(kind uint8, data []byte) {
	s.data[kind], s.has[kind] = data, true
	close(s.ready[kind])
}

// Get returns kind's data if the store has it.
func (s *Store) Get(kind uint8) ([]byte, bool) {
	if kind >= wire.CoreKinds {
		return nil, false
	}
	return s.data[kind], s.has[kind]
}

// Has reports whether the store holds kind.
func (s *Store) Has(kind uint8) bool { return kind < wire.CoreKinds && s.has[kind] }

// Settings returns player 1's settings (zero until they arrived).
func (s *Store) Settings() m64p.Settings { return s.settings }

// Ready returns a channel closed when kind arrives.
func (s *Store) Ready(kind uint8) <-chan struct{} { return s.ready[kind] }
