package vpn

import (
	"fmt"
	"net/netip"
	"strings"
)

// WGConfig is a wg-quick configuration for a player who uses the official
// WireGuard app instead of netpak: it holds a key pair made for that player
// and already admitted on the host.
type WGConfig struct {
	Addr      netip.Addr // the player's tunnel address
	PublicKey Key        // the player's public key, as the host knows it
	Text      string     // the wg-quick file
}

// InviteWG makes a key pair for a player, admits it as a peer (it counts
// against the peer limit; [Host.Kick] removes it), and returns a wg-quick
// configuration that reaches the host at endpoint (zero means the first
// invite endpoint). Only the host's address is routed through the tunnel.
func (h *Host) InviteWG(endpoint netip.AddrPort) (WGConfig, error) {
	inv := h.Invite()
	if !endpoint.IsValid() {
		if len(inv.Endpoints) == 0 {
			return WGConfig{}, fmt.Errorf("wg config: host has no endpoint to put in it")
		}
		endpoint = inv.Endpoints[0]
	}
	priv, err := NewPrivateKey()
	if err != nil {
		return WGConfig{}, err
	}
	pub := priv.Public()
	psk := presharedKey(inv.Secret, pub)
	addr, err := h.admit(pub, psk, true)
	if err != nil {
		return WGConfig{}, fmt.Errorf("wg config: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# netpak session: host is %v inside the tunnel\n", HostAddr)
	fmt.Fprintf(&b, "[Interface]\nPrivateKey = %v\nAddress = %v\n\n", priv, netip.PrefixFrom(addr, 32))
	fmt.Fprintf(&b, "[Peer]\nPublicKey = %v\nPresharedKey = %v\n", inv.HostKey, psk)
	fmt.Fprintf(&b, "AllowedIPs = %v\nEndpoint = %v\nPersistentKeepalive = %d\n",
		netip.PrefixFrom(HostAddr, 32), endpoint, int(keepalive.Seconds()))
	return WGConfig{Addr: addr, PublicKey: pub, Text: b.String()}, nil
}

// WriteFile writes the configuration to path (owner-only permissions,
// atomically). It refuses to replace an existing file.
func (c WGConfig) WriteFile(path string) error {
	if err := writeFileAtomic(path, []byte(c.Text), false); err != nil {
		return fmt.Errorf("write wg config: %w", err)
	}
	return nil
}
