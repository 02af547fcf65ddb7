// Package rom identifies an N64 ROM image: it detects the byte order of a
// .z64, .v64 or .n64 file from its first four bytes, normalises the image to
// big-endian (.z64) order, parses the 64-byte header, verifies the header
// CRC1/CRC2 for the known boot chips (CIC 6101, 6102, 6103, 6105, 6106) and
// computes the keys other programs use for the same game:
//
//   - SHA256: SHA-256 of the normalised image, netpak's "same ROM" identity;
//   - MD5: upper-case MD5 of the .z64 image, as mupen64plus and RMG use it
//     (ROM database key, save file names);
//   - PJ64MD5: MD5 of the .n64 (32-bit little-endian word) image, which
//     Project64 3.x puts in its per-game save folder name;
//   - CheatKey: "CRC1-CRC2-C:XX", the key of every cheat database.
//
// It is a leaf: pure functions over bytes plus one file-reading helper; it
// imports nothing of netpak. A boot code this package does not know is not an
// error: the CRC is then reported as unverified, because homebrew and
// development boot codes exist and emulators run them.
//
// Facts (offsets, CIC checksums, seeds, the CRC algorithm) come from
// research/saves-cheats.md §2; no code was copied from the projects cited there.
package rom
