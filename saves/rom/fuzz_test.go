package rom_test

import (
	"errors"
	"testing"

	"github.com/netpak/netpak/saves/rom"
	"github.com/netpak/netpak/saves/rom/romtest"
)

func FuzzParse(f *testing.F) {
	f.Add(romtest.Build(romtest.Options{Size: 0x1000}))
	f.Add(romtest.Build(romtest.Options{Size: 0x1000, Order: rom.OrderV64}))
	f.Add(romtest.Build(romtest.Options{Size: 0x1000, Order: rom.OrderN64}))
	f.Add([]byte{0x80, 0x37, 0x12, 0x40})
	f.Add([]byte{0x40, 0x12, 0x37, 0x80, 0})
	f.Fuzz(func(t *testing.T, image []byte) {
		r, err := rom.Parse(image)
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
