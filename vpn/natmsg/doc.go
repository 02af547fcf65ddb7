// Package natmsg owns the wire formats of netpak's NAT traversal: the
// six-byte header every netpak control message starts with, the
// rendezvous, relay and punching messages, the keys derived to seal them,
// and the subset of STUN (RFC 5389) netpak speaks. Both sides use it: the
// host and player in package vpn, and the server in package rendezvous.
//
// It is pure codec: no sockets, goroutines, clocks or logging, and no
// decision about what to do with a message. It imports neither vpn nor
// rendezvous, nor WireGuard or gVisor, so the server stays free of them.
// Parsers check every length before reading, never panic on input, and
// wrap [ErrMalformed] (or [ErrNotSTUN]).
//
// # Header
//
// All integers are big-endian. Every control message starts with the same
// six bytes and has a fixed size:
//
//	magic    [4]  FE 4E 50 4B ("\xFENPK": 0xFE starts neither WireGuard nor STUN)
//	version  [1]  1
//	type     [1]  see [Type]; 1..3 are vpn's join handshake
//
// # NAT traversal messages
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
// Refusals and challenges carry no MAC; every answer a server sends is no
// larger than the request it answers, so messages that ask for an answer
// are padded to the answer's size. [AppendSTUNRequest] pads netpak's STUN
// binding request (a SOFTWARE attribute) to 48 bytes for the same reason.
package natmsg
