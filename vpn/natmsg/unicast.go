package natmsg

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrNotUnicast wraps the reason an address was refused as a destination:
// a player that sent to it would send to no one (port 0, an unspecified
// address) or to many (a broadcast or multicast address), which an
// invite's author could use to aim players' traffic at a whole network.
var ErrNotUnicast = errors.New("not a unicast address")

var (
	thisNetwork   = netip.MustParsePrefix("0.0.0.0/8") // RFC 1122: source only
	limitedBcast  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	ipv4Multicast = netip.MustParsePrefix("224.0.0.0/4")
	ipv6Multicast = netip.MustParsePrefix("ff00::/8")
)

// CheckUnicast returns an error wrapping [ErrNotUnicast] unless ap is a
// single host's address and a port. Directed broadcasts need the subnet's
// mask to be told apart, so callers that know it check those.
func CheckUnicast(ap netip.AddrPort) error {
	a := ap.Addr().Unmap()
	var what string
	switch {
	case !a.IsValid():
		what = "no address"
	case ap.Port() == 0:
		what = "port 0"
	case a.IsUnspecified(), thisNetwork.Contains(a):
		what = "an unspecified address"
	case a == limitedBcast:
		what = "the broadcast address"
	case ipv4Multicast.Contains(a), ipv6Multicast.Contains(a):
		what = "a multicast address"
	default:
		return nil
	}
	return fmt.Errorf("%v is %s: %w", ap, what, ErrNotUnicast)
}
