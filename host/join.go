package host

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/room"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// tickInterval paces the session's housekeeping (room.Room.Tick).
const tickInterval = 500 * time.Millisecond

// rejectTimeout bounds the write of a refusal.
const rejectTimeout = 5 * time.Second

// serveNetpak runs one netpak client connection from hello to leaving.
// admitted is called once the client is a member.
func (h *Host) serveNetpak(c net.Conn, br *bufio.Reader, admitted func()) {
	m, err := h.admit(c, br)
	if err != nil {
		h.logf("refused %v: %v", c.RemoteAddr(), err)
		return
	}
	admitted()
	h.wg.Go(m.WriteLoop)
	h.room.Drop(m, h.room.ReadLoop(m, br, h.cfg.dropTimeout()))
}

// admit reads the magic and hello and adds the member, or sends a reject
// and closes the connection.
func (h *Host) admit(c net.Conn, r io.Reader) (*room.Member, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || magic != wire.StreamMagic {
		c.Close()
		return nil, fmt.Errorf("bad stream magic")
	}
	buf := make([]byte, wire.MaxFramePayload)
	typ, p, err := wire.ReadFrame(r, buf)
	switch {
	case err != nil:
		c.Close()
		return nil, fmt.Errorf("read hello: %w", err)
	case typ != wire.FrameHello:
		c.Close()
		return nil, fmt.Errorf("read hello: got a %v frame", typ)
	}
	hl, err := wire.ParseHello(p)
	if err != nil {
		c.Close()
		return nil, err
	}
	var mf *check.Manifest
	if len(hl.Manifest) > 0 {
		v, err := saves.ParseManifest(hl.Manifest)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("hello of %q: %w", hl.Name, err)
		}
		mf = &check.Manifest{M: v}
	}
	m, err := h.room.Join(c, hl, mf)
	if err != nil {
		// Written outside the session lock: a peer that does not read
		// holds up nobody but itself.
		reject(c, err)
		return nil, err
	}
	return m, nil
}

// reject tells a refused client why, then closes the connection.
func reject(c net.Conn, why error) {
	p := wire.AppendText(nil, wire.TextMsg{Text: why.Error()})
	b := wire.AppendFrameHeader(nil, wire.FrameReject, len(p))
	c.SetWriteDeadline(time.Now().Add(rejectTimeout))
	c.Write(append(b, p...))
	c.Close()
}

// tickLoop runs the session's housekeeping.
func (h *Host) tickLoop() {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for i := 1; ; i++ {
		select {
		case <-h.closing:
			return
		case <-t.C:
			h.room.Tick(i)
		}
	}
}
