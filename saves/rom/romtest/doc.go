// Package romtest builds synthetic N64 ROM images for tests: random bytes
// (never Nintendo code) with a header whose CRC1/CRC2 is valid for the chosen
// boot chip, in any byte order. The boot region is random too, except for
// four bytes chosen so that its CRC-32 equals the known chip's, which is what
// rom.DetectCIC looks for. It is used by the tests of rom, saves and host.
package romtest
