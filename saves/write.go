package saves

import (
	"bytes"
	"fmt"
)

// Change is one file a [Store.Write] replaced, created or removed.
type Change struct {
	Path string
	// Backup holds the previous contents, "" if there was no previous file.
	Backup string
	// Removed reports that the component was absent, so the file was moved
	// to Backup and not replaced.
	Removed bool
}

// Write stores the given components in the store's emulator convention,
// full nominal size. Components not given are left alone, also inside
// files shared by several components (4-pak .mpk, RetroArch .srm). An absent
// component removes its own file (kept as the backup).
//
// Every component is validated and every new file built before anything on
// disk changes. Each file is replaced atomically and its previous contents
// kept as a timestamped backup beside it; see [ReplaceFile].
func (s *Store) Write(comps ...Component) ([]Change, error) {
	byKind := map[Kind]Component{}
	for _, c := range comps {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		byKind[c.Kind] = c
	}
	files, err := s.Locate()
	if err != nil {
		return nil, err
	}
	type plan struct {
		path   string
		data   []byte
		remove bool
	}
	var plans []plan
	for _, f := range files {
		mine := pick(f, byKind)
		if len(mine) == 0 {
			continue
		}
		data, remove, err := s.encode(f, mine)
		if err != nil {
			return nil, err
		}
		if remove && !f.Exists {
			continue
		}
		plans = append(plans, plan{f.Path, data, remove})
	}
	var done []Change
	for _, p := range plans {
		ch, err := s.apply(p.path, p.data, p.remove)
		if err != nil {
			return done, err
		}
		done = append(done, ch)
	}
	return done, nil
}

// Restore makes the game's files hold want, all seven components (absent
// ones remove their files), rewriting only the components whose files
// hold something else now; what it replaces is kept as backups, as by
// [Store.Write]. An EEPROM is first fitted to the game's size when that is
// known, as [Store.Read] fits the file's.
func (s *Store) Restore(want Set) ([]Change, error) {
	if n := s.Game.eepromNominal(); n != 0 && want[EEPROM].Present() {
		want[EEPROM] = EEPROMFromFile(want[EEPROM].Data, n)
	}
	have, err := s.Read()
	if err != nil {
		return nil, err
	}
	wantHashes, haveHashes := want.Hashes(), have.Hashes()
	var differ []Component
	for k := range want {
		if wantHashes[k] != haveHashes[k] {
			c := want[k]
			c.Kind = Kind(k)
			differ = append(differ, c)
		}
	}
	if len(differ) == 0 {
		return nil, nil
	}
	return s.Write(differ...)
}

func (s *Store) apply(path string, data []byte, remove bool) (Change, error) {
	if remove {
		backup, err := RemoveWithBackup(path, s.now())
		return Change{Path: path, Backup: backup, Removed: true}, err
	}
	backup, err := ReplaceFile(path, data, s.now())
	return Change{Path: path, Backup: backup}, err
}

// pick returns the given components that file f holds.
func pick(f File, byKind map[Kind]Component) map[Kind]Component {
	out := map[Kind]Component{}
	for _, k := range f.Kinds {
		if c, ok := byKind[k]; ok {
			out[k] = c
		}
	}
	return out
}

// encode builds the new contents of f from the components it holds, or
// reports that the file should be removed.
func (s *Store) encode(f File, mine map[Kind]Component) (data []byte, remove bool, err error) {
	switch f.layout {
	case layoutEEP, layoutSRA, layoutFLA, layoutMempak:
		c := mine[f.Kinds[0]]
		if !c.Present() {
			return nil, true, nil
		}
		if f.layout == layoutSRA || f.layout == layoutFLA {
			return wordsFile(c), false, nil
		}
		return bytes.Clone(c.Data), false, nil
	}
	old, err := readBounded(f.Path, f.layout.maxFile())
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w", f.Path, err)
	}
	if f.layout == layoutMempaks {
		return spliceMempaks(old, mine), false, nil
	}
	return spliceSRM(old, mine), false, nil
}

// spliceMempaks writes the given paks into a 4-pak file, keeping the others.
// An absent pak becomes zeros, which every reader takes as "no pak data".
func spliceMempaks(old []byte, mine map[Kind]Component) []byte {
	out := fitZero(old, 4*MempakSize)
	for k, c := range mine {
		i, _ := k.mempak()
		region := out[i*MempakSize : (i+1)*MempakSize]
		clear(region)
		copy(region, c.Data)
	}
	return out
}

// spliceSRM writes the given components into a RetroArch .srm image,
// keeping the others. Absent EEPROM, SRAM and FlashRAM become 0xFF (what the
// core formats them to), absent paks zeros.
func spliceSRM(old []byte, mine map[Kind]Component) []byte {
	out := fitFF(old, srmSize)
	if len(old) < srmMempakOffset+4*MempakSize {
		// Paks the old file did not reach hold no data, not 0xFF.
		clear(out[max(len(old), srmMempakOffset):srmSRAOffset])
	}
	for k, c := range mine {
		var off, n int
		data := c.Data
		switch k {
		case EEPROM:
			off, n = srmEEPOffset, EEPROM16KSize
		case SRAM:
			off, n = srmSRAOffset, SRAMSize
			data = wordsFile(c)
		case FlashRAM:
			off, n = srmFLAOffset, FlashRAMSize
			data = wordsFile(c)
		default:
			i, _ := k.mempak()
			off, n = srmMempakOffset+i*MempakSize, MempakSize
			clear(out[off : off+n])
			copy(out[off:], data)
			continue
		}
		region := out[off : off+n]
		for j := range region {
			region[j] = 0xFF
		}
		copy(region, data)
	}
	return out
}
