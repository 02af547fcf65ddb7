package testrom

import (
	"encoding/binary"
	"testing"
)

// TestEncode checks each instruction against its encoding from the R4300i
// manual, worked out by hand.
func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		emit func(a *asm)
		want uint32
	}{
		{"lui t0,0xA460", func(a *asm) { a.lui(t0, 0xA460) }, 0x3C08A460},
		{"ori t1,t1,0x1000", func(a *asm) { a.ori(t1, t1, 0x1000) }, 0x35291000},
		{"sw t1,0(t0)", func(a *asm) { a.sw(t1, 0, t0) }, 0xAD090000},
		{"lw t2,0x10(t0)", func(a *asm) { a.lw(t2, 0x10, t0) }, 0x8D0A0010},
		{"andi t2,t2,3", func(a *asm) { a.andi(t2, t2, 3) }, 0x314A0003},
		{"addiu s4,s4,1", func(a *asm) { a.addiu(s4, s4, 1) }, 0x26940001},
		{"addiu t0,t0,-1", func(a *asm) { a.addiu(t0, t0, -1) }, 0x2508FFFF},
		{"xor t0,t0,s3", func(a *asm) { a.xor(t0, t0, s3) }, 0x01134026},
		{"multu t0,t3", func(a *asm) { a.multu(t0, t3) }, 0x010B0019},
		{"mflo s3", func(a *asm) { a.mflo(s3) }, 0x00009812},
		{"jr t1", func(a *asm) { a.jr(t1) }, 0x01200008},
		{"j 0x80000400", func(a *asm) { a.j(0x80000400) }, 0x08000100},
		{"nop", func(a *asm) { a.nop() }, 0},
		{"li small", func(a *asm) { a.li(t1, 0x0FFF) }, 0x34090FFF},
		{"li upper only", func(a *asm) { a.li(t1, 0x10000) }, 0x3C090001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsm(0x80000400)
			tt.emit(a)
			b, err := a.finish()
			if err != nil {
				t.Fatal(err)
			}
			if got := binary.BigEndian.Uint32(b); len(b) != 4 || got != tt.want {
				t.Errorf("got % x, want %08x", b, tt.want)
			}
		})
	}
}

func TestBranches(t *testing.T) {
	a := newAsm(0)
	a.label("back")
	a.nop()
	a.beq(t0, zero, "back") // offset -2: back over itself and the nop
	a.bne(t1, t2, "fwd")    // offset +1: skip the delay slot
	a.nop()
	a.label("fwd")
	a.nop()
	b, err := a.finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint32(b[4:]); got != 0x1100FFFE {
		t.Errorf("beq = %08x, want 1100fffe", got)
	}
	if got := binary.BigEndian.Uint32(b[8:]); got != 0x152A0001 {
		t.Errorf("bne = %08x, want 152a0001", got)
	}
}

func TestAsmErrors(t *testing.T) {
	tests := []struct {
		name string
		emit func(a *asm)
	}{
		{"undefined label", func(a *asm) { a.beq(t0, zero, "nowhere") }},
		{"duplicate label", func(a *asm) { a.label("x"); a.label("x") }},
		{"too long", func(a *asm) {
			for range maxWords + 1 {
				a.nop()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsm(0)
			tt.emit(a)
			if _, err := a.finish(); err == nil {
				t.Error("finish succeeded, want an error")
			}
		})
	}
}
