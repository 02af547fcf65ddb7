package vpn

import (
	"crypto/rand"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// Path returns how the tunnel reaches the host, with the last measured
// round trip.
func (t *Tunnel) Path() Path {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.path
	t.nat.mu.Lock()
	if t.nat.rtt != 0 {
		p.RTT = t.nat.rtt
	}
	t.nat.mu.Unlock()
	return p
}

// pathLoop measures the round trip every rttEvery and, while relayed,
// tries for a direct path every t.upgrade.
func (t *Tunnel) pathLoop() {
	defer t.loops.Done()
	rtt := time.NewTicker(rttEvery)
	defer rtt.Stop()
	up := time.NewTicker(t.upgrade)
	defer up.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-rtt.C:
			t.measure()
		case <-up.C:
			if t.Path().Kind == PathRelayed {
				t.tryDirect()
			}
		}
	}
}

func (t *Tunnel) measure() {
	p := t.Path()
	var tx [natmsg.TxLen]byte
	rand.Read(tx[:])
	n := t.nat
	n.mu.Lock()
	clear(n.rtts)
	n.rtts[tx] = sentPing{to: p.Addr, at: time.Now()}
	n.mu.Unlock()
	t.bind.WriteTo(natmsg.AppendPing(nil, natmsg.Ping{Tx: tx, Role: natmsg.RolePlayer}, n.punch), p.Addr)
}

// tryDirect asks the rendezvous to pair the two again and probes the
// direct candidates for a while; if one answers, WireGuard moves there
// (the host follows by roaming) and the relay lapses.
func (t *Tunnel) tryDirect() {
	n := t.nat
	window := time.NewTimer(upgradeWindow)
	defer window.Stop()
	select {
	case <-n.wins: // a late answer from an earlier round
	default:
	}
	tick := time.NewTicker(punchEvery)
	defer tick.Stop()
	n.connect()
	for {
		n.probeAll(time.Now(), true)
		select {
		case w := <-n.wins:
			if w.kind == candRelay {
				continue
			}
			t.moveTo(w)
			return
		case <-window.C:
			return
		case <-t.done:
			return
		case <-tick.C:
		}
	}
}

// aliasRelay is how long a tunnel that left a relay takes datagrams still
// coming through it as from the new path.
const aliasRelay = 5 * time.Second

func (t *Tunnel) moveTo(w probeWin) {
	if err := t.dev.IpcSet("public_key=" + t.hostKey.hex() + "\nupdate_only=true\nendpoint=" + w.addr.String() + "\n"); err != nil {
		t.nat.logf("vpn: move to direct path %v: %v", w.addr, err)
		return
	}
	t.mu.Lock()
	old := t.endpoint
	t.path = pathOf(w.addr, w.kind, w.rtt)
	t.endpoint = w.addr
	t.mu.Unlock()
	t.bind.Alias(old, w.addr, aliasRelay)
	t.nat.logf("vpn: tunnel moved to a direct path at %v", w.addr)
}
