package m64p

import "fmt"

// SaveFile names one of the save components a core transfers. The first
// four are mupen64plus-core's, in the order it transfers them; gopher64
// (up to 1.1.22) sends them too, with their real sizes, and adds
// [SaveImage] and [SaveROM]. The zero value is [SaveMempak].
type SaveFile uint8

const (
	SaveMempak   SaveFile = iota // "mpk", 4 controller paks of 32 KiB
	SaveEEPROM                   // "eep", 2 KiB (the core trims 4 Kbit games locally)
	SaveFlashRAM                 // "fla", 128 KiB
	SaveSRAM                     // "sra", 32 KiB
	SaveImage                    // "img", gopher64 only: zip-compressed, any size up to MaxImageSize
	SaveROM                      // "rom", gopher64 only: zip-compressed, any size up to MaxImageSize
)

// SaveFiles lists mupen64plus-core's components in the order the core
// sends and asks for them.
var SaveFiles = [4]SaveFile{SaveMempak, SaveEEPROM, SaveFlashRAM, SaveSRAM}

// SizedSaveFiles lists the components gopher64 sends and asks for, each
// with its own size, in its order.
var SizedSaveFiles = [NumSaveFiles]SaveFile{SaveEEPROM, SaveSRAM, SaveFlashRAM, SaveMempak, SaveImage, SaveROM}

// NumSaveFiles is the number of components, SaveImage and SaveROM included.
const NumSaveFiles = 6

var saveExts = [NumSaveFiles]string{"mpk", "eep", "fla", "sra", "img", "rom"}

var saveSizes = [4]int{4 * 0x8000, 0x800, 0x20000, 0x8000}

// Ext returns the extension that names f on the wire.
func (f SaveFile) Ext() string {
	if int(f) >= len(saveExts) {
		return fmt.Sprintf("save(%d)", uint8(f))
	}
	return saveExts[f]
}

// Size returns the fixed number of bytes mupen64plus-core sends of f, or
// 0 for a component without one (SaveImage, SaveROM) or an invalid f.
func (f SaveFile) Size() int {
	if int(f) >= len(saveSizes) {
		return 0
	}
	return saveSizes[f]
}

// MaxSize returns the most bytes of f a SEND_SAVE may carry: MaxSaveSize
// for mupen64plus-core's components, MaxImageSize for SaveImage and
// SaveROM, 0 for an invalid f.
func (f SaveFile) MaxSize() int {
	switch {
	case int(f) < len(saveSizes):
		return MaxSaveSize
	case int(f) < len(saveExts):
		return MaxImageSize
	}
	return 0
}

func (f SaveFile) String() string { return f.Ext() }

// valid reports an error unless f is one of mupen64plus-core's four, the
// only ones RECEIVE_SAVE (whose reply has no size) may name.
func (f SaveFile) valid() error {
	if int(f) >= len(saveSizes) {
		return fmt.Errorf("save %d: %w", uint8(f), ErrUnknownSave)
	}
	return nil
}

// validSized reports an error unless f is any of the six components.
func (f SaveFile) validSized() error {
	if int(f) >= len(saveExts) {
		return fmt.Errorf("save %d: %w", uint8(f), ErrUnknownSave)
	}
	return nil
}

// ParseSaveExt returns the component named by ext (any of the six), or an
// error wrapping [ErrUnknownSave].
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
