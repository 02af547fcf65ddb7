package host_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
)

// rawCore is a mupen64plus core's TCP connection to the host, spoken byte
// by byte.
type rawCore struct {
	t *testing.T
	net.Conn
}

func dialRawCore(t *testing.T, addr string) *rawCore {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawCore{t, c}
}

// ask sends b and reads an n-byte reply.
func (c *rawCore) ask(b []byte, n int) ([]byte, error) {
	c.t.Helper()
	if _, err := c.Write(b); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply := make([]byte, n)
	_, err := io.ReadFull(c, reply)
	return reply, err
}

// register registers player k with regid 0x11223344+k and reads the
// host's answer.
func (c *rawCore) register(k byte) {
	c.t.Helper()
	if rep, err := c.ask([]byte{5, k, 1, 0, 0x11, 0x22, 0x33, 0x44 + k}, 2); err != nil || rep[0] != 1 {
		c.t.Fatalf("register player %d: %v %v", k+1, rep, err)
	}
}

// closed reports whether the host hung up on c.
func (c *rawCore) closed() bool {
	_, err := readUntilHangUp(c, 2*time.Second)
	return err == nil
}

// readUntilHangUp reads and discards what the host sends on c until the
// host hangs up, and reports how many bytes that was. The host hangs up
// with a FIN, or with a reset when it closes with our bytes unread (as it
// does when refusing a connection at once); both mean closed. The error
// is non-nil only when c is still open after d.
func readUntilHangUp(c net.Conn, d time.Duration) (int64, error) {
	c.SetReadDeadline(time.Now().Add(d))
	n, err := io.Copy(io.Discard, c)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil // a reset: the host closed first
	}
	return n, err
}

// A core the host dropped has nothing more to say: the host hangs up on
// it. A core that registered player 1, released and went silent on UDP is
// dropped and the game ends; the host has hung up, so its connection
// cannot register again in the lobby that follows (where the host used to
// crash on the member it had forgotten), and a new core takes player 1.
func TestDroppedCoreIsHungUpOn(t *testing.T) {
	ts := startHost(t, host.Config{AutoStart: 1, DropTimeout: time.Second}, nil)
	c := dialRawCore(t, ts.addr)
	c.register(0)
	if _, err := c.ask([]byte{6}, 24); err != nil {
		t.Fatalf("registration: %v", err)
	}
	waitEvents(t, ts, []string{"host"}, session.EventEnded, 1)
	if !c.closed() {
		t.Fatal("the host still serves the connection of the core it dropped")
	}
	if rep, err := c.ask([]byte{5, 0, 1, 0, 0x11, 0x22, 0x33, 0x44}, 2); err == nil {
		t.Errorf("the dropped core's connection registered again: %v", rep)
	}
	dialRawCore(t, ts.addr).register(0)
}

// Spectator cores that join a running game one after another and go
// silent are dropped, and the host hangs up on each: nobody piles up
// connections, and what serves them, for good.
func TestDroppedCoresLeaveNoConnection(t *testing.T) {
	ts := startHost(t, host.Config{DropTimeout: time.Second}, nil)
	ts.join("p1", client.Config{OwnerKey: ts.h.OwnerKey()})
	ts.waitMembers(1)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var cores []*rawCore
	for range n {
		c := dialRawCore(t, ts.addr)
		if _, err := c.ask([]byte{6}, 24); err != nil { // a spectator's GET_REGISTRATION
			t.Fatal(err)
		}
		cores = append(cores, c)
	}
	ts.waitMembers(1) // every spectator dropped as silent
	for i, c := range cores {
		if !c.closed() {
			t.Errorf("spectator core %d was dropped, and its connection is still served", i+1)
		}
	}
}

// A core that registered a port in the lobby and left takes its
// registration with it: a netpak player who takes the port next is
// registered as a netpak player (no plugin), not as the departed core's
// raw-data pad with a mempak.
func TestDepartedCoreTakesItsSlot(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	gone := dialRawCore(t, ts.addr)
	if rep, err := gone.ask([]byte{5, 1, byte(m64p.PluginMempak), 1, 0xde, 0xad, 0xbe, 0xef}, 2); err != nil || rep[0] != 1 {
		t.Fatalf("register port 2: %v %v", rep, err)
	}
	gone.Write([]byte{7, 0xde, 0xad, 0xbe, 0xef}) // DISCONNECT_NOTICE
	ts.waitMembers(0)
	ts.join("carol", client.Config{Ports: 1 << 1})
	p1 := dialRawCore(t, ts.addr)
	p1.register(0)
	p1.Write([]byte{6})
	ts.waitMembers(2)
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 24)
	p1.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(p1, b); err != nil {
		t.Fatal(err)
	}
	reg, err := m64p.ParseRegistration(b)
	if err != nil {
		t.Fatal(err)
	}
	if s := reg[1]; s.RegID == 0xdeadbeef || s.RawData || s.Plugin != m64p.PluginNone {
		t.Errorf("carol's port 2 is registered as %+v: the departed core's slot", s)
	}
}

// A core that holds a port and never plays holds up the game only for a
// drop timeout, however it talks: it waits on TCP for player 1's data that
// will never come (before or after its own release), or it keeps sending
// keys without ever asking for input. The host drops it, and the honest
// core, player 1, plays on.
func TestCoreThatNeverPlaysIsDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		play func(c *rawCore, addr string)
	}{
		{"waits for data before its release", func(c *rawCore, _ string) {
			c.Write([]byte{128 + 5}) // RECEIVE_CUSTOM 5: nobody sends it
		}},
		{"waits for data after its release", func(c *rawCore, _ string) {
			if _, err := c.ask([]byte{6}, 24); err != nil {
				c.t.Fatal(err)
			}
			c.Write([]byte{128 + 5})
		}},
		{"sends keys and never asks", func(c *rawCore, addr string) {
			if _, err := c.ask([]byte{6}, 24); err != nil {
				c.t.Fatal(err)
			}
			u, err := net.Dial("udp", addr)
			if err != nil {
				c.t.Fatal(err)
			}
			stop := make(chan struct{})
			c.t.Cleanup(func() { close(stop); u.Close() })
			go func() {
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C: // KEY_INFO_CLIENT player 2, count 0
						u.Write([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1})
					}
				}
			}()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startHost(t, host.Config{AutoStart: 2, DropTimeout: time.Second}, nil)
			done := make(chan error, 1)
			p1 := startCore(t, hosttest.FakeCoreConfig{Host: netip.MustParseAddrPort(ts.addr), Players: []uint8{0}, Logf: t.Logf}, done)
			p2 := dialRawCore(t, ts.addr)
			p2.register(1)
			waitHandshakes(t, 1, done) // the game started
			tc.play(p2, ts.addr)
			played := make(chan bool)
			go func() { played <- pollPaced(t, []*hosttest.FakeCore{p1}, 60, nil, coreKeys) }()
			hosttest.WaitFor(t, "port 2 freed", func() bool { return allPorts(ts.h.Members()) == 0b1 })
			if !<-played {
				t.Fatal("player 1 stopped playing")
			}
			if !p2.closed() {
				t.Error("the host still serves the core it dropped")
			}
		})
	}
}

// /stop in a game of direct cores ends it once: the cores leave with the
// game, and the last of them leaving ends no second game (which counted
// two games and told everyone twice, the first time that every player
// had left).
func TestStopWithCoresEndsOnce(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2, AutoStart: 2}, nil)
	ts.join("watcher", client.Config{Spectator: true})
	_, done := startCores(t, ts.addr, []uint8{0}, []uint8{1})
	waitHandshakes(t, 2, done)
	if err := ts.h.Stop(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"host"}, session.EventEnded, 1)
	hosttest.WaitFor(t, "the watcher told the game ended", func() bool { return len(ts.eventsOf("watcher", session.EventEnded)) > 0 })
	time.Sleep(200 * time.Millisecond) // a second end would follow at once
	for _, who := range []string{"host", "watcher"} {
		if ends := ts.eventsOf(who, session.EventEnded); len(ends) != 1 {
			t.Errorf("%s saw %d game ends for one /stop: %v", who, len(ends), ends)
		}
	}
}

// A core that waits for player 1's settings, where player 1 is a netpak
// player whose emulator never sends them (here it plays the simulated
// game), holds up the game only for the grace a netpak player 1's
// emulator has to send them, five drop timeouts: then the core goes, and
// player 1 plays on.
func TestCoreWaitingForANetpakPlayer1IsDropped(t *testing.T) {
	ts := startHost(t, host.Config{DropTimeout: time.Second}, nil)
	p1 := ts.join("p1", client.Config{OwnerKey: ts.h.OwnerKey()})
	p2 := dialRawCore(t, ts.addr)
	p2.register(1)
	ts.waitMembers(2)
	p2.Write([]byte{4}) // RECEIVE_SETTINGS, what an honest player 2 asks first
	if err := ts.start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if _, err := sim.Run(ctx, p1, sim.Config{Polls: 300, Rate: 60}); err != nil {
		t.Fatalf("player 1 could not play 300 polls: %v; members %v", err, ts.h.Members())
	}
	if !p2.closed() {
		t.Error("the host still serves the core that waited")
	}
}
