package rom

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotROM means the first four bytes are no N64 cartridge signature in any byte order.
	ErrNotROM = errors.New("not an n64 rom image")
	// ErrTruncated means the image is shorter than its header and boot code, or its length
	// does not fit its byte order.
	ErrTruncated = errors.New("truncated n64 rom image")
	// ErrTooLarge means the image is larger than [MaxSize].
	ErrTooLarge = errors.New("n64 rom image too large")
)

// Size limits of an image.
const (
	// MinSize is the header plus the boot code: anything shorter cannot boot.
	MinSize = bootEnd
	// MaxSize caps what Parse and Open accept. The cartridge ROM's address
	// space on the PI bus (0x10000000-0x1FBFFFFF) is just under 256 MiB;
	// the largest commercial game is 64 MiB.
	MaxSize = 256 << 20
)

// CRCStatus says whether the header CRC was checked and how it came out.
type CRCStatus uint8

const (
	// CRCUnverified: the boot chip's algorithm is unknown or the image is
	// shorter than the checked region. Not an error.
	CRCUnverified CRCStatus = iota
	// CRCValid: the header CRC matches the image.
	CRCValid
	// CRCMismatch: the header CRC does not match (a hack that did not fix it,
	// or a corrupt image). Emulators still run such images.
	CRCMismatch
)

// String returns "unverified", "valid" or "mismatch".
func (s CRCStatus) String() string {
	switch s {
	case CRCValid:
		return "valid"
	case CRCMismatch:
		return "mismatch"
	}
	return "unverified"
}

// ROM is what netpak knows about one ROM image. It does not keep the image.
type ROM struct {
	Order  Order  // byte order of the file
	Size   int    // image size in bytes
	Header Header // parsed header
	CIC    CIC    // detected boot chip, CICUnknown if the boot code is not known

	CRC               CRCStatus
	ComputedCRC1      uint32 // meaningful unless CRC is CRCUnverified
	ComputedCRC2      uint32
	SHA256            [32]byte // of the big-endian image: netpak's ROM identity
	MD5               [16]byte // of the big-endian image: mupen64plus and RMG
	PJ64MD5           [16]byte // of the .n64-ordered image: Project64
	HasHomebrewHeader bool     // cartridge ID "ED"
	HomebrewSaveType  SaveType // valid if HasHomebrewHeader
}

// Parse identifies a ROM image in any of the three byte orders. The input is
// not modified. Errors wrap [ErrNotROM], [ErrTruncated] or [ErrTooLarge]; a
// CRC that does not match is reported in [ROM.CRC], not as an error.
func Parse(image []byte) (*ROM, error) {
	if len(image) > MaxSize {
		return nil, fmt.Errorf("parse rom of %d bytes (limit %d): %w", len(image), MaxSize, ErrTooLarge)
	}
	z64, order, err := Normalize(image)
	if err != nil {
		return nil, fmt.Errorf("parse rom: %w", err)
	}
	if len(z64) < MinSize {
		return nil, fmt.Errorf("parse rom of %d bytes (need %d): %w", len(z64), MinSize, ErrTruncated)
	}
	h, err := ParseHeader(z64)
	if err != nil {
		return nil, fmt.Errorf("parse rom: %w", err)
	}
	r := &ROM{Order: order, Size: len(z64), Header: h, CIC: DetectCIC(z64)}
	r.HomebrewSaveType, r.HasHomebrewHeader = h.HomebrewSaveType()
	r.checkCRC(z64)
	r.SHA256 = sha256.Sum256(z64)
	r.MD5 = md5.Sum(z64)
	r.PJ64MD5 = md5N64(z64)
	return r, nil
}

func (r *ROM) checkCRC(z64 []byte) {
	c1, c2, ok := ComputeCRC(z64, r.CIC)
	if !ok {
		return
	}
	r.ComputedCRC1, r.ComputedCRC2 = c1, c2
	r.CRC = CRCMismatch
	if c1 == r.Header.CRC1 && c2 == r.Header.CRC2 {
		r.CRC = CRCValid
	}
}

// md5N64 hashes z64 as Project64 holds it: every 32-bit word reversed. A
// tail shorter than a word is hashed as is, as PJ64's swap leaves it.
func md5N64(z64 []byte) [16]byte {
	h := md5.New()
	var buf [64 << 10]byte
	for off := 0; off < len(z64); off += len(buf) {
		n := copy(buf[:], z64[off:])
		swapInPlace(buf[:n], OrderN64)
		h.Write(buf[:n])
	}
	var sum [16]byte
	h.Sum(sum[:0])
	return sum
}

// Open reads and parses the ROM file at path, refusing files larger than
// [MaxSize] before reading them.
func Open(path string) (*ROM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open rom: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxSize {
		return nil, fmt.Errorf("open rom %s of %d bytes (limit %d): %w", path, fi.Size(), MaxSize, ErrTooLarge)
	}
	image, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read rom %s: %w", path, err)
	}
	r, err := Parse(image)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// SHA256Hex returns the image SHA-256 in lower-case hex.
func (r *ROM) SHA256Hex() string { return hex.EncodeToString(r.SHA256[:]) }

// MD5Hex returns the mupen64plus MD5 in upper-case hex, as its ROM database
// and save names spell it.
func (r *ROM) MD5Hex() string { return strings.ToUpper(hex.EncodeToString(r.MD5[:])) }

// PJ64MD5Hex returns Project64's MD5 in upper-case hex.
func (r *ROM) PJ64MD5Hex() string { return strings.ToUpper(hex.EncodeToString(r.PJ64MD5[:])) }

// CheatKey returns the "CRC1-CRC2-C:XX" cheat database key; see [Header.CheatKey].
func (r *ROM) CheatKey() string { return r.Header.CheatKey() }
