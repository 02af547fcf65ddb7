// Package rendezvous owns netpak's rendezvous and relay server, the
// program `netpak rendezvous` runs (as tailscale's derpserver serves the
// derp protocol): it pairs hosts without an open port with their players,
// tells each side the address it was seen at, answers STUN binding
// requests, and relays WireGuard datagrams unchanged when punching fails.
//
// Its one job is that server: [Listen] starts a [Server], [Server.Close]
// stops it. The datagrams it speaks are package
// [github.com/netpak/netpak/vpn/natmsg]'s, shared with the hosts and
// players of package vpn. It must not import vpn, WireGuard or gVisor: it
// never holds a tunnel key and cannot read what it relays. It decides
// nothing for a host or a player beyond pairing, relaying and refusing.
//
// # Rules
//
// Only the host registers its room. The room id commits to the host's
// public key; a register must be sealed with the register key and carry
// the cookie = HMAC-SHA256(server secret, epoch || sender address || host
// public key)[:16] that the server gave the address it comes from (epochs
// of 2 minutes, the last two accepted), and a higher seq than the last.
// Anything else is answered with a challenge carrying that cookie and the
// server's key, and the host registers again. So neither an invite holder
// (old or current), a replay from elsewhere, nor a sender spoofing an
// address moves a room. A relay forwards only between the two addresses
// bound to it; a bound side moves only after 5 s of silence.
//
// Every table is bounded. A source prefix (one IPv4 address, or an IPv6
// /64) is rate-limited as one sender and holds at most 8 rooms and 8
// relays (as host or as player); the network around it (an IPv4 /24, an
// IPv6 /48) at most 32 of each; a room at most 8 relays. Relays are
// limited in packets and bytes per second and in datagram size, and
// expire when idle. No answer to a request's sender, STUN included, is
// larger than the request, so the server amplifies nothing; netpak pads
// its STUN binding requests (a SOFTWARE attribute) to 48 bytes for that.
// Messages to a room's host go to the address its cookie proved.
package rendezvous
