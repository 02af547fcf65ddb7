package e2e

import (
	"github.com/netpak/netpak/host"
)

// lagChange is the session lag from a poll on.
type lagChange struct {
	from uint32
	lag  uint8
}

// predictStreams models every port's author independently of the host's
// code: the press of count c (scriptKeys) is the input for poll c+lag(c);
// skipped polls repeat the last input (the zero input before the first),
// and a press landing on a poll already published is dropped. A port
// whose player left reads as no input from leftFrom on.
func predictStreams(polls int, active host.PortMask, lags []lagChange, leftFrom [host.NumPorts]uint32) [][host.NumPorts]uint32 {
	out := make([][host.NumPorts]uint32, polls)
	lagAt := func(c uint32) uint8 {
		l := lags[0].lag
		for _, ch := range lags {
			if c >= ch.from {
				l = ch.lag
			}
		}
		return l
	}
	for k := range host.NumPorts {
		if !active.Has(k) {
			continue
		}
		var next, last uint32
		for c := uint32(0); int(next) < polls; c++ {
			target := c + uint32(lagAt(c))
			if target < next {
				continue
			}
			keys := scriptKeys(k, c)
			for ; next < target && int(next) < polls; next++ {
				out[next][k] = last
			}
			if int(target) < polls {
				out[target][k] = keys
			}
			last, next = keys, target+1
		}
		for p := leftFrom[k]; int(p) < polls; p++ {
			out[p][k] = 0
		}
	}
	return out
}

// noneLeft is a leftFrom where every player stays.
func noneLeft() [host.NumPorts]uint32 {
	return [host.NumPorts]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}
}
