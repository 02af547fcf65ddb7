// Package vpn owns netpak's embedded WireGuard tunnel on a userspace network
// stack: keys, invites, the join handshake, and the listeners and dialers
// that it hands to the rest of netpak as plain net types. It is the only
// package that imports wireguard-go or gVisor.
package vpn
