package rom_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/netpak/netpak/saves/rom"
	"github.com/netpak/netpak/saves/rom/romtest"
)

// fuzzImageMax bounds the images FuzzParse builds: three times the boot
// code, enough for every path but the header CRC, which starts at 1 MiB
// and has its own tests. Parse hashes the whole image, and the fuzzer
// minimizes every new input byte by byte, in time growing with the square
// of its length: with whole 4 KiB images as input it ran 7 times in 45 s.
const fuzzImageMax = 3 * rom.MinSize

// fuzzBases are images of fuzzImageMax bytes for CIC 6102 in each order,
// that FuzzParse lays the fuzzer's bytes over.
var fuzzBases = func() map[rom.Order][]byte {
	z64 := romtest.Build(romtest.Options{Size: fuzzImageMax})
	m := map[rom.Order][]byte{}
	for _, o := range []rom.Order{rom.OrderZ64, rom.OrderV64, rom.OrderN64} {
		m[o] = rom.ToOrder(z64, o)
	}
	m[rom.OrderUnknown] = z64
	return m
}()

// FuzzParse parses an image of size%(fuzzImageMax+1) bytes that starts
// with head; the rest comes from a valid image in the byte order head's
// first word names, so small inputs reach the boot chip detection and
// hashing of whole images in every order.
func FuzzParse(f *testing.F) {
	for _, o := range []rom.Order{rom.OrderZ64, rom.OrderV64, rom.OrderN64} {
		f.Add(fuzzBases[o][:rom.HeaderSize], uint16(rom.MinSize))
		f.Add(fuzzBases[o][:4], uint16(fuzzImageMax))
	}
	f.Add(romtest.Build(romtest.Options{Size: 0x1000, CIC: romtest.NoCIC})[:0x80], uint16(rom.MinSize))
	f.Add([]byte{0x80, 0x37, 0x12, 0x40}, uint16(4))
	f.Add([]byte{0x40, 0x12, 0x37, 0x80, 0}, uint16(5))
	f.Add([]byte{0x37, 0x80, 0x40, 0x12}, uint16(rom.MinSize+1))
	f.Fuzz(func(t *testing.T, head []byte, size uint16) {
		image := make([]byte, int(size)%(fuzzImageMax+1))
		copy(image, fuzzBases[rom.DetectOrder(head)])
		copy(image, head)
		orig := bytes.Clone(image)
		r, err := rom.Parse(image)
		if !bytes.Equal(image, orig) {
			t.Fatal("Parse modified its input")
		}
		if err != nil {
			if !errors.Is(err, rom.ErrNotROM) && !errors.Is(err, rom.ErrTruncated) && !errors.Is(err, rom.ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if r.Size != len(image) || r.Order == rom.OrderUnknown {
			t.Fatalf("size %d order %v for %d bytes", r.Size, r.Order, len(image))
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add(romtest.Build(romtest.Options{Size: 0x1000})[:rom.HeaderSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := rom.ParseHeader(b)
		if err != nil {
			return
		}
		_ = h.Name()
		_ = h.CheatKey()
		_ = h.GameCode()
	})
}
