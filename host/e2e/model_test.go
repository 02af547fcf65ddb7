package e2e

import "github.com/netpak/netpak/host/session"

// lagChange is the session lag from a poll on, and the ports of the golf
// seat, which play at lag 0.
type lagChange struct {
	from    uint32
	lag     uint8
	golfer  session.PortMask
	seatLag uint8 // the golfer's lag
}

// predictStreams models every port's author independently of the host's
// code: the press of count c (keys) is the input for poll c+lag(c), lag
// being seatLag for the golfer's ports; skipped polls repeat the last input (the
// zero input before the first), and a press landing on a poll already
// published is dropped. A port whose player left reads as no input from
// leftFrom on.
func predictStreams(polls int, active session.PortMask, keys func(int, uint32) uint32, lags []lagChange, leftFrom [session.NumPorts]uint32) [][session.NumPorts]uint32 {
	out := make([][session.NumPorts]uint32, polls)
	lagAt := func(k int, c uint32) uint8 {
		var in lagChange
		for _, ch := range lags {
			if c >= ch.from {
				in = ch
			}
		}
		if in.golfer.Has(k) {
			return in.seatLag
		}
		return in.lag
	}
	for k := range session.NumPorts {
		if !active.Has(k) {
			continue
		}
		var next, last uint32
		for c := uint32(0); int(next) < polls; c++ {
			target := c + uint32(lagAt(k, c))
			if target < next {
				continue
			}
			in := keys(k, c)
			for ; next < target && int(next) < polls; next++ {
				out[next][k] = last
			}
			if int(target) < polls {
				out[target][k] = in
			}
			last, next = in, target+1
		}
		for p := leftFrom[k]; int(p) < polls; p++ {
			out[p][k] = 0
		}
	}
	return out
}

// noneLeft is a leftFrom where every player stays.
func noneLeft() [session.NumPorts]uint32 {
	return [session.NumPorts]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}
}

// scriptKeys is every port's scripted controller word at a count: varied
// buttons and stick positions, different per port. Headless cores have no
// input of their own, so the host (direct cores) and the bridges (bridged
// cores) put these in place of the zero keys the cores report.
func scriptKeys(port int, count uint32) uint32 {
	x := uint64(port+1)<<40 ^ uint64(count)*0x9E3779B97F4A7C15
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return uint32(x >> 16)
}
