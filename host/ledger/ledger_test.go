package ledger_test

import (
	"strings"
	"testing"

	"github.com/netpak/netpak/host/ledger"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// newGame returns a ledger of a running game on active, with lag lag and
// have[k] inputs on each port k.
func newGame(t *testing.T, active session.PortMask, lag uint8, have [session.NumPorts]uint32) *ledger.Ledger {
	t.Helper()
	var l ledger.Ledger
	l.Init(lockstep.SchedEntry{Lag: lag, Cause: lockstep.CauseInitial})
	l.Start(active)
	for k, n := range have {
		for p := range n {
			l.Streams[k].Add(p, session.Input{Keys: uint32(k)<<16 | p})
		}
	}
	l.RaiseGrant()
	return &l
}

func TestAuthorLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		active session.PortMask
		have   [session.NumPorts]uint32
		empty  session.PortMask
		own    session.PortMask
		want   uint32
	}{
		{"held to the slowest other", 0b0111, [4]uint32{100, 40, 70, 0}, 0, 0b0001, 40 + 2 + ledger.GrantWindow},
		{"own port does not count", 0b0011, [4]uint32{10, 90, 0, 0}, 0, 0b0010, 10 + 2 + ledger.GrantWindow},
		{"empty ports do not count", 0b0111, [4]uint32{100, 40, 70, 0}, 0b0010, 0b0001, 70 + 2 + ledger.GrantWindow},
		{"alone: held to the grant", 0b0001, [4]uint32{50, 0, 0, 0}, 0, 0b0001, 50 + ledger.GrantWindow + 2 + ledger.GrantWindow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newGame(t, tc.active, 2, tc.have)
			l.Empty(tc.empty, true)
			if got := l.AuthorLimit(tc.own); got != tc.want {
				t.Errorf("AuthorLimit(%v) = %d, want %d", tc.own, got, tc.want)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	l := newGame(t, 0b0011, 0, [4]uint32{30, 20, 0, 0})
	if got := l.Poll(); got != 20 {
		t.Errorf("Poll = %d, want 20", got)
	}
	if from := l.Empty(0b0010, true); from != 20 || l.EmptyFrom[1] != 20 {
		t.Errorf("Empty(port 2) = %d, EmptyFrom %d; want 20, 20", from, l.EmptyFrom[1])
	}
	if from := l.Empty(0b0010, true); from != 0 {
		t.Errorf("a second Empty of port 2 = %d, want 0: it reads empty already", from)
	}
	if n, p := l.AuthorsLeft(), l.Poll(); n != 1 || p != 30 {
		t.Errorf("AuthorsLeft, Poll = %d, %d; want 1, 30", n, p)
	}
	if from := l.Empty(0b0001, false); from != 0 || l.EmptyFrom[0] != lockstep.NotEmpty {
		t.Errorf("Empty outside a game = %d, EmptyFrom %d; want no change", from, l.EmptyFrom[0])
	}
}

func TestRejoin(t *testing.T) {
	l := newGame(t, 0b0011, 2, [4]uint32{100, 60, 0, 0})
	if _, err := l.Rejoin("bob", bobKey); err == nil {
		t.Fatal("Rejoin with nothing held succeeded")
	}
	l.Empty(0b0010, true)
	l.Hold(0b0110, ledger.Claim{Name: "Bob", Key: bobKey}) // port 3 is not in the game
	ports, err := l.Rejoin("bob", bobKey)
	if err != nil || ports != 0b0010 {
		t.Fatalf("Rejoin(bob) = %v, %v; want port 2", ports, err)
	}
	epoch := l.Epoch
	at := l.Revive(ports)
	switch {
	case at != l.Grant || at != 100+ledger.GrantWindow:
		t.Errorf("Revive at %d, want the grant %d", at, 100+ledger.GrantWindow)
	case l.Streams[1].Have != at || l.ZeroFrom[1] != 60 || l.EmptyFrom[1] != lockstep.NotEmpty:
		t.Errorf("revived port 2: have %d, zero from %d, empty from %d", l.Streams[1].Have, l.ZeroFrom[1], l.EmptyFrom[1])
	case l.Vacant != ports || l.Epoch != epoch+1 || l.Held[1] != ledger.Claim{}:
		t.Errorf("vacant %v, epoch %d (was %d), held %v", l.Vacant, l.Epoch, epoch, l.Held[1])
	}

	// Port 1 runs on; the host fills port 2 with zero input as far.
	for p := uint32(100); p < 200; p++ {
		l.Streams[0].Add(p, session.Input{Keys: 1})
	}
	l.FillVacant(1)
	if got := l.Streams[1].Have; got != 200 {
		t.Errorf("after FillVacant port 2 has %d inputs, want 200", got)
	}
	live := l.Live(ports)
	var acked [session.NumPorts]uint32
	if l.MayHandOver(ports, 150, live, &acked) {
		t.Error("a player that lacks the inputs before its port's zero input may take it back")
	}
	acked[1] = 60
	if l.MayHandOver(ports, 150, live, &acked) {
		t.Error("a player 50 polls behind may take its port back")
	}
	if !l.MayHandOver(ports, live-16, live, &acked) {
		t.Error("a player close to the live game may not take its port back")
	}
	l.HandOver(ports, live+5)
	if l.Vacant != 0 || l.Streams[1].Have != live+5 {
		t.Errorf("after HandOver: vacant %v, port 2 has %d inputs; want none, %d", l.Vacant, l.Streams[1].Have, live+5)
	}
}

var bobKey = [16]byte{0: 'B', 15: 1}

// A held port goes back only to its player: the same name (in any case)
// and, if it joined with a key, the same key. Nobody else may use the
// name meanwhile; a player that joined without a key is known by its name
// alone.
func TestClaim(t *testing.T) {
	l := newGame(t, 0b0111, 2, [4]uint32{100, 60, 60, 0})
	l.Empty(0b0110, true)
	l.Hold(0b0010, ledger.Claim{Name: "Bob", Key: bobKey})
	l.Hold(0b0100, ledger.Claim{Name: "Old"}) // an old client, without a key
	mallory := [16]byte{0: 'M'}
	for _, tc := range []struct {
		name    string
		key     [16]byte
		ports   session.PortMask
		claimed bool
	}{
		{"Bob", bobKey, 0b0010, false},
		{"BOB", bobKey, 0b0010, false},
		{"Bob", mallory, 0, true},
		{"Bob", [16]byte{}, 0, true},
		{"Carol", bobKey, 0, false},
		{"old", mallory, 0b0100, false},
		{"Old", [16]byte{}, 0b0100, false},
	} {
		ports, err := l.Rejoin(tc.name, tc.key)
		if ports != tc.ports || (err == nil) != (tc.ports != 0) {
			t.Errorf("Rejoin(%s, %x) = %v, %v; want %v", tc.name, tc.key[:1], ports, err, tc.ports)
		}
		if got := l.Claimed(tc.name, tc.key); got != tc.claimed {
			t.Errorf("Claimed(%s, %x) = %v, want %v", tc.name, tc.key[:1], got, tc.claimed)
		}
	}
	if !l.Holds("bob") || !l.Holds("OLD") || l.Holds("Carol") {
		t.Error("Holds does not go by the name alone")
	}
}

// A player who left keeps a slot until the game is older than the
// streams keep: then nobody can rejoin, and the slot is free again.
func TestHeldUntilTooOldToRejoin(t *testing.T) {
	l := newGame(t, 0b0011, 2, [4]uint32{100, 60, 0, 0})
	l.Empty(0b0010, true)
	l.Hold(0b0010, ledger.Claim{Name: "Bob", Key: bobKey})
	if n := l.HeldOthers("Carol"); n != 1 {
		t.Fatalf("HeldOthers(Carol) = %d, want Bob's 1", n)
	}
	if n := l.HeldOthers("BOB"); n != 0 {
		t.Errorf("HeldOthers(BOB) = %d, want 0: the slot is his", n)
	}
	for p := uint32(100); l.Streams[0].Oldest() == 0; p++ { // Bob's port reads empty as the game goes on
		l.Streams[0].Add(p, session.Input{Keys: 1})
		l.Streams[1].Add(p, session.Input{})
	}
	if _, err := l.Rejoin("Bob", bobKey); err == nil || !strings.Contains(err.Error(), "older than") {
		t.Fatalf("Bob rejoined a game older than the streams keep: %v", err)
	}
	if n := l.HeldOthers("Carol"); n != 0 {
		t.Errorf("HeldOthers(Carol) = %d once nobody can rejoin, want 0", n)
	}
	if l.Holds("Bob") || l.Claimed("Bob", [16]byte{0: 'M'}) {
		t.Error("Bob's name is kept from others once nobody can rejoin")
	}
}

func TestAppendBatch(t *testing.T) {
	l := newGame(t, 0b0111, 0, [4]uint32{10, 20, 5, 0})
	acked := [session.NumPorts]uint32{0, 15, 5, 0}
	var tcpSent [session.NumPorts]uint32
	b, ok := l.AppendBatch(nil, 0b0001, &acked, &tcpSent, true)
	if !ok {
		t.Fatal("AppendBatch: inputs the ledger holds reported lost")
	}
	var bt wire.Batch
	if err := wire.ParseBatch(b, &bt); err != nil {
		t.Fatal(err)
	}
	if bt.Grant != l.Grant || bt.AckMask != 0b0001 || bt.Acks[0] != 10 {
		t.Errorf("batch head: grant %d, ack mask %v, ack %d", bt.Grant, bt.AckMask, bt.Acks[0])
	}
	if bt.NRuns != 1 || bt.Runs[0].Port != 1 || bt.Runs[0].First != 15 || bt.Runs[0].N != 5 {
		t.Fatalf("runs %+v, want port 2's inputs 15-19 alone", bt.Runs[:bt.NRuns])
	}
	if in := bt.Runs[0].Input(4); in.Keys != 1<<16|19 {
		t.Errorf("last input %#x, want %#x", in.Keys, 1<<16|19)
	}
	if tcpSent != [session.NumPorts]uint32{} {
		t.Errorf("a datagram's batch moved tcpSent to %v", tcpSent)
	}
	if _, ok := l.AppendBatch(nil, 0b0001, &acked, &tcpSent, false); !ok || tcpSent[1] != 20 {
		t.Errorf("a TCP batch: ok %v, tcpSent %v; want port 2 sent to 20", ok, tcpSent)
	}
	if l.Lacks(0b0001, &acked, &tcpSent) {
		t.Error("Lacks: a member 5 inputs behind is far behind")
	}
	far := newGame(t, 0b0011, 0, [4]uint32{ledger.FarBehind + 1, 3, 0, 0})
	var none [session.NumPorts]uint32
	if !far.Lacks(0b0010, &none, &none) {
		t.Error("Lacks: a member that lacks more than FarBehind inputs is not far behind")
	}
	if far.Lacks(0b0001, &none, &none) {
		t.Error("Lacks: a member is far behind on the port it authors")
	}
}

// frame is a poll period in nanoseconds: a wait within it costs no frame.
const frame = lockstep.PollMicros * 1000

func TestArrived(t *testing.T) {
	l := newGame(t, 0b0111, 0, [4]uint32{})
	l.Streams[0].Add(0, session.Input{})
	l.Arrived(0, 0, 1000, true)
	l.Streams[1].Add(0, session.Input{})
	if w := l.Arrived(1, 0, 1000+frame, true); w != 0 {
		t.Errorf("an input that came within the frame of the player who needed it is charged %d ns, want 0", w)
	}
	l.Streams[2].Add(0, session.Input{})
	if w := l.Arrived(2, 0, 1000+frame+500, true); w != 500 {
		t.Errorf("the last input of poll 0, half a microsecond past the frame, is charged %d ns, want 500", w)
	}
	l.Streams[1].Add(1, session.Input{})
	if w := l.Arrived(1, 1, 2*frame+2000, true); w != 0 {
		t.Errorf("an input the others have not caught up with is charged %d ns, want 0", w)
	}
}

// In golf the seat plays its own lag: it stands at poll p when it sends
// its input for p, not p+lag, and whoever it then waits for is charged.
func TestArrivedChargesTheGolfSeatsWait(t *testing.T) {
	var l ledger.Ledger
	l.Init(lockstep.SchedEntry{Lag: 3, Golf: true, Seat: 7, SeatLag: 0, Cause: lockstep.CauseInitial})
	l.Start(0b0011)
	l.PortsOf = func(id uint16) session.PortMask { return map[uint16]session.PortMask{7: 0b0010}[id] }
	for p := range uint32(4) { // port 1 plays lag 3: its first inputs, up to poll 3, come at once
		l.Streams[0].Add(p, session.Input{})
	}
	l.Arrived(0, 0, 1000, true)
	for p := range uint32(5) { // the golfer plays polls 0 to 4 and stands at 4, waiting for port 1's input
		l.Streams[1].Add(p, session.Input{})
	}
	l.Arrived(1, 0, 3000, true)
	l.Streams[0].Add(4, session.Input{})
	if w := l.Arrived(0, 4, 3000+frame+2000, true); w != 2000 {
		t.Errorf("port 1's input the golfer waited for since 3000 ns, 2000 ns past its frame, is charged %d ns, want 2000", w)
	}
}
