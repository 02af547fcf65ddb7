package saves_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/netpak/netpak/saves"
)

func TestEEPROMFromFile(t *testing.T) {
	data := randomBytes(1, 512)
	big := randomBytes(2, 2048)
	tests := []struct {
		name      string
		file      []byte
		nominal   int
		wantLen   int // 0 = absent
		wantShort bool
		wantHead  []byte
	}{
		{"absent", nil, 0, 0, false, nil},
		{"4k exact", data, 0, 512, false, data},
		{"4k in old mupen 2048 file", append(bytes.Clone(data), bytes.Repeat([]byte{0xFF}, 1536)...), 0, 512, false, data},
		{"4k in zero-padded 2048 file", append(bytes.Clone(data), make([]byte, 1536)...), 0, 512, false, data},
		{"16k inferred", big, 0, 2048, false, big},
		{"16k known, short pj64 file", data[:64], 2048, 2048, true, data[:64]},
		{"4k known, long file cut", big, 512, 512, false, big[:512]},
		{"all 0xFF is no save", bytes.Repeat([]byte{0xFF}, 512), 0, 0, false, nil},
		{"all zero is no save", make([]byte, 2048), 0, 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := saves.EEPROMFromFile(tt.file, tt.nominal)
			if len(c.Data) != tt.wantLen || c.Short != tt.wantShort || c.Kind != saves.EEPROM {
				t.Fatalf("len %d short %v, want %d %v", len(c.Data), c.Short, tt.wantLen, tt.wantShort)
			}
			if !bytes.HasPrefix(c.Data, tt.wantHead) {
				t.Error("data does not start with the file's bytes")
			}
			if tt.wantShort && !bytes.Equal(c.Data[len(tt.file):], bytes.Repeat([]byte{0xFF}, tt.wantLen-len(tt.file))) {
				t.Error("short file not padded with 0xFF")
			}
		})
	}
}

func TestWordsFromFileSwapsWords(t *testing.T) {
	file := make([]byte, saves.SRAMSize)
	copy(file, []byte{0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55})
	c := saves.WordsFromFile(saves.SRAM, file)
	if want := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}; !bytes.Equal(c.Data[:8], want) {
		t.Errorf("canonical % x, want % x", c.Data[:8], want)
	}
	short := saves.WordsFromFile(saves.FlashRAM, []byte{1, 2, 3, 4, 5, 6})
	if !short.Short || len(short.Data) != saves.FlashRAMSize {
		t.Fatalf("short flash: short %v len %d", short.Short, len(short.Data))
	}
	if want := []byte{4, 3, 2, 1, 0xFF, 0xFF, 6, 5, 0xFF}; !bytes.Equal(short.Data[:9], want) {
		t.Errorf("short flash % x, want % x", short.Data[:9], want)
	}
	if c := saves.WordsFromFile(saves.SRAM, bytes.Repeat([]byte{0xFF}, 100)); c.Present() {
		t.Error("erased SRAM counted as a save")
	}
}

func TestMempaksFromFile(t *testing.T) {
	paks := randomBytes(3, 4*saves.MempakSize)
	clear(paks[2*saves.MempakSize : 3*saves.MempakSize]) // pak 3 never used
	pj64 := append(bytes.Clone(paks), paks...)           // PJ64 1.6 grows the file to 256 KiB
	for name, file := range map[string][]byte{"mupen 128 KiB": paks, "pj64 1.6 256 KiB": pj64} {
		t.Run(name, func(t *testing.T) {
			got := saves.MempaksFromFile(file)
			for i, c := range got {
				if c.Kind != saves.Mempak1+saves.Kind(i) {
					t.Errorf("pak %d kind %v", i, c.Kind)
				}
				want := paks[i*saves.MempakSize : (i+1)*saves.MempakSize]
				if i == 2 {
					if c.Present() {
						t.Error("all-zero pak 3 counted as a save")
					}
					continue
				}
				if !bytes.Equal(c.Data, want) {
					t.Errorf("pak %d differs", i+1)
				}
			}
		})
	}
	one := saves.MempaksFromFile(paks[:saves.MempakSize+100])
	if !one[0].Present() || !one[1].Short || one[2].Present() || one[3].Present() {
		t.Errorf("short file: %v %v %v %v", one[0].Present(), one[1].Short, one[2].Present(), one[3].Present())
	}
}

func TestSRMLayout(t *testing.T) {
	want := fullSet(4, 512)
	srm := make([]byte, 0x48800)
	copy(srm[0:], want[saves.EEPROM].Data)
	for i := range 4 {
		copy(srm[0x800+i*saves.MempakSize:], want[saves.Mempak1+saves.Kind(i)].Data)
	}
	copy(srm[0x20800:], le32(want[saves.SRAM].Data))
	copy(srm[0x28800:], le32(want[saves.FlashRAM].Data))
	for i := 512; i < 2048; i++ {
		srm[i] = 0xFF
	}
	got := saves.SRMFromFile(srm, 0)
	if got.Hashes() != want.Hashes() {
		for k := range got {
			if got[k].Hash() != want[k].Hash() {
				t.Errorf("%v differs", saves.Kind(k))
			}
		}
	}
}

// TestHashGolden pins the canonical hash: changing it silently would make
// netpak versions disagree about every save. Values computed independently
// with Python's hashlib from the formula in doc.go (full hashes, first 4
// bytes compared).
func TestHashGolden(t *testing.T) {
	tests := []struct {
		name string
		c    saves.Component
		want string
	}{
		{"absent eep", saves.Component{Kind: saves.EEPROM}, "8deff393"},
		{"absent mpk4", saves.Component{Kind: saves.Mempak4}, "d7bf82bc"},
		{"sram of 0x5A", saves.Component{Kind: saves.SRAM, Data: bytes.Repeat([]byte{0x5A}, saves.SRAMSize)}, "d9a79195"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.c.Hash()
			if got := hex.EncodeToString(h[:4]); got != tt.want {
				t.Errorf("hash prefix %s, want %s", got, tt.want)
			}
		})
	}
}

func TestComponentValidate(t *testing.T) {
	tests := []struct {
		name string
		c    saves.Component
		want error
	}{
		{"absent", saves.Component{Kind: saves.SRAM}, nil},
		{"eep 4k", saves.Component{Kind: saves.EEPROM, Data: make([]byte, 512)}, nil},
		{"eep 16k", saves.Component{Kind: saves.EEPROM, Data: make([]byte, 2048)}, nil},
		{"eep too large", saves.Component{Kind: saves.EEPROM, Data: make([]byte, 4096)}, saves.ErrTooLarge},
		{"eep odd size", saves.Component{Kind: saves.EEPROM, Data: make([]byte, 1000)}, saves.ErrBadSize},
		{"sram too large", saves.Component{Kind: saves.SRAM, Data: make([]byte, saves.SRAMSize+4)}, saves.ErrTooLarge},
		{"pak short", saves.Component{Kind: saves.Mempak2, Data: make([]byte, 100)}, saves.ErrBadSize},
		{"flash too large", saves.Component{Kind: saves.FlashRAM, Data: make([]byte, 1<<20)}, saves.ErrTooLarge},
		{"bad kind", saves.Component{Kind: 9, Data: make([]byte, 512)}, saves.ErrBadKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errorsIs(err, tt.want)) {
				t.Errorf("Validate: %v, want %v", err, tt.want)
			}
		})
	}
}
