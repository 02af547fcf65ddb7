// Package m64p owns the wire codec of mupen64plus-core's built-in netplay
// protocol: the seven TCP messages and five UDP packets that unmodified
// emulator cores (mupen64plus, RMG, simple64, Debian's libmupen64plus2)
// exchange with a netplay server, and the three TCP requests gopher64 (up
// to 1.1.22) adds. It only encodes and decodes; it opens no
// sockets, keeps no session state and must not import the rest of host.
// [ReadTCPMessage] is the one function that reads, from a caller's
// bufio.Reader, so that a stream is never trusted for a length.
//
// The facts come from research/m64p-netplay.md §1; this is our own
// implementation of that description.
//
// # Conventions
//
// Every multi-byte integer on the wire is a big-endian uint32. Player
// numbers are 0-based and must be below 4; every decoder rejects 4 and
// above. One TCP connection and one UDP "channel" go to the same
// host:port. Nothing is versioned: the first byte of every TCP message and
// datagram is its type, which is how [IsM64PTCP] and [IsM64PDatagram] tell
// this protocol from netpak's own (whose streams and datagrams begin with
// 0xE4).
//
// # TCP, client to server
//
// Only the client speaks first; the server's replies carry no opcode, so a
// client knows what it waits for.
//
//	1 SEND_SAVE (player 1 only; no reply)
//	+----+-----------------+----+-----------+----------------+
//	| 01 | ext "mpk" ASCII | 00 | u32 size  | size bytes     |
//	+----+-----------------+----+-----------+----------------+
//	mupen64plus-core sends fixed pairs: mpk 131072, eep 2048, fla 131072,
//	sra 32768. gopher64 sends each file's real size (0: no file), and
//	also img and rom (zip archives). Sizes are bounded: at most 128 KiB
//	for mpk, eep, fla, sra, 16 MiB for img and rom.
//
//	2 RECEIVE_SAVE (players 2-4)         reply: exactly size raw bytes
//	+----+-----------------+----+
//	| 02 | ext ASCII       | 00 |
//	+----+-----------------+----+
//
//	3 SEND_SETTINGS (player 1 only; no reply), 25 bytes
//	+----+-------------------------------+
//	| 03 | 24 settings bytes (Settings)  |
//	+----+-------------------------------+
//
//	4 RECEIVE_SETTINGS (players 2-4)     reply: 24 settings bytes
//	+----+
//	| 04 |
//	+----+
//
//	5 REGISTER_PLAYER, 8 bytes           reply: 2 bytes, see below
//	+----+--------+--------+---------+-----------+
//	| 05 | player | plugin | rawdata | u32 regid |
//	+----+--------+--------+---------+-----------+
//
//	6 GET_REGISTRATION, 1 byte           reply: 24 bytes, see below
//	+----+
//	| 06 |
//	+----+
//
//	7 DISCONNECT_NOTICE, 5 bytes (no reply)
//	+----+-----------+
//	| 07 | u32 regid |
//	+----+-----------+
//
//	8 RECEIVE_SAVE_WITH_SIZE (gopher64's players 2-4)
//	+----+-----------------+----+        reply: [u32 size][size bytes]
//	| 08 | ext ASCII       | 00 |        (any of the six extensions)
//	+----+-----------------+----+
//
//	64+k SEND_CUSTOM, k = 0..63 (player 1; no reply)
//	+------+-----------+------------+
//	| 40+k | u32 size  | size bytes |   size at most 64 KiB; gopher64's
//	+------+-----------+------------+   RTC (k=0, i64 unix seconds) and
//	                                    RNG (k=1, u64 seed) are exactly 8
//
//	128+k RECEIVE_CUSTOM, k = 0..63 (players 2-4)
//	+------+                            reply: slot k's bytes, raw
//	| 80+k |
//	+------+
//
// # TCP, server to client (replies)
//
//	settings (reply to 4, body of 3), 24 bytes = 6 x u32
//	+-------------+------------------+-----------------+
//	| count_per_op| count_per_op_    | disable_extra_  |
//	|             | denom_pot        | mem             |
//	+-------------+------------------+-----------------+
//	| si_dma_     | emumode          | no_compiled_    |
//	| duration    |                  | jump            |
//	+-------------+------------------+-----------------+
//
//	register reply (to 5), 2 bytes
//	+-----------------------------+---------------+
//	| 01 accepted / 00 rejected   | buffer_target |
//	+-----------------------------+---------------+
//
//	registration (reply to 6), 24 bytes = 4 slots of 6 bytes
//	+-----------+--------+---------+  x4, player 0..3
//	| u32 regid | plugin | rawdata |  regid 0 = nobody
//	+-----------+--------+---------+
//
// # UDP
//
//	0 KEY_INFO_CLIENT, client to server, 11 bytes
//	+----+--------+-----------+----------+--------+
//	| 00 | player | u32 count | u32 keys | plugin |
//	+----+--------+-----------+----------+--------+
//
//	2 PLAYER_INPUT_REQUEST, client to server, 12 bytes
//	+----+--------+-----------+-----------+-----------+-------------+
//	| 02 | player | u32 regid | u32 count | spectator | buffer size |
//	+----+--------+-----------+-----------+-----------+-------------+
//	player is the one whose input is wanted; spectator is 0 or 1;
//	buffer size is how many future events the client holds for player.
//
//	1 KEY_INFO_SERVER, server to client, 5+9n bytes, at most 512
//	3 KEY_INFO_SERVER_GRATUITOUS, same layout (byte 3 ignored by clients;
//	  Debian's 2.5.9 core does not understand type 3 at all)
//	+-------+--------+--------+-----+---+
//	| 01/03 | player | status | lag | n |
//	+-------+--------+--------+-----+---+
//	then n events (n <= 56):
//	+-----------+----------+--------+
//	| u32 count | u32 keys | plugin |
//	+-----------+----------+--------+
//	status: bit 0 desync, bit i+1 player i disconnected, bits 5-7 unused.
//	lag: how far the requester is behind the lead, in polls.
//
//	4 SYNC_DATA, client to server, 133 bytes
//	+----+--------+------------------------------+
//	| 04 | u32 VI | 32 x u32 CP0 registers       |
//	+----+--------+------------------------------+
//
// Keys are opaque: for a normal input plugin they are BUTTONS.Value, for a
// raw-data plugin the raw joybus reply. This package never interprets them.
package m64p
