package client

import (
	"fmt"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/wire"
)

// SendSync sends data of kind to member id through the host, in chunks.
// Only the host's own player may, and only before the start. A nil data
// means "no save": the receiver removes its file (keeping a backup).
func (c *Client) SendSync(to uint16, kind host.SyncKind, data []byte) error {
	if kind > host.SyncCheats || len(data) > kind.MaxSize() {
		return fmt.Errorf("sync %v: %d bytes: %w", kind, len(data), wire.ErrLong)
	}
	total := uint32(len(data))
	for off := 0; ; off += wire.SyncChunk {
		end := min(off+wire.SyncChunk, len(data))
		err := c.send(wire.FrameSyncData, wire.AppendSyncData(nil, wire.SyncData{Peer: to, Kind: kind, Offset: uint32(off), Total: total, Data: data[off:end]}))
		if err != nil {
			return err
		}
		if end == len(data) {
			return nil
		}
	}
}

// syncAssembly collects incoming sync chunks, one item at a time per kind.
type syncAssembly struct {
	buf [host.SyncCheats + 1][]byte
}

// handleSyncData assembles a chunk and hands complete items to OnSync.
func (c *Client) handleSyncData(p []byte) error {
	d, err := wire.ParseSyncData(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	a := &c.ls.syncIn
	if int(d.Offset) != len(a.buf[d.Kind]) {
		c.mu.Unlock()
		return fmt.Errorf("sync-data chunk at %d, expected %d: %w", d.Offset, len(a.buf[d.Kind]), wire.ErrBadValue)
	}
	a.buf[d.Kind] = append(a.buf[d.Kind], d.Data...)
	done := len(a.buf[d.Kind]) == int(d.Total)
	var whole []byte
	if done {
		whole, a.buf[d.Kind] = a.buf[d.Kind], nil
	}
	c.mu.Unlock()
	from := c.nameOf(d.Peer)
	if d.Offset == 0 {
		c.emit(host.Event{Kind: host.EventSync, Who: from, Text: fmt.Sprintf("receiving %v from %s (%d bytes)", d.Kind, from, d.Total)})
	}
	if done && c.cfg.OnSync != nil {
		if whole == nil {
			whole = []byte{}
		}
		if d.Total == 0 {
			whole = nil
		}
		c.cfg.OnSync(from, d.Kind, whole)
	}
	return nil
}
