package m64p

import "fmt"

// SaveFile names one of the four save components the core transfers, in
// the order the core transfers them. The zero value is [SaveMempak].
type SaveFile uint8

const (
	SaveMempak   SaveFile = iota // "mpk", 4 controller paks of 32 KiB
	SaveEEPROM                   // "eep", 2 KiB (the core trims 4 Kbit games locally)
	SaveFlashRAM                 // "fla", 128 KiB
	SaveSRAM                     // "sra", 32 KiB
)

// SaveFiles lists every component in the order the core sends and asks
// for them.
var SaveFiles = [4]SaveFile{SaveMempak, SaveEEPROM, SaveFlashRAM, SaveSRAM}

var saveExts = [4]string{"mpk", "eep", "fla", "sra"}

var saveSizes = [4]int{4 * 0x8000, 0x800, 0x20000, 0x8000}

// Ext returns the extension that names f on the wire.
func (f SaveFile) Ext() string {
	if int(f) >= len(saveExts) {
		return fmt.Sprintf("save(%d)", uint8(f))
	}
	return saveExts[f]
}

// Size returns the fixed number of bytes of f on the wire, or 0 for an
// invalid f.
func (f SaveFile) Size() int {
	if int(f) >= len(saveSizes) {
		return 0
	}
	return saveSizes[f]
}

func (f SaveFile) String() string { return f.Ext() }

func (f SaveFile) valid() error {
	if int(f) >= len(saveExts) {
		return fmt.Errorf("save %d: %w", uint8(f), ErrUnknownSave)
	}
	return nil
}

// ParseSaveExt returns the component named by ext, or an error wrapping
// [ErrUnknownSave].
func ParseSaveExt(ext string) (SaveFile, error) {
	for i, e := range saveExts {
		if e == ext {
			return SaveFile(i), nil
		}
	}
	return 0, fmt.Errorf("extension %q: %w", ext, ErrUnknownSave)
}

// Saves holds the four components indexed by [SaveFile]. A nil entry means
// "no file", which travels as Size() zero bytes.
type Saves [4][]byte

// Validate reports an error if any entry is neither nil nor of its fixed size.
func (s *Saves) Validate() error {
	for _, f := range SaveFiles {
		if d := s[f]; d != nil && len(d) != f.Size() {
			return fmt.Errorf("save %s: %d bytes, want %d: %w", f, len(d), f.Size(), ErrSaveSize)
		}
	}
	return nil
}
