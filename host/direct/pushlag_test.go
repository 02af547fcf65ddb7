package direct

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/udpsock"
)

// A push tells a player's core it is in time, lockstep keeping it in
// step; but a spectator's core trails the game with nobody waiting for
// it, and a core takes its speed limiter from the latest datagram of a
// port: a spectator that caught up to within the push window would play on
// at full speed there, behind the game, for good. Its pushes say how far
// its last request trailed. Both cores get real datagrams on loopback.
func TestPushTellsASpectatorCoreItTrails(t *testing.T) {
	r := newKeysRig(t, 2)
	for p := r.have(); p < 140; p++ {
		r.c.authors[0].Publish(p-2, 2, lockstep.Input{Keys: p}, &r.f.streams[0])
	}
	have := r.have()
	host := listenUDP(t)
	r.cs.all[0].sock = udpsock.New(host)
	player := listenUDP(t)
	r.c.addr = netip.MustParseAddrPort(player.LocalAddr().String())
	watcher := listenUDP(t)
	spec := &Core{cores: &r.cs, id: 2, name: "spectator", released: true, sock: r.c.sock,
		addr: netip.MustParseAddrPort(watcher.LocalAddr().String())}
	r.cs.all = append(r.cs.all, spec)

	const asked = 120 // both last asked for count 120 of port 1, and got 3 inputs
	r.c.waits.Note(0, asked, 3)
	spec.waits.Note(0, asked, 3)
	r.cs.Push()
	want := uint8(have - 2 - 1 - asked)
	if got := pushedLag(t, watcher); got != want {
		t.Errorf("a spectator's core that last asked %d polls behind is pushed lag %d, want %d", have-asked, got, want)
	}
	if got := pushedLag(t, player); got != 0 {
		t.Errorf("a player's core is pushed lag %d, want 0", got)
	}
}

func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// pushedLag reads the key-info datagram pc was sent and returns its lag
// byte.
func pushedLag(t *testing.T, pc net.PacketConn) uint8 {
	t.Helper()
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 2048)
	n, _, err := pc.ReadFrom(b)
	if err != nil {
		t.Fatalf("no push arrived: %v", err)
	}
	m, err := m64p.ParseKeyInfoServer(b[:n])
	if err != nil || len(m.Events) == 0 || m.Events[0].Count != 123 {
		t.Fatalf("the push %+v (%v), want inputs from count 123", m, err)
	}
	return m.Lag
}
