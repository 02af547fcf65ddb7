package host_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// The leave tests run a player or the host in a child process (this test
// binary, re-executed) so that they can kill it for real.
func TestMain(m *testing.M) {
	switch os.Getenv("NETPAK_TEST_ROLE") {
	case "player":
		os.Exit(childPlayer(os.Getenv("NETPAK_TEST_ADDR")))
	case "host":
		os.Exit(childHost())
	}
	os.Exit(m.Run())
}

func childPlayer(addr string) int {
	c, err := client.Dial(context.Background(), addr, client.Config{Name: "child"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("JOINED")
	_, err = sim.Run(context.Background(), c, sim.Config{Polls: 1 << 30, Script: sim.Script{Seed: 1}})
	fmt.Fprintln(os.Stderr, err)
	return 1
}

func childHost() int {
	ln, pc, addr := listenPair(&testing.T{})
	h := host.New(host.Config{Lag: 3})
	key := h.OwnerKey()
	fmt.Printf("HOST %s %s\n", addr, hex.EncodeToString(key[:]))
	h.Serve(ln, pc)
	return 0
}

// child starts this test binary in a role and returns it with the first
// line it printed.
func child(t *testing.T, role, addr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETPAK_TEST_ROLE="+role, "NETPAK_TEST_ADDR="+addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case l := <-line:
		if l == "" {
			t.Fatalf("%s child printed nothing", role)
		}
		return cmd, l
	case <-time.After(10 * time.Second):
		t.Fatalf("%s child did not start", role)
	}
	return nil, ""
}

func TestKilledPlayerOthersContinue(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(3, 0)
	proc, _ := child(t, "player", ts.addr)
	ts.waitMembers(4)
	cs[0].Start()

	var killedAt time.Time
	var once sync.Once
	polledAt := make([]time.Time, 6000)
	res, _ := playRecorded(t, cs, sim.Config{Polls: 6000, Script: sim.Script{Seed: 1}}, func(p uint32) {
		polledAt[p] = time.Now()
		if p == 2000 {
			once.Do(func() {
				killedAt = time.Now()
				proc.Process.Signal(syscall.SIGKILL)
			})
		}
	})
	requireSameState(t, res, 6000)
	names := []string{"p1", "p2", "p3"}
	waitEvents(t, ts, names, session.EventLeft, 1)
	left := requireSameEvents(t, ts, names, session.EventLeft)
	if left[0].Who != "child" || left[0].Ports != 1<<3 {
		t.Fatalf("left event %v, want child on port 4", left[0])
	}
	resumed := polledAt[left[0].Poll]
	t.Logf("%v; p2 played that poll %v after the kill", left[0], resumed.Sub(killedAt))
	if d := resumed.Sub(killedAt); d > 3*time.Second {
		t.Errorf("the others needed %v after the kill to go on; want under 3s", d)
	}
}

func TestKilledHostReported(t *testing.T) {
	proc, line := child(t, "host", "")
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "HOST" {
		t.Fatalf("host child printed %q", line)
	}
	var key [16]byte
	hex.Decode(key[:], []byte(f[2]))
	ts := &testSession{t: t, addr: f[1], events: map[string][]session.Event{}}
	cs := []*client.Client{ts.join("p1", client.Config{OwnerKey: key}), ts.join("p2", client.Config{})}
	time.Sleep(50 * time.Millisecond) // both joined before start; start is refused otherwise
	cs[0].Start()

	errs := make(chan error, len(cs))
	var killedAt time.Time
	var once sync.Once
	for i, c := range cs {
		go func() {
			cfg := sim.Config{Polls: 1 << 30, Script: sim.Script{Seed: 2}}
			if i == 0 {
				cfg.OnPoll = func(p uint32, _ [session.NumPorts]session.Input) {
					if p == 1000 {
						once.Do(func() { killedAt = time.Now(); proc.Process.Signal(syscall.SIGKILL) })
					}
				}
			}
			_, err := sim.Run(context.Background(), c, cfg)
			errs <- err
		}()
	}
	for range cs {
		select {
		case err := <-errs:
			if !errors.Is(err, session.ErrHostGone) {
				t.Errorf("game ended with %v, want ErrHostGone", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a client did not notice the host died")
		}
	}
	if d := time.Since(killedAt); d > 5*time.Second {
		t.Errorf("clients needed %v to report the host gone; want under 5s", d)
	}
	waitEvents(t, ts, []string{"p1", "p2"}, session.EventHostGone, 1)
}

// A spectator who joins a running game watches from where the game is,
// also after a player left it: the departed player's port reads empty, and
// its stream, which stopped where the player left, holds nobody back (the
// spectator used to start there, and was fed the whole game, or dropped at
// once as behind when the game had gone on for longer than the host
// keeps).
func TestLateSpectatorAfterALeaveWatchesTheLiveGame(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(3, 0)
	if err := cs[0].Start(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p3"}, session.EventStarted, 1)
	cs[2].Close() // p3 leaves at once: its port reads empty from about poll 0
	waitEvents(t, ts, []string{"p1"}, session.EventLeft, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 2)
	for _, c := range cs[:2] {
		go func() {
			_, err := sim.Run(ctx, c, sim.Config{Polls: 3000, Rate: 1000})
			done <- err
		}()
	}
	hosttest.WaitFor(t, "poll 1000", func() bool { return ts.h.Stats().Poll >= 1000 })
	spec := ts.join("watcher", client.Config{Spectator: true})
	res, err := sim.Run(ctx, spec, sim.Config{Polls: 3000})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if res.First < 1000 {
		t.Errorf("the spectator who joined after poll 1000 watched from poll %d", res.First)
	}
}

// A spectator whose emulator starts at power-on (Replay) cannot watch from
// the live poll: it replays the game from poll 0, is told so, and ends in
// the players' state.
func TestLateEmulatorSpectatorReplaysTheGame(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(2, 0)
	if err := cs[0].Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type played struct {
		res sim.Result
		err error
	}
	done := make(chan played, 2)
	for _, c := range cs {
		go func() {
			res, err := sim.Run(ctx, c, sim.Config{Polls: 3000, Rate: 1000, Script: sim.Script{Seed: 9}})
			done <- played{res, err}
		}()
	}
	hosttest.WaitFor(t, "poll 1000", func() bool { return ts.h.Stats().Poll >= 1000 })
	spec := ts.join("emulator", client.Config{Spectator: true, Replay: true})
	watched, err := sim.Run(ctx, spec, sim.Config{Polls: 3000})
	if err != nil {
		t.Fatal(err)
	}
	res := []sim.Result{watched}
	for range 2 {
		p := <-done
		if p.err != nil {
			t.Fatal(p.err)
		}
		res = append(res, p.res)
	}
	if watched.First != 0 {
		t.Errorf("the emulator's spectator joined after poll 1000 and watched from poll %d, want 0", watched.First)
	}
	requireSameState(t, res, 3000)
	if evs := ts.eventsOf("emulator", session.EventStarted); len(evs) != 1 || evs[0].Text != session.ReplayText {
		t.Errorf("the spectator was told %v, want that it replays the game", evs)
	}
}
