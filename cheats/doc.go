// Package cheats reads GameShark cheat databases in the formats N64
// emulators use, resolves the cheats a session enables into a canonical
// code set, hashes that set so players can compare it, encodes it for the
// network and renders it for mupen64plus's CoreAddCheat.
//
// Formats read: mupen64plus mupencheat.txt ([ParseMupencheat]), Project64
// 1.6/1.7 and 2.x Project64.cht ([ParseProject64Legacy],
// [ParseProject64v2]), Project64 3.x and RMG per-game "$" files
// ([ParseProject64v3]), RMG's lobby features.cheats JSON ([ParseRMGLobby])
// and simple64's cheats.json ([ParseSimple64]) and netplay room list
// ([ParseSimple64Room]); emulator-applied fixes such as mupen64plus.ini
// "CheatN=" lines go through [ParsePatch]. Every parser caps the input
// size, line length and number of games, cheats, codes and options, and
// reports errors as [*SyntaxError] naming the line.
//
// Resolution ([Resolve]) follows the canonical form of
// research/saves-cheats.md §3.12: option digits are substituted (every "?"
// line of a cheat takes the option, as RMG, Project64 and simple64 do),
// Xplorer64 codes are decoded, A0/A1 become 80/81, 8-bit writes keep only
// their low byte, emulator no-ops (DE, FF, CC, 20, 00000000 0000) are
// dropped, and GameShark-button codes (88, 89, D8-DB) and unknown types are
// refused with an error naming the cheat and line. Names, notes and option
// labels are never hashed, so the same codes written in different formats
// hash the same. Where a database writes one cheat with several "?" lines,
// mupen64plus's ui-console fills only the last one; netpak, like the other
// frontends, fills all of them.
//
// Wire format of a [CodeSet] (big-endian; [CodeSet.MarshalBinary]):
//
//	u8  version (1)
//	u8  flags (bit 0: order-sensitive)
//	key: u8 kind; kind 1: u32 CRC1, u32 CRC2, u8 country; kind 2: [16]byte MD5
//	u16 cheats, each: u8 name length, name, u16 codes, codes
//	u16 patches, each laid out like a cheat
//	code: u8 type, u24 address, u16 value
//
// The package is pure: no goroutines, files, sockets or clocks (callers
// pass readers and bytes). It never imports host and keeps its own
// [GameKey] rather than the ROM package's.
package cheats
