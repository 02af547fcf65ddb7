package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/lossy"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/sim"
	"github.com/netpak/netpak/host/wire"
)

func TestJoinRefusals(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	ts.join("Bob", client.Config{Ports: 1 << 1})
	for _, tc := range []struct {
		name string
		cfg  client.Config
		want string
	}{
		{"bob", client.Config{}, `the name "bob" is taken`},
		{"", client.Config{}, "the name is empty"},
		{"Bob Smith", client.Config{}, "holds spaces"},
		{"/kick", client.Config{}, "starts with /"},
		{"Carol", client.Config{Ports: 1 << 1}, "port 2 is taken by Bob"},
		{"Dave", client.Config{NumPorts: 4}, "not enough free controller ports"},
	} {
		tc.cfg.Name = tc.name
		_, err := client.Dial(context.Background(), ts.addr, tc.cfg)
		if !errors.Is(err, session.ErrRejected) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("join %q: %v, want refusal %q", tc.name, err, tc.want)
		}
	}
	if n := len(ts.h.Members()); n != 1 {
		t.Errorf("refused joins changed the session: %d members", n)
	}
}

func TestStartedGameTakesOnlySpectators(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 2}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	if err := cs[1].Start(); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"p2"}, session.EventNotice, 1)
	if got := ts.eventsOf("p2", session.EventNotice)[0].Text; got != "only the host can start the game" {
		t.Errorf("p2 /start: %q", got)
	}
	cs[0].Start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range cs {
		go sim.Run(ctx, c, sim.Config{Polls: 1000, Rate: 1000})
	}
	waitEvents(t, ts, []string{"p1"}, session.EventStarted, 1)
	_, err := client.Dial(ctx, ts.addr, client.Config{Name: "late"})
	if !errors.Is(err, session.ErrRejected) || !strings.Contains(err.Error(), "already started; join as a spectator") {
		t.Fatalf("late player: %v", err)
	}
	spec := ts.join("watcher", client.Config{Spectator: true})
	res, err := sim.Run(ctx, spec, sim.Config{Polls: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Polls == 0 || res.First+res.State.Polls != 1000 {
		t.Errorf("late spectator watched polls %d.. (%d polls), want up to 1000", res.First, res.State.Polls)
	}
}

// Datagrams from strangers and garbage on both sockets change nothing.
func TestHostileTraffic(t *testing.T) {
	ts := startHost(t, host.Config{Lag: 3}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	stranger, err := net.Dial("udp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	junk := [][]byte{
		{},
		{0xE4},
		{0xE4, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1}, // unknown token
		{0xE4, 9, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8}, // wrong version
		{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},       // mupen64plus key info
		bytes.Repeat([]byte{0xE4}, 1500),        // oversized
		append([]byte{0xE4, 1, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 0xff, 0xff), // truncated batch
	}
	for _, j := range junk {
		stranger.Write(j)
	}
	for _, b := range [][]byte{{0xE4, 'N', 'P', 'K', 1, 0xff, 0xff}, {'G', 'E', 'T', ' ', '/'}, {5, 0, 1, 0, 0, 0, 0, 1}} {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(b)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		c.Read(make([]byte, 64)) // the host hangs up
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for ts.h.Stats().DroppedDatagrams < uint64(len(junk)) {
		if time.Now().After(deadline) {
			t.Fatalf("dropped %d datagrams, want %d", ts.h.Stats().DroppedDatagrams, len(junk))
		}
		time.Sleep(time.Millisecond)
	}
	cs[0].Start()
	res := playAll(t, cs, sim.Config{Polls: 1000, Script: sim.Script{Seed: 4}}, time.Minute)
	requireSameState(t, res, 1000)
	if n := len(ts.h.Members()); n != 2 {
		t.Errorf("hostile traffic changed the session: %d members", n)
	}
}

// When no datagram gets through, inputs travel over TCP and the game is the
// same.
func TestTCPFallback(t *testing.T) {
	blocked := func(pc net.PacketConn) net.PacketConn { return lossy.Wrap(pc, lossy.Config{Drop: 1}) }
	ts := startHost(t, host.Config{Lag: 3}, blocked)
	cs := ts.joinPlayers(3, 1)
	ts.waitMembers(4)
	cs[0].Start()
	res := playAll(t, cs, sim.Config{Polls: 3000, Script: sim.Script{Seed: 11}}, time.Minute)
	requireSameState(t, res, 3000)
	waitEvents(t, ts, []string{"p1", "p2", "p3", "spec1"}, session.EventTransport, 1)
	if st := cs[1].Status(); st.UDP {
		t.Error("p2 says UDP works through a socket that drops everything")
	}
	if got := ts.eventsOf("p1", session.EventTransport)[0].Text; !strings.Contains(got, "inputs go over TCP") {
		t.Errorf("p1 transport event %q", got)
	}
}

func TestKick(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	addr, err := ts.h.Kick("P2")
	if err != nil || !addr.IsLoopback() {
		t.Fatalf("kick p2: %v %v", addr, err)
	}
	select {
	case <-cs[1].Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the kicked client did not notice")
	}
	if err := cs[1].Err(); !errors.Is(err, session.ErrKicked) {
		t.Errorf("kicked client stopped with %v, want ErrKicked", err)
	}
	waitEvents(t, ts, []string{"p1"}, session.EventLeft, 1)
	if e := ts.eventsOf("p1", session.EventLeft)[0]; e.Who != "p2" || e.Reason != session.LeaveKicked {
		t.Errorf("p1 saw %v", e)
	}
	if _, err := ts.h.Kick("nobody"); !errors.Is(err, host.ErrNoMember) {
		t.Errorf("kick nobody: %v", err)
	}
}

// A netpak of an older protocol, whose hello has another layout, is told
// which version the host speaks rather than hung up on.
func TestOldClientIsToldTheVersion(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	old := []byte{wire.ProtocolVersion - 1, 0, 0, 1} // version, flags, ports, nports
	old = append(old, make([]byte, 16)...)           // owner key; no player key yet
	old = append(wire.AppendStr(old, "Bob"), 0, 0)   // name, no manifest
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(append(append(wire.StreamMagic[:], wire.AppendFrameHeader(nil, wire.FrameHello, len(old))...), old...))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, p, err := wire.ReadFrame(c, make([]byte, wire.MaxFramePayload))
	if err != nil || typ != wire.FrameReject {
		t.Fatalf("the old client read %v, %v; want a refusal", typ, err)
	}
	msg, err := wire.ParseText(p)
	want := fmt.Sprintf("this host speaks netpak protocol %d, you speak %d", wire.ProtocolVersion, wire.ProtocolVersion-1)
	if err != nil || !strings.Contains(msg.Text, want) {
		t.Errorf("the old client was told %q (%v), want %q", msg.Text, err, want)
	}
}
