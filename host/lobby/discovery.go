package lobby

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/netpak/netpak/host/limit"
)

// DiscoveryPort is where RMG and simple64 look for servers on their LAN:
// they broadcast a one-byte datagram (1) to UDP port 45000, whatever port
// the lobby has, and list every JSON {"name": "ws://IP:PORT"} that comes
// back (research/m64p-netplay.md §2.3).
const DiscoveryPort = 45000

// IsDiscovery reports whether datagram b asks for the servers of a LAN.
func IsDiscovery(b []byte) bool { return len(b) == 1 && b[0] == 1 }

// Discovery answers at most discoveryRate requests a second per source
// and discoveryTotal in all: its reply is larger than the request, so it
// must not become a reflector.
const (
	discoveryRate  = 1
	discoveryBurst = 3
	discoveryTotal = 50
)

// ServeDiscovery answers LAN discovery on pc (UDP port DiscoveryPort) with
// this lobby's URL at lobbyPort, until pc closes. Only sources on the
// machine's own networks are answered (private, link-local and loopback
// addresses): discovery is for a LAN, and a reply to the internet could
// only be a reflected attack.
func (s *Server) ServeDiscovery(pc net.PacketConn, lobbyPort int) error {
	perSource := limit.NewBuckets(discoveryRate, discoveryBurst)
	var total limit.Bucket
	buf := make([]byte, 64)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		ip := addrOf(from)
		now := s.cfg.Now()
		if !IsDiscovery(buf[:n]) || !onLAN(ip) || !perSource.Allow(limit.Source(ip), now) || !total.Allow(now, discoveryTotal, discoveryTotal) {
			continue
		}
		if reply := s.discoveryReply(from, lobbyPort); reply != nil {
			pc.SetWriteDeadline(time.Now().Add(time.Second))
			pc.WriteTo(reply, from)
		}
	}
}

// onLAN reports whether ip may be answered: a private, link-local or
// loopback address.
func onLAN(ip netip.Addr) bool {
	return ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLoopback()
}

// discoveryReply names the lobby by the address the machine uses toward
// the asker, which is on the asker's network.
func (s *Server) discoveryReply(to net.Addr, lobbyPort int) []byte {
	ua, ok := to.(*net.UDPAddr)
	if !ok {
		return nil
	}
	// A connected UDP socket learns its route and sends nothing.
	c, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil
	}
	local := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	c.Close()
	url := "ws://" + net.JoinHostPort(local.String(), strconv.Itoa(lobbyPort))
	b, _ := json.Marshal(map[string]string{s.cfg.Name: url})
	return b
}
