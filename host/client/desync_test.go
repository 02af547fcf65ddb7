package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/listen"
	"github.com/netpak/netpak/host/session"
)

// A client that consumes different inputs (here: one input corrupted in
// its copy of a stream, as a bug or a bad network path could) is reported
// to everyone with the first poll range where it differs.
func TestDesyncReported(t *testing.T) {
	ln, pc, err := listen.Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hostEvents []session.Event
	h := host.New(host.Config{Lag: 3, OnEvent: func(e session.Event) { mu.Lock(); hostEvents = append(hostEvents, e); mu.Unlock() }})
	go h.Serve(ln, pc)
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen := make(chan session.Event, 8)
	var cs []*Client
	for i, name := range []string{"ann", "ben", "cat"} {
		cfg := Config{Name: name, OnEvent: func(e session.Event) {
			if e.Kind == session.EventDesync {
				seen <- e
			}
		}}
		if i == 0 {
			cfg.OwnerKey = h.OwnerKey()
		}
		c, err := Dial(ctx, ln.Addr().String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	cs[0].Start()
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			for p := uint32(0); p < 1024; p++ {
				if i == 2 && p == 300 {
					corrupt(t, c, 0, 300)
				}
				if _, _, err := c.Poll(ctx, [session.NumPorts]session.Input{{Keys: p}, {Keys: p}, {Keys: p}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for range cs {
		select {
		case e := <-seen:
			if e.Who != "cat" || e.Poll != 256 || e.Count != DefaultChecksumEvery {
				t.Errorf("desync event %v, want cat in polls 256-511", e)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("not every client was told of the desync")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, e := range hostEvents {
		if e.Kind == session.EventDesync {
			n++
		}
	}
	if n != 1 {
		t.Errorf("host reported %d desyncs, want 1 (the first range only)", n)
	}
}

// corrupt changes c's copy of input poll of port k once it has arrived.
func corrupt(t *testing.T, c *Client, k int, poll uint32) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if in := c.ls.streams[k].At(poll); c.ls.streams[k].Holds(poll) {
			in.Keys ^= 0xdead
			c.ls.streams[k].Replace(poll, in)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		time.Sleep(100 * time.Microsecond)
	}
	t.Error("input never arrived")
}
