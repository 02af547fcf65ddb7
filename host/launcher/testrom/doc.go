// Package testrom owns netpak's homebrew Nintendo 64 test ROM: a tiny MIPS
// encoder, the ROM image built with it (our own boot code, no Nintendo code
// anywhere), and the pure Go model of the hash the ROM computes, so a test
// can predict a real core's RDRAM from the inputs it fed in.
//
// # What the ROM does
//
// The core's high-level PIF boot copies ROM 0x40-0xFFF to RSP DMEM and jumps
// to 0xA4000040. Stage 1 (in DMEM) DMAs ROM 0x1000-0x1FFF to RDRAM 0x400 and
// jumps there. Stage 2 programs the VI (VI_V_SYNC=0x20D, VI_V_INTR=2) so a
// VI interrupt is pending once per frame, then loops:
//
//  1. wait for MI_INTR.VI, acknowledge it by writing VI_V_CURRENT;
//  2. count the VI; if the done flag is set, go back to 1 (parked);
//  3. with [Options.GfxTasks], run an empty display-list task on the RSP
//     and wait for the RDP-done interrupt, as libultra games do;
//  4. write a 64-byte PIF block that reads the four controllers
//     (per channel FF 01 04 01 FF FF FF FF, then FE, byte 63 = 01) with
//     SI_PIF_ADDR_WR64B, and read it back with SI_PIF_ADDR_RD64B (this read
//     is where the core polls the input plugin, or netplay, once per
//     channel);
//  5. fold each channel's two words (status word, then pad word) into the
//     hash with h = (h ^ w) * 0x01000193, increment the poll counter, and
//     set the done flag when the counter reaches N.
//
// # RDRAM map (physical addresses, big-endian MIPS words)
//
//	0x000400  stage 2 code
//	0x100000  magic 'NPTR' (0x4E505452), written at start
//	0x100004  poll counter
//	0x100008  hash (starts at 0x811C9DC5)
//	0x10000C  done flag (1 once counter == N)
//	0x100010  N, the number of polls baked into the ROM
//	0x100014  VI counter (keeps counting while parked)
//	0x100018  gfx tasks completed (with [Options.GfxTasks])
//	0x100100  the 64-byte PIF block of the last poll
//
// A frontend reading RDRAM through DebugMemGetPointer sees host-endian u32
// words: the MIPS word at physical address A is *(uint32*)(base+A).
//
// # Controller words and byte order
//
// For a present controller the status word is 0xFF010401 and the pad word
// is the core's BUTTONS value as the input plugin (or netplay) gave it, but
// the core stores that value into PIF RAM as a native u32: on a
// little-endian host the MIPS side reads bswap32(keys). [PadWord] applies
// the rule of the machine running the test. For an absent controller the
// core sets the "no response" bit (status 0xFF018401) and leaves the pad
// bytes as written (0xFFFFFFFF). [Hash] models both.
package testrom
