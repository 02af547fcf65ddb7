package coreserve

import (
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// Store is player 1's data that every other core downloads before the
// game: its settings and its four save files, by kind (wire.CoreKind*);
// and what gopher64's player 1 sends once the game started: its six save
// files by name, each of its own size, and its custom slots. The first
// copy of each is kept and never replaced, so every core starts from the
// same bytes. Its owner guards it with its lock; the Ready channels may be
// waited on without it. What it holds is bounded: 5 kinds, 6 files of at
// most m64p.MaxImageSize and 64 slots of at most m64p.MaxCustomSize, all
// bounded by the decoder.
type Store struct {
	settings m64p.Settings
	data     [wire.CoreKinds][]byte
	has      [wire.CoreKinds]bool
	ready    [wire.CoreKinds]chan struct{}

	sized  [m64p.NumSaveFiles]item
	custom [m64p.CustomSlots]item
}

// item is one sized save or custom slot.
type item struct {
	data  []byte
	has   bool
	ready chan struct{}
}

func (it *item) put(data []byte) bool {
	if it.has {
		return false
	}
	it.data, it.has = data, true
	close(it.ready)
	return true
}

// Init makes an empty store.
func (s *Store) Init() {
	*s = Store{}
	for k := range s.ready {
		s.ready[k] = make(chan struct{})
	}
	for i := range s.sized {
		s.sized[i].ready = make(chan struct{})
	}
	for i := range s.custom {
		s.custom[i].ready = make(chan struct{})
	}
}

// PutSized keeps save file f as player 1 sent it, of any size (nil is
// kept as no bytes); it reports false if the store had f already or f is
// no file.
func (s *Store) PutSized(f m64p.SaveFile, data []byte) bool {
	if int(f) >= len(s.sized) {
		return false
	}
	if data == nil {
		data = []byte{}
	}
	return s.sized[f].put(data)
}

// Sized returns save file f as player 1 sent it, if the store has it.
func (s *Store) Sized(f m64p.SaveFile) ([]byte, bool) {
	if int(f) >= len(s.sized) {
		return nil, false
	}
	return s.sized[f].data, s.sized[f].has
}

// SizedReady returns a channel closed when save file f arrives; nil
// (never ready) for no file.
func (s *Store) SizedReady(f m64p.SaveFile) <-chan struct{} {
	if int(f) >= len(s.sized) {
		return nil
	}
	return s.sized[f].ready
}

// PutCustom keeps custom slot k; it reports false if the store had it
// already or k is no slot.
func (s *Store) PutCustom(k uint8, data []byte) bool {
	if int(k) >= len(s.custom) {
		return false
	}
	if data == nil {
		data = []byte{}
	}
	return s.custom[k].put(data)
}

// Custom returns custom slot k if the store has it.
func (s *Store) Custom(k uint8) ([]byte, bool) {
	if int(k) >= len(s.custom) {
		return nil, false
	}
	return s.custom[k].data, s.custom[k].has
}

// CustomReady returns a channel closed when custom slot k arrives; nil
// (never ready) for no slot.
func (s *Store) CustomReady(k uint8) <-chan struct{} {
	if int(k) >= len(s.custom) {
		return nil
	}
	return s.custom[k].ready
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
// A save file is kept as a sized one too, if the store had none.
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
	} else {
		s.PutSized(m64p.SaveFile(kind-1), data)
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

// Ready returns a channel closed when kind arrives; nil (never ready) for
// no kind.
func (s *Store) Ready(kind uint8) <-chan struct{} {
	if kind >= wire.CoreKinds {
		return nil
	}
	return s.ready[kind]
}
