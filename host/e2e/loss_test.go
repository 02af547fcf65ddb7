package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/netpak/netpak/host/session"
)

// Real cores send each poll's keys once. At lag 0 the input of a core's
// own port comes from the keys of that very poll, so a lost datagram of
// keys stopped the game until the core gave up on the server. Two direct
// Debian cores at lag 0, with 5 % of the host's datagrams lost each way,
// play the whole game; both end in the state of the streams the host
// recorded, and nobody desyncs.
func TestRealCoresLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	spec := gameSpec{polls: 600, lag: 0, loss: 0.05, seats: []seat{{ports: []int{1}}, {ports: []int{2}}}}
	g := startGame(t, spec)
	words, in := g.playRecorded(ctx, nil)
	g.checkCores(words, g.names, in)
	if ds := g.events.all(session.EventDesync); len(ds) > 0 {
		t.Errorf("the host reported desyncs: %v", ds[0].Event)
	}
	if ls := g.events.all(session.EventLeft); len(ls) > 0 {
		t.Errorf("a player left: %v", ls[0].Event)
	}
}
