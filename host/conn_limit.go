package host

import (
	"net"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/limit"
	"github.com/netpak/netpak/host/udpsock"
)

// Admission limits of the session port. They bound what a peer can hold
// without joining: descriptors, goroutines and buffers of connections
// that never finish a hello or a registration.
const (
	// defaultJoiningPerIP is how many connections from one source address
	// may be joining at once. Only connections that have not joined count:
	// a netpak client stops counting once admitted, a core once it holds a
	// controller port or plays. Joined members do not count because they
	// are bounded already (four ports; netpak members are dropped after
	// DropTimeout of silence), so this limit never stands in the way of a
	// LAN party behind one NAT address or of tests that run four cores
	// and clients on 127.0.0.1, which join one or a few at a time. A
	// spectator core counts until the game starts: eight of them may wait
	// in the lobby per address.
	defaultJoiningPerIP = 8
	// defaultCoreMessageTimeout bounds the read of one mupen64plus-core
	// message once its first byte arrived: the largest, a 128 KiB save,
	// needs 105 kbit/s to make it.
	defaultCoreMessageTimeout = 10 * time.Second
	// defaultCoreIdleTimeout bounds a core's silence before each handshake
	// message. A real core sends the next one at once (its frontend calls
	// M64CMD_EXECUTE right after NETPLAY_INIT and CONTROL_PLAYER); waits
	// for the host's replies do not count.
	defaultCoreIdleTimeout = time.Minute
)

// limits are a Host's admission limits; zero fields take the defaults.
// Tests shorten them through Config.limits.
type limits struct {
	joiningPerIP       int
	coreMessageTimeout time.Duration
	coreIdleTimeout    time.Duration
}

func (l limits) withDefaults() limits {
	if l.joiningPerIP <= 0 {
		l.joiningPerIP = defaultJoiningPerIP
	}
	if l.coreMessageTimeout <= 0 {
		l.coreMessageTimeout = defaultCoreMessageTimeout
	}
	if l.coreIdleTimeout <= 0 {
		l.coreIdleTimeout = defaultCoreIdleTimeout
	}
	return l
}

// sourceKey is what the limit counts by: limit.Source of a's address.
func sourceKey(a net.Addr) netip.Prefix {
	return limit.Source(udpsock.AddrPortOf(a).Addr())
}
