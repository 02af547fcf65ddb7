package e2e

import (
	"context"
	"fmt"

	"github.com/netpak/netpak/host/launcher/testrom"
	"github.com/netpak/netpak/host/session"
)

// record consumes polls [0, polls) as the spectator and returns every
// port's input per poll; onPoll, if set, runs after each poll.
func (g *game) record(ctx context.Context, onPoll func(p uint32)) ([][session.NumPorts]session.Input, error) {
	out := make([][session.NumPorts]session.Input, 0, g.spec.polls)
	for len(out) < g.spec.polls {
		p, in, err := g.rec.Poll(ctx, [session.NumPorts]session.Input{})
		if err != nil {
			return out, fmt.Errorf("spectator at poll %d: %w", len(out), err)
		}
		if int(p) != len(out) {
			return out, fmt.Errorf("spectator consumed poll %d, want %d", p, len(out))
		}
		out = append(out, in)
		if onPoll != nil {
			onPoll(p)
		}
	}
	return out, nil
}

// recording is what the spectator recorded of a game, and why it stopped
// early if it did.
type recording struct {
	in  [][session.NumPorts]session.Input
	err error
}

// recordAsync records the game as record does, in the background; the
// recording arrives once it ends.
func (g *game) recordAsync(ctx context.Context, onPoll func(p uint32)) <-chan recording {
	out := make(chan recording, 1)
	go func() {
		in, err := g.record(ctx, onPoll)
		out <- recording{in, err}
	}()
	return out
}

// playRecorded records the game while every core plays it to the end,
// and returns each core's final words (waitAllDone) and the recording.
func (g *game) playRecorded(ctx context.Context, onPoll func(p uint32)) ([][]uint32, [][session.NumPorts]session.Input) {
	g.t.Helper()
	recorded := g.recordAsync(ctx, onPoll)
	words := g.waitAllDone(ctx)
	r := <-recorded
	if r.err != nil {
		g.t.Fatal(r.err)
	}
	return words, r.in
}

// waitAllDone waits for every core's ROM to be done (waitDone) and
// returns their words.
func (g *game) waitAllDone(ctx context.Context) [][]uint32 {
	g.t.Helper()
	words := make([][]uint32, len(g.procs))
	for i := range g.procs {
		words[i] = g.waitDone(ctx, i)
	}
	return words
}

// waitDone waits until core i's ROM set its done flag and returns the
// words it reported. It skips the test when the core is not installed.
func (g *game) waitDone(ctx context.Context, i int) []uint32 {
	g.t.Helper()
	p := g.procs[i]
	select {
	case <-p.Done():
		return p.DoneWords()
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(g.t, err)
		g.t.Fatalf("core %d (%s) ended before its ROM was done: %v", i, g.names[i], err)
	case <-ctx.Done():
		words, err := p.ReadWords(context.Background(), resultAddrs)
		g.t.Fatalf("core %d (%s) not done in time: done, counter, hash, magic = %x (%v)", i, g.names[i], words, err)
	}
	return nil
}

// checkCores compares the final words of the named cores with the hash the ROM must
// have computed from the recorded inputs.
func (g *game) checkCores(words [][]uint32, names []string, rec [][session.NumPorts]session.Input) {
	g.t.Helper()
	want := []uint32{1, uint32(g.spec.polls), romHash(rec, g.active), testrom.Magic}
	for i, w := range words {
		if len(w) != len(want) {
			g.t.Errorf("core %d (%s) reported %x", i, names[i], w)
			continue
		}
		for j := range want {
			if w[j] != want[j] {
				g.t.Errorf("core %d (%s): word at %#x = %#x, want %#x", i, names[i], resultAddrs[j], w[j], want[j])
			}
		}
	}
}

// romHash folds the recorded inputs as the ROM does: a port of the game
// is a present controller (a departed player's port reads as no input),
// the others are absent.
func romHash(rec [][session.NumPorts]session.Input, active session.PortMask) uint32 {
	polls := make([]testrom.Poll, len(rec))
	for n, in := range rec {
		for k := range session.NumPorts {
			polls[n][k] = testrom.Pad{Present: active.Has(k), Keys: in[k].Keys}
		}
	}
	return testrom.Hash(polls)
}

// waitRunning waits until core i executes, skipping the test when the core
// is not installed.
func (g *game) waitRunning(ctx context.Context, i int) {
	g.t.Helper()
	p := g.procs[i]
	select {
	case <-p.Running():
	case <-p.Exited():
		err := p.Wait()
		skipIfMissing(g.t, err)
		g.t.Fatalf("core %d (%s) ended before running: %v", i, g.names[i], err)
	case <-ctx.Done():
		g.t.Fatalf("core %d (%s) not running in time", i, g.names[i])
	}
}

// waitStarted waits until every core executes and the host started the
// game, skipping the test when the core is not installed.
func (g *game) waitStarted(ctx context.Context) stamped {
	g.t.Helper()
	for i := range g.procs {
		g.waitRunning(ctx, i)
	}
	started, err := g.events.wait(ctx, isKind(session.EventStarted))
	if err != nil {
		g.t.Fatal("the game never started")
	}
	return started
}
