package saves

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrTooLarge means a save file or received component is bigger than its type allows.
	ErrTooLarge = errors.New("save data too large")
	// ErrBadSize means a received component is not a canonical size for its kind.
	ErrBadSize = errors.New("save data has a wrong size")
	// ErrBadKind means a save component kind is not one of the seven.
	ErrBadKind = errors.New("unknown save component")
	// ErrUnsafeName means a file name could escape the save folder or is not a plain name.
	ErrUnsafeName = errors.New("unsafe save file name")
	// ErrNoDefaultDir means the emulator has no default save folder on this system; pass one.
	ErrNoDefaultDir = errors.New("no default save folder")
	// ErrNoContentName means RetroArch's .srm name needs the ROM file's base name.
	ErrNoContentName = errors.New("no rom file name for the retroarch save")
	// ErrBadManifest means an encoded manifest is malformed.
	ErrBadManifest = errors.New("malformed save manifest")
	// ErrUnknownEmulator means an Emulator value is not one of the known ones.
	ErrUnknownEmulator = errors.New("unknown emulator")
)
