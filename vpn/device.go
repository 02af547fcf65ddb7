package vpn

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/device"
)

// Tunnel addressing. The addresses exist only inside netpak's user-space
// network stack, never in the system's routing table, so they cannot clash
// with the user's LAN or another VPN.
var (
	// HostAddr is the host's address inside every tunnel.
	HostAddr     = netip.MustParseAddr("10.64.0.1")
	tunnelPrefix = netip.MustParsePrefix("10.64.0.0/24")
)

// DefaultPort is the UDP port a host listens on unless told otherwise
// (N64 -> 6464).
const DefaultPort = 6464

// tunnelMTU keeps the outer datagram at most 1360 bytes even over IPv6 and
// relays; netplay packets are tiny, so the small MTU costs nothing.
const tunnelMTU = 1280

// keepalive is the player's persistent keepalive; it keeps NAT and
// conntrack mappings (often 30 s) alive when the game is paused.
const keepalive = 20 * time.Second

// Logf is the logging function the package's types accept.
type Logf func(format string, args ...any)

func (l Logf) orDiscard() Logf {
	if l == nil {
		return func(string, ...any) {}
	}
	return l
}

// startDevice creates a user-space network stack at addr and a WireGuard
// device on bind with private key priv, and brings it up.
func startDevice(addr netip.Addr, bind *Bind, priv Key, logf Logf) (*device.Device, *userStack, error) {
	us, err := newUserStack(addr, tunnelMTU)
	if err != nil {
		return nil, nil, fmt.Errorf("create network stack: %w", err)
	}
	dev := device.NewDevice(us, bind, &device.Logger{
		Verbosef: func(string, ...any) {},
		Errorf:   func(f string, a ...any) { logf("wireguard: "+f, a...) },
	})
	if err := dev.IpcSet("private_key=" + priv.hex() + "\n"); err != nil {
		dev.Close()
		return nil, nil, fmt.Errorf("configure device: %w", err)
	}
	if err := dev.Up(); err != nil {
		dev.Close()
		return nil, nil, fmt.Errorf("start device: %w", err)
	}
	return dev, us, nil
}

// PeerStatus is what WireGuard knows about one peer.
type PeerStatus struct {
	PublicKey     Key
	Endpoint      netip.AddrPort // last address a packet came from; zero before the first
	LastHandshake time.Time      // zero before the first handshake
	RxBytes       uint64
	TxBytes       uint64
}

// peerStatus parses the device's UAPI "get" output.
func peerStatus(dev *device.Device) (map[Key]PeerStatus, error) {
	out, err := dev.IpcGet()
	if err != nil {
		return nil, fmt.Errorf("read device state: %w", err)
	}
	peers := map[Key]PeerStatus{}
	var cur *PeerStatus
	var sec, nsec int64
	flush := func() {
		if cur != nil {
			if sec != 0 || nsec != 0 {
				cur.LastHandshake = time.Unix(sec, nsec)
			}
			peers[cur.PublicKey] = *cur
		}
		sec, nsec = 0, 0
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		if k == "public_key" {
			flush()
			cur = &PeerStatus{}
			if pub, err := parseHexKey(v); err == nil {
				cur.PublicKey = pub
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch k {
		case "endpoint":
			cur.Endpoint, _ = netip.ParseAddrPort(v)
		case "last_handshake_time_sec":
			sec, _ = strconv.ParseInt(v, 10, 64)
		case "last_handshake_time_nsec":
			nsec, _ = strconv.ParseInt(v, 10, 64)
		case "rx_bytes":
			cur.RxBytes, _ = strconv.ParseUint(v, 10, 64)
		case "tx_bytes":
			cur.TxBytes, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	flush()
	return peers, nil
}

func parseHexKey(s string) (Key, error) {
	var k Key
	if len(s) != 2*KeyLen {
		return k, fmt.Errorf("hex key of %d characters", len(s))
	}
	for i := range k {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return Key{}, err
		}
		k[i] = byte(v)
	}
	return k, nil
}
