package romtest

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"

	"github.com/netpak/netpak/saves/rom"
)

// Options describe the image to build. The zero value builds a 1 MiB + 4 KiB .z64
// image for CIC 6102 named "NETPAK TEST", game code "NNPE", from seed 0.
type Options struct {
	Order   rom.Order // default rom.OrderZ64
	CIC     rom.CIC   // default 6102; NoCIC for boot code no chip table knows
	Size    int       // default 0x101000, the smallest image whose CRC can be checked; rounded up to a multiple of 4
	Name    string    // header name, at most 20 bytes; default "NETPAK TEST"
	CartID  string    // two bytes; default "NP"
	Country byte      // default 'E'
	Version byte
	Seed    uint64 // random content; different seeds give different images

	// KeepBoot skips forging the boot code checksum (with CIC set, the header
	// CRC is still computed for that chip).
	KeepBoot bool
	// BadCRC stores a header CRC off by one, for mismatch tests.
	BadCRC bool
}

func (o *Options) defaults() {
	if o.Order == rom.OrderUnknown {
		o.Order = rom.OrderZ64
	}
	if o.Size == 0 {
		o.Size = 0x101000
	}
	o.Size = (o.Size + 3) &^ 3
	if o.Name == "" {
		o.Name = "NETPAK TEST"
	}
	if o.CartID == "" {
		o.CartID = "NP"
	}
	if o.Country == 0 {
		o.Country = 'E'
	}
}

// DefaultCIC is the chip Build uses when Options.CIC is zero.
const DefaultCIC = rom.CIC6102

// Build returns a synthetic image described by o, in o.Order. Pass
// Options{CIC: NoCIC} for an image whose boot code no chip table knows.
func Build(o Options) []byte {
	o.defaults()
	cic := o.CIC
	if cic == rom.CICUnknown {
		cic = DefaultCIC
	}
	if cic == NoCIC {
		cic = rom.CICUnknown
	}
	img := make([]byte, o.Size)
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e657470616b))
	for i := 0; i+8 <= len(img); i += 8 {
		binary.LittleEndian.PutUint64(img[i:], rng.Uint64())
	}
	writeHeader(img, o)
	if want, ok := rom.KnownBootCRC32(cic); ok && !o.KeepBoot && len(img) >= 0x1000 {
		forgeCRC32(img[0x40:0x1000], want)
	}
	if c1, c2, ok := rom.ComputeCRC(img, cic); ok {
		if o.BadCRC {
			c1++
		}
		binary.BigEndian.PutUint32(img[0x10:], c1)
		binary.BigEndian.PutUint32(img[0x14:], c2)
	}
	return rom.ToOrder(img, o.Order)
}

// NoCIC asks Build for random boot code that identifies no chip.
const NoCIC rom.CIC = 0xFFFF

func writeHeader(img []byte, o Options) {
	if len(img) < rom.HeaderSize {
		return
	}
	binary.BigEndian.PutUint32(img[0:], 0x80371240)
	binary.BigEndian.PutUint32(img[4:], 0x0000000F)
	binary.BigEndian.PutUint32(img[8:], 0x80000400)
	clear(img[0x18:0x40])
	name := []byte(o.Name + "                    ")[:20]
	copy(img[0x20:], name)
	img[0x3B] = 'N'
	copy(img[0x3C:0x3E], o.CartID)
	img[0x3E] = o.Country
	img[0x3F] = o.Version
}

// forgeCRC32 changes the last four bytes of b so that crc32.ChecksumIEEE(b)
// equals want. CRC-32 is affine in its input bits over GF(2), so the effect
// of each of the last 32 bits is measured and the linear system solved.
func forgeCRC32(b []byte, want uint32) {
	tail := b[len(b)-4:]
	clear(tail)
	base := crc32.ChecksumIEEE(b)
	var cols [32]uint32
	for k := range cols {
		tail[k/8] = 1 << (k % 8)
		cols[k] = crc32.ChecksumIEEE(b) ^ base
		tail[k/8] = 0
	}
	x := solveGF2(cols, want^base)
	binary.LittleEndian.PutUint32(tail, x)
}

// solveGF2 returns x with XOR of cols[k] for every set bit k of x equal to
// target. The columns of a CRC's last 32 input bits are independent.
func solveGF2(cols [32]uint32, target uint32) uint32 {
	// Gaussian elimination on rows of (column value, combination of bits).
	type row struct{ v, bits uint32 }
	var basis [32]row // basis[p] has its highest set bit at p
	var have [32]bool
	for k, c := range cols {
		r := row{c, 1 << k}
		for p := 31; p >= 0 && r.v != 0; p-- {
			if r.v&(1<<p) == 0 {
				continue
			}
			if !have[p] {
				basis[p], have[p] = r, true
				break
			}
			r.v ^= basis[p].v
			r.bits ^= basis[p].bits
		}
	}
	var x uint32
	for p := 31; p >= 0; p-- {
		if target&(1<<p) != 0 && have[p] {
			target ^= basis[p].v
			x ^= basis[p].bits
		}
	}
	return x
}
