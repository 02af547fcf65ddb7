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
// All integers are big-endian. Every control message starts with the same
// six bytes and has a fixed size:
//
//	magic    [4]  FE 4E 50 4B ("\xFENPK": 0xFE starts neither WireGuard nor STUN)
//	version  [1]  1
//	type     [1]  1 join, 2 accept, 3 reject
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
// (2) simultaneous punching: a [Rendezvous] server pairs host and player,
// both ping the other's candidates every 50 ms, and the first answered
// ping wins; (3) after 1.5 s without an answer, a relay port on the
// rendezvous server that forwards the WireGuard datagrams unchanged; a
// relayed [Tunnel] retries direct every 30 s and moves when it can.
// [Tunnel.Path] and [Peer].Path say which ("direct", "direct via UPnP",
// "relayed via ADDR") with the round trip. Without a rendezvous server the
// player's [JoinConfig].Answer gets an answer code to send back by hand;
// [Host.AcceptAnswer] makes the host punch toward it.
//
// Keys derived from the join secret: rendezvous key =
// HMAC-SHA256(secret, "netpak rendezvous v1"), room = SHA256("netpak room
// v2" || host public key || rendezvous key)[:16], punch key =
// HMAC-SHA256(secret, "netpak punch v1"). The host gives the rendezvous
// key to its servers, which authenticate the room's players with it; it
// yields neither the secret nor the WireGuard keys. Each server has an
// X25519 key pair; the register key = HMAC-SHA256(X25519(host private
// key, server public key), "netpak register v1"), which the server
// computes from its private key and the host's public key, so only the
// host can make it, not an invite holder.
// Candidates are kind [1] (see [CandidateKind]), address [16]
// (IPv4-mapped), port [2]; a list is count [1] then up to 8. "mac16" is
// HMAC-SHA256 with the named key over everything before it, cut to 16.
//
//	4 register    host->server  room [16] rendezvous key [32] host public key [32]
//	                            cookie [16] seq [8] padded candidates mac16(register)
//	5 registered  server->host  seq [8] public address [18] mac16(rdv)
//	16 challenge  server->host  room [16] cookie [16] server public key [32]
//	6 connect     player->server room [16] nonce [16] padded candidates mac16(rdv)
//	7 peer        server->both  room [16] nonce [16] the other's padded candidates mac16(rdv)
//	9 ping        peer<->peer   tx [12] kind [1] role [1] zero [16] mac16(punch)
//	10 pong       peer<->peer   tx [12] seen address [18] mac16(punch)
//	11 allocate   player->server room [16] nonce [16] zero [18] mac16(rdv)
//	12 allocated  server->both  room [16] nonce [16] relay address [18] mac16(rdv)
//	13 relay bind side->relay   room [16] nonce [16] role [1] mac16(rdv)
//	14 relay bound relay->side  room [16] nonce [16] role [1] mac16(rdv)
//	15 refused    server->sender room [16] nonce [16] reason [1]
//
// A padded candidate list always has 8 entries, the unused ones zero.
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
