// Package saves finds, reads, normalises, hashes, backs up and writes the
// save files of an N64 game in each emulator's conventions: mupen64plus-core
// (all three file-naming generations; also RMG and simple64), Project64 1.6/1.7,
// 2.x and 3.x, and RetroArch's Mupen64Plus-Next .srm
// (research/saves-cheats.md §1). It owns the save [Manifest] players exchange
// and its wire encoding. It never imports host; ROM identity lives in the
// leaf package saves/rom.
//
// # Canonical form
//
// A game has seven components ([Kind]): EEPROM, SRAM, FlashRAM and four
// Controller Paks. Canonical bytes are in cartridge order (the emulators
// store SRAM and FlashRAM as 32-bit little-endian words, so those are
// swapped), exactly the nominal size (EEPROM 512 or 2048, SRAM 32 KiB,
// FlashRAM 128 KiB, each pak 32 KiB; a short file is padded with 0xFF, a
// long one cut). An absent file, an all-zero file and (for EEPROM, SRAM and
// FlashRAM) an all-0xFF file all mean "no save".
//
// Component hash ([Component.Hash]):
//
//	SHA-256("N64-SAVE-V1\0" ‖ kind ‖ "\0" ‖ u32be(size) ‖ present ‖ bytes)
//
// with kind one of "eep", "sra", "fla", "mpk1".."mpk4", present one byte
// (0 or 1), and size 0 and no bytes when absent. The save-set hash
// ([SetHash]) is SHA-256 over the seven component hashes in that order.
//
// # Writing
//
// [Store.Write] writes in the chosen emulator's layout at full size. Each
// file is replaced atomically (temporary file in the same folder, fsync,
// rename) after its previous contents got a second name
// "<file>.<UTC time>.bak" beside it, so nothing is lost if netpak is
// killed at any moment. The oldest backup of a file and the [MaxBackups]
// newest are kept, older ones removed. Data received from other players is
// checked first ([Component.Validate], [CheckFileName]).
//
// # Manifest encoding
//
// Big-endian, at most [ManifestSize] bytes:
//
//	"NPM1" | family u8 | ROM SHA-256 [32] | count u8 = 7 |
//	7 × component hash [32] | cheats length u8 (≤ 128) | cheats (ASCII 0x21-0x7E)
package saves
