package cheats

// decodeXplorer turns an Xplorer64-encrypted line into plain bytes, as
// Project64 1.6 and 2.x decode E8/E9/C8/C9/B8-BB/A8/A9 codes
// (research/saves-cheats.md §3.3): each address byte b becomes
// (b+0x2B) xor 0x81, 0x82, 0x83 from high to low, each value byte
// (b+0x2B) xor 0x84, 0x85. The type byte is mapped by the caller.
func decodeXplorer(addr uint32, val uint16) (uint32, uint16) {
	dec := func(b, key byte) byte { return (b + 0x2B) ^ key }
	a2 := dec(byte(addr>>16), 0x81)
	a1 := dec(byte(addr>>8), 0x82)
	a0 := dec(byte(addr), 0x83)
	v1 := dec(byte(val>>8), 0x84)
	v0 := dec(byte(val), 0x85)
	return uint32(a2)<<16 | uint32(a1)<<8 | uint32(a0), uint16(v1)<<8 | uint16(v0)
}
