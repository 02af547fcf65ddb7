package saves_test

import (
	"testing"

	"github.com/netpak/netpak/saves"
)

// Restore puts back a set: only the components that differ are written,
// each replaced file keeps a backup, a component absent from the set
// removes its file (kept as the backup), and the files then read as the
// set. Restoring what the files hold changes nothing.
func TestRestore(t *testing.T) {
	g := testGame(t, "THE LEGEND OF ZELDA", ootGoodName)
	g.EEPROMSize = saves.EEPROM16KSize
	st := saves.Store{Dir: t.TempDir(), Emulator: saves.Mupen64Plus, Game: g, Now: fixedNow}
	start := fullSet(1, saves.EEPROM16KSize)
	for i := saves.EEPROM4KSize; i < saves.EEPROM16KSize; i++ {
		start[saves.EEPROM].Data[i] = 0xFF // its data end early
	}
	start[saves.FlashRAM] = saves.Component{Kind: saves.FlashRAM} // the game had none
	if _, err := st.Write(start[:]...); err != nil {
		t.Fatal(err)
	}
	// The game wrote its SRAM and created a FlashRAM since.
	later := fullSet(2, saves.EEPROM16KSize)
	if _, err := st.Write(later[saves.SRAM], later[saves.FlashRAM]); err != nil {
		t.Fatal(err)
	}

	// The EEPROM comes as a core sends it, read as 4 Kbit since its data
	// end early; fitted to the game's 16 Kbit, it is what the file holds.
	want := start
	want[saves.EEPROM] = saves.EEPROMFromFile(start[saves.EEPROM].Data, 0)
	if len(want[saves.EEPROM].Data) != saves.EEPROM4KSize {
		t.Fatalf("the core's EEPROM reads as %d bytes", len(want[saves.EEPROM].Data))
	}
	changes, err := st.Restore(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 {
		t.Fatalf("restore changed %+v, want the SRAM and the FlashRAM", changes)
	}
	for _, ch := range changes {
		if ch.Backup == "" {
			t.Errorf("%s replaced without a backup", ch.Path)
		}
	}
	got, err := st.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got.Hashes() != start.Hashes() {
		t.Errorf("the files read %v after the restore, want the start's %v", got.Hashes(), start.Hashes())
	}
	if changes, err := st.Restore(start); err != nil || len(changes) != 0 {
		t.Errorf("restoring what the files hold changed %+v (%v)", changes, err)
	}
}
