package hosttest

import (
	"context"
	"fmt"
	"net/netip"
)

// PlayCores plays a game of fake cores on the session at addr, as the
// frontends' cores do after the lobby's begin: one core per player in
// players, each pressing keys(player, poll) for polls polls. It returns
// each core's history in players' order, or the first core's error.
func PlayCores(ctx context.Context, addr netip.AddrPort, players []uint8, polls int, keys func(player, poll int) uint32) ([][]PollRecord, error) {
	g, err := StartCores(ctx, addr, players, polls, keys)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	return g.Wait()
}

// CoreGame is a game of fake cores that PlayCores plays, started: its
// cores stay connected after their polls, so the session's game runs on,
// until Close.
type CoreGame struct {
	cores []*FakeCore
	hist  [][]PollRecord
	errs  chan error
}

// StartCores connects PlayCores's cores and starts their polls.
func StartCores(ctx context.Context, addr netip.AddrPort, players []uint8, polls int, keys func(player, poll int) uint32) (*CoreGame, error) {
	g := &CoreGame{hist: make([][]PollRecord, len(players)), errs: make(chan error, len(players))}
	for _, p := range players {
		c, err := NewFakeCore(FakeCoreConfig{Host: addr, Players: []uint8{p}})
		if err != nil {
			g.Close()
			return nil, err
		}
		g.cores = append(g.cores, c)
	}
	for i, c := range g.cores {
		p := int(players[i])
		go func() {
			if _, _, _, err := c.Handshake(ctx); err != nil {
				g.errs <- fmt.Errorf("player %d's core: %w", p+1, err)
				return
			}
			for n := range polls {
				if _, err := c.Poll(ctx, map[int]uint32{p: keys(p, n)}); err != nil {
					g.errs <- fmt.Errorf("player %d's core at poll %d: %w", p+1, n, err)
					return
				}
			}
			g.hist[i] = c.History()
			g.errs <- nil
		}()
	}
	return g, nil
}

// Wait waits for every core's polls and returns each core's history in
// players' order, or the first core's error.
func (g *CoreGame) Wait() ([][]PollRecord, error) {
	var first error
	for range g.cores {
		if err := <-g.errs; err != nil && first == nil {
			first = err
		}
	}
	return g.hist, first
}

// Close disconnects every core.
func (g *CoreGame) Close() {
	for _, c := range g.cores {
		c.Close()
	}
}
