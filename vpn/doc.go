// Package vpn owns netpak's embedded WireGuard tunnel on a user-space
// network stack (wireguard-go with gVisor's netstack: no TUN driver and no
// administrator rights on either side): keys, invites, the join handshake,
// the shared UDP socket, and the listeners and dialers it hands to the rest
// of netpak as plain net types. It is the only package that imports
// wireguard-go or gVisor; it must not import host or commands.
//
// # Shape
//
// The host runs a [Host]: one WireGuard device on one UDP port
// ([DefaultPort], 6464, unless configured), with the host at [HostAddr]
// (10.64.0.1) inside the tunnel. [Host.ListenTCP] and [Host.ListenUDP] give
// the session server its listeners there. A player calls [Join] with the
// invite text and gets a [Tunnel], whose [Tunnel.DialContext] reaches the
// host's listeners. Tunnel addresses exist only inside netpak's process, so
// they cannot clash with the user's networks.
//
// The TUN device between WireGuard and gVisor is the package's own, not
// wireguard-go's tun/netstack: closing it stops the stack before anything
// else and never closes a channel another goroutine may send on, so a
// packet gVisor makes while a tunnel closes (an ICMP error, a TCP
// retransmission) cannot panic or race.
//
// Only the player starts WireGuard handshakes; the host sets no keepalive
// and no endpoint. When both sides initiate at once, each discards its own
// handshake and the tunnel can stay down for good.
//
// # Shared socket
//
// A [Bind] owns the single UDP socket and sorts each datagram: WireGuard
// (message type 1..4 then three zero bytes) goes to the device, netpak
// control messages (the magic below) and STUN (RFC 5389 cookie) go to
// handlers. Hole punching, rendezvous and STUN are meant to use the same
// socket through [Bind.SetControlHandler], [Bind.SetSTUNHandler] and
// [Bind.WriteTo]: a hole punched in a NAT exists only for its socket.
//
// # Invites and joining
//
// An invite ([Invite], one line starting "netpak1") holds the host's public
// key, its endpoints, the session id and a 16-byte join secret; it never
// holds a private key. The player makes its own key pair and sends a join;
// the host checks it, gives the player the next free tunnel address, adds
// it as a peer and answers. Joins are idempotent, so the player simply
// repeats one until an answer comes. One invite admits players until the
// peer limit ([Host.SetMaxPeers]); [Host.Kick] removes one;
// [Host.RotateSecret] makes a new invite and refuses the old secret.
// [Host.InviteWG] serves players who use the official WireGuard app.
//
// The host stays silent to anyone who lacks its public key: WireGuard's
// mac1 covers handshakes, and the join's mac1 field covers joins. Only a
// sender that has the public key learns whether its secret was wrong.
//
// # Control messages
//
// All integers are big-endian. Every control message starts with the
// six-byte header of package [github.com/netpak/netpak/vpn/natmsg]
// (magic, version, type: here 1 join, 2 accept, 3 reject) and has a fixed
// size.
//
// join (player -> host), 110 bytes:
//
//	header   [6]
//	session  [8]   from the invite
//	player   [32]  the player's WireGuard public key
//	nonce    [16]  random; the answer echoes it
//	auth     [32]  HMAC-SHA256(join secret, header..nonce)
//	mac1     [16]  HMAC-SHA256(SHA256("netpak join mac1 v1" || host public key), header..auth)[:16]
//
// accept (host -> player), 70 bytes, smaller than a join so it amplifies
// nothing:
//
//	header   [6]
//	session  [8]
//	nonce    [16]
//	addr     [4]   the player's IPv4 tunnel address
//	host     [4]   the host's IPv4 tunnel address
//	auth     [32]  HMAC-SHA256(join secret, header..host)
//
// reject (host -> player), 31 bytes, sent only for joins with a valid mac1:
//
//	header   [6]
//	session  [8]
//	nonce    [16]
//	reason   [1]   1 wrong secret, 2 session full, 3 unknown session
//
// Both sides set the WireGuard preshared key to
// HMAC-SHA256(join secret, "netpak psk v1" || player public key).
//
// # NAT traversal
//
// Players reach a host without an open port along a ladder, all on the
// shared socket: (1) the invite's addresses: LAN, IPv6, a port mapping the
// host made on its router with UPnP-IGD or NAT-PMP (removed when the host
// closes), and its public address from a STUN or rendezvous server;
// (2) simultaneous punching: a rendezvous server pairs host and player,
// both ping the other's candidates every 50 ms, and the first answered
// ping wins; (3) after 1.5 s without an answer, a relay port on the
// rendezvous server that forwards the WireGuard datagrams unchanged; a
// relayed [Tunnel] retries direct every 30 s and moves when it can.
// [Tunnel.Path] and [Peer].Path say which ("direct", "direct via UPnP",
// "relayed via ADDR") with the round trip. Without a rendezvous server the
// player's [JoinConfig].Answer gets an answer code to send back by hand;
// [Host.AcceptAnswer] makes the host punch toward it.
//
// The datagrams of this ladder and the keys that seal them belong to
// package [github.com/netpak/netpak/vpn/natmsg]. The rendezvous and relay
// server is package [github.com/netpak/netpak/vpn/rendezvous], a separate
// program (`netpak rendezvous`) that never imports this package.
//
// # Invite encoding
//
// "netpak1" then unpadded base64url of fields (tag [1], length [1], value)
// and a CRC-32 (IEEE) of them [4]. Tags: 1 host public key [32], 2 session
// [8], 3 join secret [16], 4 endpoint (IPv4 [4] or IPv6 [16], port [2]; up
// to [MaxEndpoints]), 5 rendezvous server ("host:port", up to
// [MaxRendezvous]), 6 endpoint kinds (one [CandidateKind] byte per
// endpoint, left out when all are local). Unknown tags are skipped, so
// later versions can add fields without breaking older readers. An
// endpoint must be one host's address: port 0, unspecified (0.0.0.0/8,
// ::), broadcast (255.255.255.255, or a directed broadcast of a subnet the
// player is on) and multicast (224.0.0.0/4, ff00::/8) endpoints are
// refused with an error wrapping [ErrNotUnicast], so an invite cannot aim
// players' datagrams at a whole network.
//
// # Keys
//
// A host given [HostConfig.Dir] (normally [DefaultDir],
// os.UserConfigDir()/netpak) keeps its private key there in host.key and
// the session id and join secret in host.invite, both mode 0600 and
// written atomically, so invites survive a restart and a rotated secret
// stays rotated. A damaged file is an error wrapping [ErrBadKeyFile],
// never silently replaced.
package vpn
