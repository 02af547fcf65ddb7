package room

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// benchSession is a started 4-player session whose members' UDP addresses
// are real loopback sockets nobody reads (the kernel drops what overflows).
type benchSession struct {
	r     *Room
	sock  *udpsock.Socket
	peers []net.PacketConn
	ms    []*Member
	addrs []netip.AddrPort
}

func newBenchSession(b *testing.B) *benchSession {
	b.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	bs := &benchSession{r: New(Config{Lag: 2, GolfMask: lockstep.DefaultGolfMask, DropTimeout: 3 * time.Second,
		Now: time.Now, Logf: b.Logf}), sock: udpsock.New(pc)}
	b.Cleanup(func() {
		bs.r.Close()
		pc.Close()
		for _, p := range bs.peers {
			p.Close()
		}
	})
	r := bs.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range session.NumPorts {
		peer, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		bs.peers = append(bs.peers, peer)
		m := &Member{name: string(rune('a' + i)), ports: 1 << i, conn: nopConn{}, out: make(chan []byte, outQueueLen),
			manifest: &check.Manifest{}} // the simulated game, as every player
		r.joinLocked(m)
		for len(m.out) > 0 {
			<-m.out
		}
		m.sock, m.udpAddr = bs.sock, peer.LocalAddr().(*net.UDPAddr).AddrPort()
		m.udpNet = net.UDPAddrFromAddrPort(m.udpAddr)
		bs.ms = append(bs.ms, m)
		bs.addrs = append(bs.addrs, m.udpAddr)
	}
	if err := r.startLocked(nil); err != nil {
		b.Fatal(err)
	}
	for _, m := range bs.ms {
		for len(m.out) > 0 {
			<-m.out
		}
	}
	return bs
}

// BenchmarkRelay measures the host's cost per relayed input in a 4-player
// session in steady state: each op is one player's datagram carrying its
// next input and its acks, relayed at once to the three others.
func BenchmarkRelay(b *testing.B) {
	bs := newBenchSession(b)
	var pkts [session.NumPorts][]byte
	var polls [session.NumPorts]uint32
	var bt wire.Batch
	var st [session.NumPorts]lockstep.Stream
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % session.NumPorts
		m := bs.ms[k]
		m.udpSeen.Store(bs.r.nowNanos())
		st[k].Add(polls[k], session.Input{Keys: uint32(i)})
		hb := wire.Batch{AckMask: 0x0f}
		for j := range session.NumPorts {
			hb.Acks[j] = polls[j]
		}
		p := wire.AppendDgramHeader(pkts[k][:0], wire.DgramInputs, m.token)
		p, at := wire.AppendBatchHead(p, &hb)
		p = wire.AppendRun(p, k, polls[k], 1, &st[k])
		p[at] = 1
		pkts[k] = p
		bs.r.HandleDatagram(bs.sock, p, bs.addrs[k], &bt)
		polls[k]++
	}
}

// nopConn is a net.Conn for members whose TCP side a benchmark ignores.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }
