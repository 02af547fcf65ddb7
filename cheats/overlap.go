package cheats

import (
	"cmp"
	"slices"
)

// maxSpans bounds the work of the overlap check; a set with more memory
// ranges than this (large repeaters) is treated as order-sensitive.
const maxSpans = 1 << 16

// span is a byte range [start, end) of RDRAM one cheat writes or reads.
type span struct {
	start, end uint32
	cheat      int
	write      bool
}

// overlapping reports whether any cheat writes memory that another cheat
// writes or reads, in which case the order cheats run in matters.
func overlapping(cheats []CheatCodes) bool {
	var all []span
	for i, c := range cheats {
		w, r := footprint(c.Codes, i)
		all = append(all, merge(w)...)
		all = append(all, merge(r)...)
		if len(all) > maxSpans {
			return true
		}
	}
	slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var active []span
	for _, s := range all {
		active = slices.DeleteFunc(active, func(a span) bool { return a.end <= s.start })
		for _, a := range active {
			if a.cheat != s.cheat && (a.write || s.write) {
				return true
			}
		}
		active = append(active, s)
	}
	return false
}

// footprint lists the ranges a cheat writes and reads; repeaters are
// expanded here, and only here.
func footprint(codes []Code, cheat int) (writes, reads []span) {
	add := func(list *[]span, start, n uint32, write bool) {
		if len(*list) <= maxSpans {
			*list = append(*list, span{start: start, end: start + n, cheat: cheat, write: write})
		}
	}
	for i := 0; i < len(codes); i++ {
		c := codes[i]
		switch c.Type {
		case typeRepeat:
			if i+1 < len(codes) {
				i++
				t := codes[i]
				count, step := c.Address>>8&0xFF, c.Address&0xFF
				for k := range count {
					add(&writes, t.Address+k*step, width(t.Type), true)
				}
			}
		case typeWrite8, typeWrite16, typeBoot8, typeBoot16:
			add(&writes, c.Address, width(c.Type), true)
		case typeNoExpak:
			add(&writes, 0x318, 4, true) // osMemSize
		default: // D0-D3
			add(&reads, c.Address, width(c.Type), false)
		}
	}
	return writes, reads
}

// width is 1 for 8-bit types (even type byte) and 2 for 16-bit ones.
func width(t uint8) uint32 { return 1 + uint32(t&1) }

// merge sorts spans of one cheat and joins touching ones.
func merge(list []span) []span {
	slices.SortFunc(list, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var out []span
	for _, s := range list {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}
