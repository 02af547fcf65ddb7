package saves

import (
	"errors"
	"fmt"
	"time"
)

// Store reads and writes one game's saves in one emulator's folder and
// convention. Fill it in and call its methods; it holds no open files and
// may be copied. Not safe for concurrent writes to the same folder.
type Store struct {
	// Dir is the save folder; "" means the emulator's [DefaultDir].
	// For Project64 3.x it is the Save folder, not the per-game one.
	Dir string
	// Emulator is the convention to read and write.
	Emulator Emulator
	// Game identifies the ROM; Game.ROM is required.
	Game Game
	// Now returns the time used in backup names; nil means time.Now.
	Now func() time.Time
}

func (s *Store) check() error {
	if s.Emulator.Family() == FamilyUnknown {
		return fmt.Errorf("save store: %w", ErrUnknownEmulator)
	}
	if s.Game.ROM == nil {
		return errors.New("save store: no rom")
	}
	return nil
}

func (s *Store) dir() (string, error) {
	if s.Dir != "" {
		return s.Dir, nil
	}
	return DefaultDir(s.Emulator)
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Read reads every component of the game's saves into canonical form.
// Components without a file, or whose file holds no save, are absent.
func (s *Store) Read() (Set, error) {
	var set Set
	for k := range set {
		set[k].Kind = Kind(k)
	}
	files, err := s.Locate()
	if err != nil {
		return set, err
	}
	for _, f := range files {
		if !f.Exists {
			continue
		}
		b, err := readBounded(f.Path, f.layout.maxFile())
		if err != nil {
			return set, err
		}
		for _, c := range s.decode(f, b) {
			c.Path = f.Path
			set[c.Kind] = c
		}
	}
	return set, nil
}

// decode turns the bytes of file f into its components.
func (s *Store) decode(f File, b []byte) []Component {
	switch f.layout {
	case layoutEEP:
		return []Component{EEPROMFromFile(b, s.Game.eepromNominal())}
	case layoutSRA:
		return []Component{WordsFromFile(SRAM, b)}
	case layoutFLA:
		return []Component{WordsFromFile(FlashRAM, b)}
	case layoutMempak:
		return []Component{MempakFromFile(f.pak, b)}
	case layoutMempaks:
		paks := MempaksFromFile(b)
		return paks[:]
	}
	set := SRMFromFile(b, s.Game.eepromNominal())
	return set[:]
}
