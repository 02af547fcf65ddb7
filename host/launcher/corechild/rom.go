package corechild

import (
	"fmt"
	"io"
	"os"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// ROM size bounds: the header and boot code, and the largest cartridge.
const (
	minROMSize = 0x1000
	maxROMSize = 64 << 20
)

// readROM reads a ROM image, refusing sizes no cartridge has.
func readROM(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open ROM: %w", err)
	}
	defer f.Close()
	rom, err := io.ReadAll(io.LimitReader(f, maxROMSize+1))
	if err != nil {
		return nil, fmt.Errorf("read ROM %s: %w", path, err)
	}
	if len(rom) < minROMSize || len(rom) > maxROMSize {
		return nil, fmt.Errorf("%w: ROM %s is %d bytes, want %d to %d", emucfg.ErrConfig, path, len(rom), minROMSize, maxROMSize)
	}
	return rom, nil
}
