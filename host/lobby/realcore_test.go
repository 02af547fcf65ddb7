package lobby_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/internal/testhook"
	"github.com/netpak/netpak/host/launcher"
	"github.com/netpak/netpak/host/launcher/corechild"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/lobby"
)

// TestMain turns the test binary into an emulator child when the launcher
// starts it, so every real core runs in its own process.
func TestMain(m *testing.M) {
	if os.Getenv(launcher.ChildEnv) == "1" {
		os.Exit(corechild.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// realKeys are the keys a headless core "presses": it has no pad.
func realKeys(port int, count uint32) uint32 {
	return uint32(port+1)<<28 | (count*2654435761)>>8&0x0fffffff
}

// Real mupen64plus cores (Debian's libmupen64plus2) meet through the
// lobby as RMG's players do and play netpak's test ROM in the room; all
// fold the same inputs into the same hash. It skips without the core.
func TestRealCoresThroughLobby(t *testing.T) {
	for _, players := range []int{2, 4} {
		t.Run(fmt.Sprintf("players=%d", players), func(t *testing.T) {
			t.Parallel()
			playRealCores(t, players, false)
		})
	}
	// The RMG players of a server they reach through the VPN: their lobby
	// and their cores' TCP and UDP go through a local lobby proxy (a plain
	// dialer stands in for the tunnel; cmd/netpak's tests use the real one).
	t.Run("players=2/proxy", func(t *testing.T) {
		t.Parallel()
		playRealCores(t, 2, true)
	})
}

func playRealCores(t *testing.T, players int, viaProxy bool) {
	const polls, lag = 300, 2
	cfg := lobby.Config{Lag: lag}
	lobby.SetRoomConfig(&cfg, func(c *host.Config) {
		*c = host.WithTestHooks(*c, testhook.Hooks{Turbo: true, ScriptKeys: realKeys})
	})
	srv, url := startServer(t, cfg)
	if viaProxy {
		_, url = startProxy(t, url, (&net.Dialer{}).DialContext)
	}
	cls := make([]*client, players)
	for p := range cls {
		cls[p] = dial(t, url, fmt.Sprintf("p%d", p+1))
	}
	port := createRoom(t, cls[0], "Real", "")
	for _, c := range cls[1:] {
		mustAccept(t, c.do(lobbymsg.Request{Type: lobbymsg.TypeGetRooms}))
		mustAccept(t, join(c, port, ""))
	}
	mustAccept(t, cls[0].do(lobbymsg.Request{Type: lobbymsg.TypeBeginGame}))

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rom, err := testrom.WriteFile(t.TempDir(), testrom.Options{Polls: polls})
	if err != nil {
		t.Fatal(err)
	}
	addrs := []uint32{testrom.AddrDone, testrom.AddrCounter, testrom.AddrHash, testrom.AddrMagic}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var procs []*launcher.Process
	t.Cleanup(func() { // at once: each takes a moment to shut down
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Go(func() { p.Stop() })
		}
		wg.Wait()
	})
	for p := 1; p <= players; p++ { // player index+1, as RMG passes it
		logPath := filepath.Join(t.TempDir(), fmt.Sprintf("core%d.log", p))
		proc, err := launcher.Start(context.Background(), exe, emucfg.Config{
			ROM: rom, Headless: true, LogPath: logPath, Logf: t.Logf,
			NetplayHost: "127.0.0.1", NetplayPort: port, Ports: []int{p},
			DoneAddr: testrom.AddrDone, ReportAddrs: addrs,
		})
		if err != nil {
			t.Fatalf("start core %d: %v", p, err)
		}
		procs = append(procs, proc)
	}
	var words [][]uint32
	for i, p := range procs {
		select {
		case <-p.Done():
			words = append(words, p.DoneWords())
		case <-p.Exited():
			err := p.Wait()
			if errors.Is(err, launcher.ErrMissing) || errors.Is(err, launcher.ErrUnsupported) {
				t.Skipf("real mupen64plus core not usable here: %v", err)
			}
			t.Fatalf("core %d ended before its ROM was done: %v", i+1, err)
		case <-ctx.Done():
			t.Fatalf("core %d not done in time", i+1)
		}
	}
	// Every core must fold the same inputs. They are the scripted keys
	// unless a core's keys were lost (a datagram the host's socket dropped
	// while the machine was busy) and the host made up repeats for them,
	// as it must: then the hash is another, the same for all.
	want := []uint32{1, polls, romHash(polls, lag, players), testrom.Magic}
	rooms := srv.Rooms()
	if len(rooms) != 1 {
		t.Fatalf("%d rooms while the cores are connected, want 1", len(rooms))
	}
	if st := rooms[0].Stats; st.RepeatedInputs > 0 {
		t.Logf("the host repeated %d lost inputs: the cores must agree, on another hash", st.RepeatedInputs)
		want[2] = words[0][2]
	}
	for i, w := range words {
		if fmt.Sprint(w) != fmt.Sprint(want) {
			t.Errorf("core %d reported done, counter, hash, magic = %x, want %x (host: %+v)", i+1, w, want, rooms[0].Stats)
		}
	}
}

// romHash is the hash the test ROM folds from the inputs of the players
// whose keys for poll c arrive lag polls later.
func romHash(polls, lag, players int) uint32 {
	in := make([]testrom.Poll, polls)
	for n := range in {
		for k := range players {
			in[n][k].Present = true
			if n >= lag {
				in[n][k].Keys = realKeys(k, uint32(n-lag))
			}
		}
	}
	return testrom.Hash(in)
}
