package client

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/wire"
)

// A host of an older protocol cannot read a newer hello and hangs up
// without a word: the client says what that likely means.
func TestOldHostHangsUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		// An old host reads the stream magic and the whole hello frame,
		// fails to parse it, and closes.
		io.ReadFull(c, make([]byte, len(wire.StreamMagic)))
		wire.ReadFrame(c, make([]byte, wire.MaxFramePayload))
		c.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String(), Config{Name: "Bob"})
	if err == nil {
		c.Close()
		t.Fatal("joined a host that hung up")
	}
	if !strings.Contains(err.Error(), "use the same version as the host") {
		t.Errorf("the client said %q, want it to name a version mismatch", err)
	}
}
