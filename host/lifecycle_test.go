package host_test

import (
	"errors"
	"net"
	"testing"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
)

// Host and Client close the same way: the first Close stops everything and
// returns nil, every later one says it was closed already.
func TestCloseTwice(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	c := ts.join("ann", client.Config{})
	if err := c.Close(); err != nil {
		t.Errorf("client's first Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("client's second Close: %v, want net.ErrClosed", err)
	}
	if err := ts.h.Close(); err != nil {
		t.Errorf("host's first Close: %v", err)
	}
	if err := ts.h.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("host's second Close: %v, want net.ErrClosed", err)
	}
}
