package coreserve

import (
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// SaveSet is player 1's four mupen64plus-core save files in the store as a
// save set, ok once all four are in. The core sends a file it does not
// have as zeros, which is an absent component.
func (s *Store) SaveSet() (set saves.Set, ok bool) {
	var up [len(m64p.SaveFiles)][]byte
	for _, f := range m64p.SaveFiles {
		data, ok := s.Get(SaveKind(f))
		if !ok {
			return set, false
		}
		up[f] = data
	}
	set[saves.EEPROM] = saves.EEPROMFromFile(up[m64p.SaveEEPROM], 0)
	set[saves.SRAM] = saves.WordsFromFile(saves.SRAM, up[m64p.SaveSRAM])
	set[saves.FlashRAM] = saves.WordsFromFile(saves.FlashRAM, up[m64p.SaveFlashRAM])
	paks := saves.MempaksFromFile(up[m64p.SaveMempak])
	for i, p := range paks {
		set[saves.Mempak1+saves.Kind(i)] = p
	}
	return set, true
}
