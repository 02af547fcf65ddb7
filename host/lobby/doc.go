// Package lobby owns netpak's server for the mupen64plus frontends: the
// WebSocket lobby (netplay API version 17) that RMG, simple64, Mupen-MPN
// (as "MPNServer-1") and gopher64 up to v1.1.22 use to list, create and
// join rooms, and the
// rooms themselves, each a full netpak session ([host.Host]) serving the
// players' mupen64plus cores on its own game port.
//
// The codec is package [github.com/netpak/netpak/host/lobby/lobbymsg]:
// pure JSON message types for every request and reply, accept codes, and
// bounded validation. The [Server] is the shell: sockets, rooms, limits
// and timers; the [Client] is what a netpak console uses to list and join
// rooms.
// The package must not speak the cores' protocol itself (package host
// does) nor import vpn or commands.
//
// # The protocol
//
// Every WebSocket message is one JSON object with a "type". A client sends
// request_X and the server answers reply_X with an "accept" code (0 means
// accepted; see [Accept]) and, when refused, a "message" a player can read.
// The facts come from research/m64p-netplay.md §2.4 and §3.4 and from
// reading RMG's netplay dialogs; this is our own implementation.
//
//	request_create_room  player_name, room{room_name, password, MD5, game_name, features}
//	request_get_rooms    (common fields only): rooms not yet playing, of the same emulator
//	request_join_room    player_name, room{port, password, MD5}
//	request_players      room{port}: player_names, indexed by controller port, to the room
//	request_chat_message message, room{port}: "name: message" to the room
//	request_edit_room    room{room_name, MD5, game_name, features}: creator only
//	request_begin_game   room{port}: creator only; every client then starts its core
//	request_motd, request_version, request_ping
//	update_buffer_size   buffer_size (Mupen-MPN's room creator): the room's lag; no reply,
//	                     but a chat line to everyone, or to the sender why not
//
// The common fields every request of RMG carries are client_sha (the
// frontend's version), emulator, authTime, auth and netplay_version (17;
// Mupen-MPN, which calls itself RMG, sends "MPNServer-1"). A room is
// listed to, and joined by, clients of its creator's emulator and
// netplay_version only, as on their own servers.
// A socket must create a room or list the rooms before anything but
// request_version, request_motd and request_ping is answered.
//
// After reply_begin_game each client connects its core to the lobby's IP
// address at the room's port and plays as player index+1. The room's host
// starts the game when every lobby player's core holds its controller
// port, or, after [Config.BeginTimeout], with those that came.
//
// # netpak consoles
//
// [Client] is the lobby's client side, for netpak's console (/rooms,
// /connect HOST room NAME). It names the emulator [EmulatorNetpak]: a
// netpak console lists the rooms of every emulator, running ones marked
// as such, and joins the waiting ones without the client_sha check (the
// session's start check compares ROMs) and, without a ROM, without an
// MD5. It holds its lobby connection while
// it plays in the room's session, where it holds its seat's controller
// port from its join on; so a seat whose port a session member holds is
// never given to a joiner, and a netpak console's seat does not move to
// seat 0 when the creator leaves. With [Config.AuthSecrets] netpak proves
// [NetpakSecret] unless the map names a secret of its own.
//
// # Around the protocol
//
// The lobby port also answers plain HTTP at [ServerListPath] with the
// server list RMG reads, and at [StatusPath] and [StatusJSONPath] with the
// status page (unless [Config.NoStatusPage]): every room, and in a running
// game its players' /lagstat, for players whose frontend has no console
// and for the operator; [Server.ServeDiscovery] answers RMG's LAN
// search on UDP port [DiscoveryPort]. An operator lists rooms, kicks and
// bans through [Server.Rooms], [Server.Kick] and [Server.Ban].
package lobby
