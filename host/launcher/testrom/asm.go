package testrom

import (
	"encoding/binary"
	"fmt"
)

// reg is a MIPS general-purpose register number.
type reg uint32

// The registers the ROM uses, by their conventional names.
const (
	zero reg = 0
	t0   reg = 8
	t1   reg = 9
	t2   reg = 10
	t3   reg = 11
	s0   reg = 16
	s1   reg = 17
	s2   reg = 18
	s3   reg = 19
	s4   reg = 20
	s5   reg = 21
	s6   reg = 22
	s7   reg = 23
)

// Primary opcodes and SPECIAL function codes (MIPS III, R4300i manual).
const (
	opSpecial = 0x00
	opJ       = 0x02
	opBEQ     = 0x04
	opBNE     = 0x05
	opADDIU   = 0x09
	opANDI    = 0x0C
	opORI     = 0x0D
	opLUI     = 0x0F
	opLW      = 0x23
	opSW      = 0x2B

	fnSLL   = 0x00
	fnJR    = 0x08
	fnMFLO  = 0x12
	fnMULTU = 0x19
	fnXOR   = 0x26
)

// maxWords bounds one assembled block; the ROM's stages are far smaller.
const maxWords = 1024

// asm is a one-pass MIPS encoder with forward labels for branches. It
// records the first error and ignores everything after it, so code reads
// as a straight listing and the caller checks [asm.finish] once.
type asm struct {
	base   uint32 // virtual address of the first word
	words  []uint32
	labels map[string]int
	fixups []fixup
	err    error
}

// fixup is a branch whose 16-bit offset waits for its label.
type fixup struct {
	at    int
	label string
}

func newAsm(base uint32) *asm {
	return &asm{base: base, labels: make(map[string]int)}
}

func (a *asm) emit(w uint32) {
	if a.err != nil {
		return
	}
	if len(a.words) >= maxWords {
		a.err = fmt.Errorf("block longer than %d words", maxWords)
		return
	}
	a.words = append(a.words, w)
}

func rType(rs, rt, rd reg, sa, fn uint32) uint32 {
	return uint32(rs)<<21 | uint32(rt)<<16 | uint32(rd)<<11 | (sa&31)<<6 | fn
}

func iType(op uint32, rs, rt reg, imm uint16) uint32 {
	return op<<26 | uint32(rs)<<21 | uint32(rt)<<16 | uint32(imm)
}

func (a *asm) nop()                     { a.emit(0) }
func (a *asm) lui(rt reg, imm uint16)   { a.emit(iType(opLUI, zero, rt, imm)) }
func (a *asm) ori(rt, rs reg, u uint16) { a.emit(iType(opORI, rs, rt, u)) }
func (a *asm) andi(rt, rs reg, u uint16) {
	a.emit(iType(opANDI, rs, rt, u))
}
func (a *asm) addiu(rt, rs reg, s int16)   { a.emit(iType(opADDIU, rs, rt, uint16(s))) }
func (a *asm) lw(rt reg, off int16, b reg) { a.emit(iType(opLW, b, rt, uint16(off))) }
func (a *asm) sw(rt reg, off int16, b reg) { a.emit(iType(opSW, b, rt, uint16(off))) }
func (a *asm) xor(rd, rs, rt reg)          { a.emit(rType(rs, rt, rd, 0, fnXOR)) }
func (a *asm) multu(rs, rt reg)            { a.emit(rType(rs, rt, zero, 0, fnMULTU)) }
func (a *asm) mflo(rd reg)                 { a.emit(rType(zero, zero, rd, 0, fnMFLO)) }
func (a *asm) jr(rs reg)                   { a.emit(rType(rs, zero, zero, 0, fnJR)) }

// li loads a 32-bit constant in one or two instructions.
func (a *asm) li(rt reg, v uint32) {
	hi, lo := uint16(v>>16), uint16(v)
	if hi == 0 {
		a.ori(rt, zero, lo)
		return
	}
	a.lui(rt, hi)
	if lo != 0 {
		a.ori(rt, rt, lo)
	}
}

// j jumps to an absolute address in the same 256 MiB segment.
func (a *asm) j(target uint32) { a.emit(opJ<<26 | (target>>2)&0x03FFFFFF) }

// label marks the next instruction.
func (a *asm) label(name string) {
	if _, dup := a.labels[name]; dup && a.err == nil {
		a.err = fmt.Errorf("label %q defined twice", name)
	}
	a.labels[name] = len(a.words)
}

func (a *asm) branch(op uint32, rs, rt reg, label string) {
	a.fixups = append(a.fixups, fixup{at: len(a.words), label: label})
	a.emit(iType(op, rs, rt, 0))
}

func (a *asm) beq(rs, rt reg, label string) { a.branch(opBEQ, rs, rt, label) }
func (a *asm) bne(rs, rt reg, label string) { a.branch(opBNE, rs, rt, label) }

// finish resolves branch offsets and returns the block as big-endian bytes.
func (a *asm) finish() ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	for _, f := range a.fixups {
		to, ok := a.labels[f.label]
		if !ok {
			return nil, fmt.Errorf("undefined label %q", f.label)
		}
		off := to - (f.at + 1) // relative to the delay slot
		if off < -32768 || off > 32767 {
			return nil, fmt.Errorf("branch to %q out of range", f.label)
		}
		a.words[f.at] |= uint32(uint16(int16(off)))
	}
	out := make([]byte, 4*len(a.words))
	for i, w := range a.words {
		binary.BigEndian.PutUint32(out[4*i:], w)
	}
	return out, nil
}
