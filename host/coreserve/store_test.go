package coreserve_test

import (
	"bytes"
	"testing"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func newStore() *coreserve.Store {
	var s coreserve.Store
	s.Init()
	return &s
}

func TestSaveKind(t *testing.T) {
	for _, f := range m64p.SaveFiles {
		k := coreserve.SaveKind(f)
		if k == wire.CoreKindSettings || k >= wire.CoreKinds {
			t.Errorf("SaveKind(%v) = %d, outside the save kinds", f, k)
		}
		if got := wire.CoreKindSize(k); got != f.Size() {
			t.Errorf("CoreKindSize(SaveKind(%v)) = %d, want %d", f, got, f.Size())
		}
	}
}

func TestStoreEmpty(t *testing.T) {
	s := newStore()
	for k := range uint8(wire.CoreKinds) {
		if s.Has(k) {
			t.Errorf("empty store Has(%d)", k)
		}
		if d, ok := s.Get(k); ok || d != nil {
			t.Errorf("empty store Get(%d) = %x, %v", k, d, ok)
		}
		if closed(s.Ready(k)) {
			t.Errorf("empty store: Ready(%d) is closed", k)
		}
	}
	if s.Settings() != (m64p.Settings{}) {
		t.Errorf("empty store Settings() = %+v, want zero", s.Settings())
	}
}

func TestStoreFirstCopyWins(t *testing.T) {
	s := newStore()
	kind := coreserve.SaveKind(m64p.SaveEEPROM)
	first := bytes.Repeat([]byte{1}, m64p.SaveEEPROM.Size())
	second := bytes.Repeat([]byte{2}, m64p.SaveEEPROM.Size())
	ready := s.Ready(kind)

	if !s.Put(kind, first) {
		t.Fatal("first Put refused")
	}
	if !closed(ready) {
		t.Fatal("Ready not closed by the first Put")
	}
	if s.Put(kind, second) { // closing Ready again would panic
		t.Fatal("second Put accepted")
	}
	if got, ok := s.Get(kind); !ok || !bytes.Equal(got, first) {
		t.Errorf("Get = %x…, %v; want the first copy", got[:1], ok)
	}
	if !s.Has(kind) {
		t.Error("Has = false after Put")
	}
	for k := range uint8(wire.CoreKinds) {
		if k != kind && (s.Has(k) || closed(s.Ready(k))) {
			t.Errorf("Put of kind %d touched kind %d", kind, k)
		}
	}
}

func TestStoreSettings(t *testing.T) {
	st1 := m64p.Settings{CountPerOp: 2, SiDmaDuration: -1, EmuMode: 2}
	st2 := m64p.Settings{CountPerOp: 3}
	tests := []struct {
		name  string
		first func(s *coreserve.Store) bool
		then  func(s *coreserve.Store) bool
	}{
		{"PutSettings then PutSettings",
			func(s *coreserve.Store) bool { return s.PutSettings(st1) },
			func(s *coreserve.Store) bool { return s.PutSettings(st2) }},
		{"PutSettings then Put",
			func(s *coreserve.Store) bool { return s.PutSettings(st1) },
			func(s *coreserve.Store) bool { return s.Put(wire.CoreKindSettings, st2.AppendTo(nil)) }},
		{"Put then PutSettings",
			func(s *coreserve.Store) bool { return s.Put(wire.CoreKindSettings, st1.AppendTo(nil)) },
			func(s *coreserve.Store) bool { return s.PutSettings(st2) }},
		{"Put then Put",
			func(s *coreserve.Store) bool { return s.Put(wire.CoreKindSettings, st1.AppendTo(nil)) },
			func(s *coreserve.Store) bool { return s.Put(wire.CoreKindSettings, st2.AppendTo(nil)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore()
			if !tt.first(s) {
				t.Fatal("first copy refused")
			}
			if !closed(s.Ready(wire.CoreKindSettings)) {
				t.Fatal("Ready(settings) not closed")
			}
			if tt.then(s) {
				t.Fatal("second copy accepted")
			}
			if s.Settings() != st1 {
				t.Errorf("Settings() = %+v, want %+v", s.Settings(), st1)
			}
			if got, ok := s.Get(wire.CoreKindSettings); !ok || !bytes.Equal(got, st1.AppendTo(nil)) {
				t.Errorf("Get(settings) = %x, %v; want %x", got, ok, st1.AppendTo(nil))
			}
		})
	}
}

func TestStorePutRefuses(t *testing.T) {
	tests := []struct {
		name string
		kind uint8
		data []byte
	}{
		{"settings too short", wire.CoreKindSettings, make([]byte, m64p.SettingsSize-1)},
		{"settings too long", wire.CoreKindSettings, make([]byte, m64p.SettingsSize+1)},
		{"settings nil", wire.CoreKindSettings, nil},
		{"kind CoreKinds", wire.CoreKinds, make([]byte, 24)},
		{"kind 255", 255, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore()
			if s.Put(tt.kind, tt.data) {
				t.Fatalf("Put(%d, %d bytes) accepted", tt.kind, len(tt.data))
			}
			if s.Has(tt.kind) {
				t.Errorf("Has(%d) after a refused Put", tt.kind)
			}
			if _, ok := s.Get(tt.kind); ok {
				t.Errorf("Get(%d) ok after a refused Put", tt.kind)
			}
			for k := range uint8(wire.CoreKinds) {
				if closed(s.Ready(k)) {
					t.Errorf("Ready(%d) closed by a refused Put", k)
				}
			}
			// A refused copy does not count as the first one.
			if tt.kind == wire.CoreKindSettings {
				want := m64p.Settings{EmuMode: 1}
				if !s.Put(tt.kind, want.AppendTo(nil)) || s.Settings() != want {
					t.Errorf("a good copy after a refused one: Settings() = %+v, want %+v", s.Settings(), want)
				}
			}
		})
	}
}

// TestStoreSized: gopher64's files and custom slots are kept once, the
// first copy wins, their channels close on arrival, and a mupen64plus save
// is kept as a sized file too.
func TestStoreSized(t *testing.T) {
	var s coreserve.Store
	s.Init()
	ready := s.SizedReady(m64p.SaveImage)
	if _, ok := s.Sized(m64p.SaveImage); ok {
		t.Fatal("an empty store has img")
	}
	if !s.PutSized(m64p.SaveImage, []byte{1, 2}) || s.PutSized(m64p.SaveImage, []byte{3}) {
		t.Fatal("PutSized kept other than the first img")
	}
	<-ready
	if d, ok := s.Sized(m64p.SaveImage); !ok || !bytes.Equal(d, []byte{1, 2}) {
		t.Fatalf("img %x %v", d, ok)
	}
	if !s.PutSized(m64p.SaveROM, nil) {
		t.Fatal("PutSized refused an empty rom")
	}
	if d, ok := s.Sized(m64p.SaveROM); !ok || d == nil || len(d) != 0 {
		t.Fatalf("rom %x %v: want no bytes", d, ok)
	}
	eep := bytes.Repeat([]byte{7}, m64p.SaveEEPROM.Size())
	s.Put(coreserve.SaveKind(m64p.SaveEEPROM), eep)
	if d, ok := s.Sized(m64p.SaveEEPROM); !ok || !bytes.Equal(d, eep) {
		t.Fatal("a mupen64plus eep is not kept as a sized one")
	}
	if s.PutSized(m64p.SaveFile(6), nil) || s.SizedReady(6) != nil || s.PutCustom(64, nil) || s.CustomReady(64) != nil {
		t.Fatal("the store takes a file or slot out of range")
	}
	rng := s.CustomReady(m64p.CustomRNG)
	if !s.PutCustom(m64p.CustomRNG, []byte{9}) || s.PutCustom(m64p.CustomRNG, []byte{8}) {
		t.Fatal("PutCustom kept other than the first RNG")
	}
	<-rng
	if d, ok := s.Custom(m64p.CustomRNG); !ok || !bytes.Equal(d, []byte{9}) {
		t.Fatalf("RNG %x %v", d, ok)
	}
	if _, ok := s.Custom(m64p.CustomRTC); ok {
		t.Fatal("the store has an RTC nobody sent")
	}
}
