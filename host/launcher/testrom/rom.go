package testrom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Physical RDRAM addresses of the ROM's results (see the package doc).
const (
	AddrMagic   = 0x100000
	AddrCounter = 0x100004
	AddrHash    = 0x100008
	AddrDone    = 0x10000C
	AddrPolls   = 0x100010
	AddrVIs     = 0x100014
	AddrGfx     = 0x100018
	AddrPIF     = 0x100100
)

// Magic is the word the ROM writes at [AddrMagic] once stage 2 runs.
const Magic = 0x4E505452 // "NPTR"

// Size is the length of the ROM image in bytes.
const Size = 1 << 20

// MaxPolls bounds N so the counter never wraps.
const MaxPolls = 1 << 30

// ErrPolls reports an N outside 1..[MaxPolls].
var ErrPolls = errors.New("testrom: polls out of range")

// Layout of the image and of stage 2 in memory.
const (
	stage1ROM   = 0x40       // copied to DMEM by the PIF boot
	stage1VAddr = 0xA4000040 // where the PIF boot jumps
	stage2ROM   = 0x1000
	stage2Len   = 0x1000
	stage2Phys  = 0x400
	stage2VAddr = 0x80000000 | stage2Phys
	results     = 0xA0000000 | AddrMagic // uncached view of the results
	pifBlock    = 0xA0000000 | AddrPIF
)

// Hardware registers (uncached KSEG1 addresses, offsets from the base).
const (
	miBase     = 0xA4300000
	miInitMode = 0x00
	miIntr     = 0x08
	miVI       = 0x08
	miDP       = 0x20
	miClearDP  = 0x0800 // MI_INIT_MODE write: clear the DP interrupt

	spTaskType = 0xA4000FC0 // OSTask.type in DMEM, read by the RSP HLE
	spStatus   = 0xA4040010
	spRun      = 0x5 // SP_STATUS write: clear HALT and BROKE
	taskGfx    = 1

	viBase    = 0xA4400000
	viVIntr   = 0x0C
	viCurrent = 0x10
	viVSync   = 0x18

	piBase     = 0xA4600000
	piDRAMAddr = 0x00
	piCartAddr = 0x04
	piWrLen    = 0x0C
	piStatus   = 0x10

	siBase     = 0xA4800000
	siDRAMAddr = 0x00
	siRd64B    = 0x04
	siWr64B    = 0x10
	siStatus   = 0x18
	pifRAMAddr = 0x1FC007C0
)

// Options select what a ROM does besides polling.
type Options struct {
	// Polls is N, the number of controller polls before the done flag.
	Polls int
	// GfxTasks starts an empty display-list task on the RSP every frame
	// and waits for the RDP-done interrupt before polling, as libultra
	// games do. The core's dummy video plugin never raises it, so this
	// ROM hangs there unless the frontend works around that.
	GfxTasks bool
}

// Build returns the ROM image that stops after polls controller polls.
// The same polls always gives the same bytes.
func Build(polls int) ([]byte, error) { return BuildWith(Options{Polls: polls}) }

// BuildWith returns the ROM image for opts; the same opts always give
// the same bytes.
func BuildWith(opts Options) ([]byte, error) {
	polls := opts.Polls
	if polls < 1 || polls > MaxPolls {
		return nil, fmt.Errorf("%w: %d", ErrPolls, polls)
	}
	s1, err := stage1()
	if err != nil {
		return nil, fmt.Errorf("testrom: stage 1: %w", err)
	}
	s2, err := stage2(uint32(polls), opts.GfxTasks)
	if err != nil {
		return nil, fmt.Errorf("testrom: stage 2: %w", err)
	}
	if len(s1) > stage2ROM-stage1ROM || len(s2) > stage2Len {
		return nil, errors.New("testrom: code does not fit its slot")
	}
	rom := make([]byte, Size)
	writeHeader(rom)
	copy(rom[stage1ROM:], s1)
	copy(rom[stage2ROM:], s2)
	return rom, nil
}

// writeHeader fills the 64-byte cartridge header. Nobody checks the CRCs;
// the core logs an unknown CIC and boots it as a 6102.
func writeHeader(rom []byte) {
	be := binary.BigEndian
	be.PutUint32(rom[0x00:], 0x80371240) // z64 magic and PI timing
	be.PutUint32(rom[0x04:], 0x0000000F) // clock rate
	be.PutUint32(rom[0x08:], stage2VAddr)
	be.PutUint32(rom[0x10:], 0x12345678) // CRC1
	be.PutUint32(rom[0x14:], 0x9ABCDEF0) // CRC2
	copy(rom[0x20:0x34], fmt.Sprintf("%-20s", "NETPAK TESTROM"))
	copy(rom[0x3B:0x3F], "NNPE") // homebrew media, id "NP", region E
}

// stage1 runs from DMEM: it DMAs stage 2 into RDRAM and jumps there.
func stage1() ([]byte, error) {
	a := newAsm(stage1VAddr)
	a.li(t0, piBase)
	a.li(t1, stage2Phys)
	a.sw(t1, piDRAMAddr, t0)
	a.li(t1, 0x10000000|stage2ROM)
	a.sw(t1, piCartAddr, t0)
	a.li(t1, stage2Len-1)
	a.sw(t1, piWrLen, t0) // cartridge to RDRAM
	a.label("dma")
	a.lw(t2, piStatus, t0)
	a.andi(t2, t2, 3)
	a.bne(t2, zero, "dma")
	a.nop()
	a.li(t1, 2)
	a.sw(t1, piStatus, t0) // clear the PI interrupt
	a.li(t1, stage2VAddr)
	a.jr(t1)
	a.nop()
	return a.finish()
}

// stage2 registers: s0 VI, s1 MI, s2 SI, s3 hash, s4 counter, s5 N,
// s6 PIF block, s7 results.
func stage2(polls uint32, gfx bool) ([]byte, error) {
	a := newAsm(stage2VAddr)
	a.li(s0, viBase)
	a.li(s1, miBase)
	a.li(s2, siBase)
	a.li(s3, hashInit)
	a.li(s4, 0)
	a.li(s5, polls)
	a.li(s6, pifBlock)
	a.li(s7, results)
	a.sw(zero, AddrDone-AddrMagic, s7)
	a.sw(s4, AddrCounter-AddrMagic, s7)
	a.sw(s3, AddrHash-AddrMagic, s7)
	a.sw(s5, AddrPolls-AddrMagic, s7)
	a.sw(zero, AddrVIs-AddrMagic, s7)
	a.sw(zero, AddrGfx-AddrMagic, s7)
	a.li(t0, Magic)
	a.sw(t0, 0, s7)
	a.li(t0, 0x20D)
	a.sw(t0, viVSync, s0)
	a.li(t0, 2)
	a.sw(t0, viVIntr, s0)
	waitVI(a)
	if gfx {
		gfxTask(a)
	}
	pollPIF(a)
	foldPads(a)
	a.addiu(s4, s4, 1)
	a.sw(s3, AddrHash-AddrMagic, s7)
	a.sw(s4, AddrCounter-AddrMagic, s7)
	a.bne(s4, s5, "frame")
	a.nop()
	a.li(t0, 1)
	a.sw(t0, AddrDone-AddrMagic, s7)
	a.j(stage2VAddr + 4*uint32(a.labels["frame"]))
	a.nop()
	return a.finish()
}

// waitVI emits the frame loop head: wait for the VI interrupt, acknowledge
// it, count it, and stay parked there once the done flag is set.
func waitVI(a *asm) {
	a.label("frame")
	a.lw(t0, miIntr, s1)
	a.andi(t0, t0, miVI)
	a.beq(t0, zero, "frame")
	a.nop()
	a.sw(zero, viCurrent, s0)
	a.lw(t0, AddrVIs-AddrMagic, s7)
	a.addiu(t0, t0, 1)
	a.sw(t0, AddrVIs-AddrMagic, s7)
	a.lw(t0, AddrDone-AddrMagic, s7)
	a.bne(t0, zero, "frame")
	a.nop()
}

// gfxTask runs one display-list task (type 1, no list: the video plugin
// gets an empty one) and waits for the RDP-done interrupt the core
// schedules after it, then clears it and counts it.
func gfxTask(a *asm) {
	a.li(t0, spTaskType)
	a.li(t1, taskGfx)
	a.sw(t1, 0, t0)
	a.li(t0, spStatus)
	a.li(t1, spRun)
	a.sw(t1, 0, t0) // the core runs the task right here
	a.label("rdp")
	a.lw(t0, miIntr, s1)
	a.andi(t0, t0, miDP)
	a.beq(t0, zero, "rdp")
	a.nop()
	a.li(t0, miClearDP)
	a.sw(t0, miInitMode, s1)
	a.lw(t0, AddrGfx-AddrMagic, s7)
	a.addiu(t0, t0, 1)
	a.sw(t0, AddrGfx-AddrMagic, s7)
}

// pollPIF writes the controller-read block to PIF RAM and reads it back.
func pollPIF(a *asm) {
	a.li(t1, statusPresent)
	a.li(t2, 0xFFFFFFFF)
	for ch := range int16(4) {
		a.sw(t1, 8*ch, s6)
		a.sw(t2, 8*ch+4, s6)
	}
	a.li(t1, 0xFE000000)
	a.sw(t1, 32, s6)
	for off := int16(36); off < 60; off += 4 {
		a.sw(zero, off, s6)
	}
	a.li(t1, 1)
	a.sw(t1, 60, s6)
	siTransfer(a, siWr64B, "wr")
	siTransfer(a, siRd64B, "rd")
}

// siTransfer starts one 64-byte SI DMA, waits for it and clears SI_STATUS.
func siTransfer(a *asm, reg int16, name string) {
	a.li(t0, AddrPIF)
	a.sw(t0, siDRAMAddr, s2)
	a.li(t0, pifRAMAddr)
	a.sw(t0, reg, s2)
	a.label(name)
	a.lw(t0, siStatus, s2)
	a.andi(t0, t0, 3)
	a.bne(t0, zero, name)
	a.nop()
	a.sw(zero, siStatus, s2)
}

// foldPads folds the four channels' status and pad words into s3.
func foldPads(a *asm) {
	a.li(t3, hashMul)
	for off := int16(0); off < 32; off += 4 {
		a.lw(t0, off, s6)
		a.xor(t0, t0, s3)
		a.multu(t0, t3)
		a.mflo(s3)
		a.nop() // no MULTU within two instructions of MFLO
	}
}

// WriteFile builds the ROM opts describe into dir/netpak-test.z64 and
// returns the file's path.
func WriteFile(dir string, opts Options) (string, error) {
	rom, err := BuildWith(opts)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "netpak-test.z64")
	if err := os.WriteFile(path, rom, 0o644); err != nil {
		return "", fmt.Errorf("write test rom: %w", err)
	}
	return path, nil
}
