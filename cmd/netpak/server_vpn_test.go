package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/lobby/lobbyclient"
	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// TestServerRoomsThroughVPN runs `netpak server --vpn` and, for an RMG
// player who cannot reach its ports, `netpak join INVITE` as real
// processes. Three rooms play at once: two whose players reach the
// server's lobby directly, and one whose players use the local lobby of
// their netpak join, so their lobby and their cores' games (TCP and UDP)
// go through the real WireGuard tunnel. Every room's cores consume the
// same inputs.
func TestServerRoomsThroughVPN(t *testing.T) {
	bin := buildNetpak(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	vpnPort := pc.LocalAddr().(*net.UDPAddr).Port // free a moment ago
	pc.Close()
	file := filepath.Join(t.TempDir(), "server.toml")
	op := fmt.Sprintf(`lobby = "127.0.0.1:0"
game_ports = "0"
discovery = false
lag = 2
vpn = true
vpn_port = %d
vpn_endpoint = "127.0.0.1"
port_mapping = false
`, vpnPort)
	if err := os.WriteFile(file, []byte(op), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startConsole(t, bin, "server", "server", "-c", file)
	lobbyPort := srv.out.wait(t, `lobby on port (\d+) \(TCP\), games on a free port per room`)[1]
	invite := srv.out.wait(t, `^  netpak join (netpak1\S+)$`)[1]

	player := startConsole(t, bin, "player", "join", invite, "--local-lobby", "0")
	player.out.wait(t, `^joined the netpak server through the built-in VPN \(direct`)
	localPort := player.out.wait(t, `^Its lobby is on this machine now, at ws://127\.0\.0\.1:(\d+):$`)[1]
	player.out.wait(t, `^  RMG and Mupen-MPN, Settings > Interface > Netplay > Server list URL:  http://127\.0\.0\.1:`+localPort+`/servers\.json$`)

	lobbies := []string{"127.0.0.1:" + lobbyPort, "127.0.0.1:" + lobbyPort, "127.0.0.1:" + localPort}
	var wg sync.WaitGroup
	for i, addr := range lobbies {
		wg.Go(func() {
			if err := playLobbyRoom(t, addr, i); err != nil {
				t.Errorf("room %d (lobby %s): %v", i, addr, err)
			}
		})
	}
	wg.Wait()
	// The server saw the third room's players at their tunnel addresses.
	srv.err.wait(t, `room "Room 2" \(port \d+\) created by rosa2 from 10\.64\.0\.\d+`)
	srv.err.wait(t, `room "Room 0" \(port \d+\) created by rosa0 from 127\.0\.0\.1`)
}

// playLobbyRoom has two RMG players meet in a new room of the lobby at
// addr, begin, and play 300 polls with fake cores on the room's port at
// the lobby's address, as RMG connects its core.
func playLobbyRoom(t *testing.T, addr string, i int) error {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cfg := lobbyclient.Config{Emulator: "RMG", ClientSHA: "RMG test 1.0"}
	creator, err := lobbyclient.Dial(ctx, addr, cfg)
	if err != nil {
		return err
	}
	defer creator.Close()
	joiner, err := lobbyclient.Dial(ctx, addr, cfg)
	if err != nil {
		return err
	}
	defer joiner.Close()
	const md5 = "0123456789ABCDEF0123456789ABCDEF"
	name := "Room " + strconv.Itoa(i)
	room, err := creator.Create(ctx, "rosa"+strconv.Itoa(i), lobbymsg.Room{RoomName: name, Password: "pw", MD5: md5, GameName: "Test Game"})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	rooms, err := joiner.Rooms(ctx)
	if err != nil {
		return err
	}
	found, err := lobbyclient.FindRoom(rooms, name)
	if err != nil || found.Port != room.Port {
		return fmt.Errorf("the joiner lists %+v (%v), want %q on port %d", rooms, err, name, room.Port)
	}
	if _, err := joiner.Join(ctx, "otto"+strconv.Itoa(i), room.Port, "pw", md5); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if err := creator.Begin(ctx); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	ap := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(room.Port))
	keys := func(p, n int) uint32 { return uint32(i+1)<<28 | uint32(p+1)<<24 | uint32(n*7+p)&0xffff }
	hist, err := hosttest.PlayCores(ctx, ap, []uint8{0, 1}, 300, keys)
	if err != nil {
		return err
	}
	for n := range hist[0] {
		if hist[0][n] != hist[1][n] {
			return fmt.Errorf("poll %d: player 1's core consumed %+v, player 2's %+v", n, hist[0][n], hist[1][n])
		}
	}
	if last := hist[0][len(hist[0])-1]; last.Keys[0]>>24 != uint32(i+1)<<4|1 || last.Keys[1]>>24 != uint32(i+1)<<4|2 {
		return fmt.Errorf("the last poll holds %x, not this room's players' keys", last.Keys)
	}
	return nil
}
