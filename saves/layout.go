package saves

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// layout says how a file stores its components.
type layout uint8

const (
	layoutEEP     layout = iota // one EEPROM, plain bytes
	layoutSRA                   // SRAM, 32-bit little-endian words
	layoutFLA                   // FlashRAM, 32-bit little-endian words
	layoutMempaks               // four 32 KiB paks in a row
	layoutMempak                // one 32 KiB pak
	layoutSRM                   // RetroArch save RAM: EEPROM, paks, SRAM, FlashRAM
)

// maxFile is the largest file of each layout that is read.
func (l layout) maxFile() int64 {
	switch l {
	case layoutEEP:
		return maxEEPFile
	case layoutSRA:
		return maxSRAFile
	case layoutFLA:
		return maxFLAFile
	case layoutMempaks:
		return maxMempaksFile
	case layoutMempak:
		return maxMempakFile
	}
	return srmSize
}

// File is one save file of a game in an emulator's convention.
type File struct {
	// Path is the file found or, if none exists, where the emulator would
	// create it.
	Path string
	// Exists reports whether Path was found.
	Exists bool
	// Kinds are the components the file holds.
	Kinds []Kind

	layout layout
	pak    int // controller index for layoutMempak
}

// Locate finds the save files of the store's game, one File per file the
// emulator uses, whether it exists or not.
func (s *Store) Locate() ([]File, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	dir, err := s.dir()
	if err != nil {
		return nil, err
	}
	switch s.Emulator.Family() {
	case FamilyMupen64Plus:
		return s.locateMupen(dir)
	case FamilyProject64:
		return s.locatePJ64(dir)
	}
	return s.locateRetroArch(dir)
}

func (s *Store) locateMupen(dir string) ([]File, error) {
	lookup, create := mupenBases(s.Emulator, s.Game)
	var out []File
	for _, spec := range []struct {
		ext   string
		l     layout
		kinds []Kind
	}{
		{".eep", layoutEEP, []Kind{EEPROM}},
		{".sra", layoutSRA, []Kind{SRAM}},
		{".fla", layoutFLA, []Kind{FlashRAM}},
		{".mpk", layoutMempaks, []Kind{Mempak1, Mempak2, Mempak3, Mempak4}},
	} {
		f, err := resolve([]string{dir}, lookup, create, spec.ext)
		if err != nil {
			return nil, err
		}
		f.Kinds, f.layout = spec.kinds, spec.l
		out = append(out, f)
	}
	return out, nil
}

func (s *Store) locatePJ64(dir string) ([]File, error) {
	name := pj64Name(s.Emulator, s.Game)
	dirs := []string{dir}
	if s.Emulator == PJ64v3 {
		// The per-game folder first: where 3.x creates files by default.
		sub, err := joinSafe(dir, pj64GameDir(s.Game))
		if err != nil {
			return nil, fmt.Errorf("project64 game folder: %w", err)
		}
		dirs = []string{sub, dir}
	}
	lookup := []candidate{{base: name}}
	type spec struct {
		suffix string
		l      layout
		pak    int
		kinds  []Kind
	}
	specs := []spec{
		{".eep", layoutEEP, 0, []Kind{EEPROM}},
		{".sra", layoutSRA, 0, []Kind{SRAM}},
		{".fla", layoutFLA, 0, []Kind{FlashRAM}},
	}
	if s.Emulator == PJ64v1 {
		specs = append(specs, spec{".mpk", layoutMempaks, 0, []Kind{Mempak1, Mempak2, Mempak3, Mempak4}})
	} else {
		for i := range 4 {
			specs = append(specs, spec{"_Cont_" + strconv.Itoa(i+1) + ".mpk", layoutMempak, i, []Kind{Mempak1 + Kind(i)}})
		}
	}
	var out []File
	for _, sp := range specs {
		f, err := resolve(dirs, lookup, name, sp.suffix)
		if err != nil {
			return nil, err
		}
		f.Kinds, f.layout, f.pak = sp.kinds, sp.l, sp.pak
		out = append(out, f)
	}
	return out, nil
}

func (s *Store) locateRetroArch(dir string) ([]File, error) {
	if s.Game.ContentName == "" {
		return nil, fmt.Errorf("locate retroarch save: %w", ErrNoContentName)
	}
	dirs := []string{dir, filepath.Join(dir, retroarchCoreDir)}
	lookup := []candidate{{base: s.Game.ContentName}}
	f, err := resolve(dirs, lookup, s.Game.ContentName, ".srm")
	if err != nil {
		return nil, err
	}
	f.Kinds = []Kind{EEPROM, Mempak1, Mempak2, Mempak3, Mempak4, SRAM, FlashRAM}
	f.layout = layoutSRM
	return []File{f}, nil
}

// resolve returns the first candidate that exists in the first folder that
// has one, or the file to create in dirs[0]. Unsafe candidate names are
// skipped; an unsafe name to create is an error.
func resolve(dirs []string, lookup []candidate, create, suffix string) (File, error) {
	for _, d := range dirs {
		for _, c := range lookup {
			p, err := joinSafe(d, c.base+suffix)
			if err != nil {
				continue
			}
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() || (c.nonEmpty && fi.Size() == 0) {
				continue
			}
			return File{Path: p, Exists: true}, nil
		}
	}
	p, err := joinSafe(dirs[0], create+suffix)
	if err != nil {
		return File{}, err
	}
	return File{Path: p}, nil
}

// readBounded reads a whole file of at most max bytes. A missing file gives
// nil and no error.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read save: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read save: %w", err)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("read save %s of %d bytes (limit %d): %w", path, fi.Size(), max, ErrTooLarge)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil && fi.Size() > 0 {
		return nil, fmt.Errorf("read save %s: %w", path, err)
	}
	return b, nil
}
