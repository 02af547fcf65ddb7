// Package wire owns the encoding of netpak's own protocol between a host
// and its clients: every TCP frame and datagram, and the chunked transfers
// of player 1's emulator data and of /sync. It does no I/O beyond reading
// one frame from an io.Reader, holds no state, and never panics on input:
// every decoder is length-bounded and fuzzed.
//
// # Wire protocol, version 3
//
// TCP carries control and, when UDP does not get through, inputs. UDP
// carries inputs. Both use the session port. All integers are big-endian.
// The first byte of every netpak TCP stream and datagram is 0xE4, which the
// mupen64plus-core netplay protocol never sends first (its TCP opcodes are
// 1-8 and 64-191, its datagram kinds 0-4), so one port serves both.
//
// A TCP stream starts with the client's magic, then frames both ways:
//
//	magic:  E4 'N' 'P' 'K'
//	frame:  type u8 | length u16 | payload (length <= 16384)
//
// Frames (C = client, H = host; str = u16 length + UTF-8 bytes):
//
//	 1 hello     C→H  version u8 | flags u8 (1=spectator, 2=an emulator plays: a spectator joining a running game replays it from poll 0) | ports u8 | nports u8 | owner key [16] | player key [16] (random, kept by the player's netpak: a rejoin must bring it again; zero: none) | name str (<=24) | manifest str (saves.Manifest, <=512; empty: not announced)
//	 2 welcome   H→C  id u16 | token u64 | ports u8 | playing u8 | golf mask u32 | drop timeout ms u32
//	 3 reject    H→C  0 u16 | reason str
//	 4 roster    H→C  n u8 | n × member
//	 5 chat      C→H  0 u16 | text str (<=400);  H→C  sender id u16 | text str
//	 6 set-lag   C→H  lag u8
//	 7 golf      C→H  (empty) toggles golf mode
//	 8 start     C→H  (empty) the host's own player only
//	 9 started   H→C  first poll u32 | grant u32 | active ports u8 | catch-up u8 (1: a rejoin, replaying) | 4 × (regid u32 | plugin u8 | raw u8)
//	10 sched     H→C  epoch u16 | from poll u32 | lag u8 | golf u8 | seat id u16 | cause u8 | actor id u16
//	12 golf-press C→H poll u32
//	13 inputs    both batch (below)
//	14 ping      C→H  client clock ns u64 | last rtt µs u32
//	15 pong      H→C  client clock ns u64
//	16 left      H→C  id u16 | reason u8 | ports u8 | empty from poll u32
//	17 checksum  C→H  from poll u32 | count u32 | hash u64 | 0 u16
//	18 desync    H→C  from poll u32 | count u32 | hash u64 | differing id u16 (count 0: CP0 at VI "from")
//	19 bye       C→H  (empty): I quit; or why u8 (7 = to watch as a spectator, joining again as one)
//	20 notice    H→C  0 u16 | text str
//	21 joined    H→C  member
//	22 core-want C→H  kind u8 (0 = settings, 1-4 = save mpk, eep, fla, sra)
//	23 core-data both kind u8 | offset u32 | total u32 | bytes (player 1's data, in chunks)
//	24 core-sync C→H  a bridged core's SYNC_DATA datagram, verbatim (133 bytes)
//	25 manifest  C→H  saves.Manifest binary (<=512 bytes): ROM, save and cheat hashes, family
//	26 member-manifest H→C member id u16 | saves-only u8 | saves.Manifest binary
//	27 sync-data both peer id u16 | kind u8 (0-6 save component, 7 cheats) | offset u32 | total u32 | bytes (<=8192)
//	28 release   C→H  ports u8: my emulator stopped; they read empty from now on
//	29 stop      C→H  (empty) end the game for everyone; the host's own player only
//	30 game-over H→C  why u8 (0 = every player left, 1 = stopped) | actor id u16: back to the lobby
//	31 autolag   C→H  on u8: the host follows the network's delay with the lag (1) or not (0)
//	32 catch-up  C→H  poll u32 | done u8: a rejoined player's replay consumed the polls below poll; done: near the live game
//	33 handover  H→C  ports u8 | from poll u32: author these ports again from this poll; the host authored those below
//	34 revive    H→C  ports u8 | from poll u32 | epoch u16: these ports, empty since their player left, hold input again (zero below from); grants of this epoch need it
//	35 emulator  C→H  0 u16 | ok u8 | text str (<=200): whether my emulator can start the game (it tried, at /check), and why not
//	36 member-emulator H→C member id u16 | ok u8 | text str: a member's emulator status, as it said
//	37 cheats    C→H  0 u16 | n u8 (<=32) | n × name str (<=64): my enabled cheats' names, for /check
//	38 member-cheats H→C member id u16 | n u8 | n × name str: a member's cheat names
//	39 autolag-on H→C on u8: the host follows the network with the lag (1) or not (0); after the welcome and at every change
//	40 rename    C→H  0 u16 | name str (<=24): call me this from now on
//	41 renamed   H→C  member, with its new name: to every member, the renamed one too
//
//	member: id u16 | ports u8 | flags u8 (1=spectator, 2=host's player, 4=direct core) | rtt ms u16 | jitter ms u16 | others waited on it ms u32 | name str
//
// A datagram (at most 1200 bytes) is:
//
//	E4 | version u8 (1) | kind u8 | 0 u8 | token u64 | body
//
// Kind 1 (hello, C→H, no body) registers the sender's address for the
// member holding the token; kind 2 (hello-ack, H→C) answers it; kind 3
// (inputs) carries a batch. Datagrams whose token and address do not match
// a member are dropped and counted.
//
// A batch (inputs datagram body and inputs frame payload) is:
//
//	grant u32 | epoch u16 | ack mask u8 | one ack u32 per port in the mask |
//	run count u8 (<=4) | runs
//	run: port u8 | first poll u32 | n u8 (1-64) | n × (keys u32 | pak u8)
//
// An ack says "I hold every input of this port below this poll"; the other
// side resends from there, so every datagram repeats what the receiver has
// not acknowledged and a lost datagram costs nothing. A client accepts a
// batch's grant only once it has received the schedule change with that
// epoch (over TCP, in order).
package wire
