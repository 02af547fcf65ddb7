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
	cores := make([]*FakeCore, len(players))
	for i, p := range players {
		c, err := NewFakeCore(FakeCoreConfig{Host: addr, Players: []uint8{p}})
		if err != nil {
			for _, c := range cores[:i] {
				c.Close()
			}
			return nil, err
		}
		cores[i] = c
	}
	hist := make([][]PollRecord, len(players))
	errs := make(chan error, len(players))
	for i, c := range cores {
		p := int(players[i])
		go func() {
			defer c.Close()
			if _, _, _, err := c.Handshake(ctx); err != nil {
				errs <- fmt.Errorf("player %d's core: %w", p+1, err)
				return
			}
			for n := range polls {
				if _, err := c.Poll(ctx, map[int]uint32{p: keys(p, n)}); err != nil {
					errs <- fmt.Errorf("player %d's core at poll %d: %w", p+1, n, err)
					return
				}
			}
			hist[i] = c.History()
			errs <- nil
		}()
	}
	var first error
	for range cores {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return hist, first
}
