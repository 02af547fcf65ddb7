package client

import (
	"fmt"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// SendSync sends data of kind to member id through the host, in chunks.
// Only the host's own player may, and only before the start. A nil data
// means "no save": the receiver removes its file (keeping a backup).
func (c *Client) SendSync(to uint16, kind session.SyncKind, data []byte) error {
	if kind > session.SyncCheats || len(data) > kind.MaxSize() {
		return fmt.Errorf("sync %v: %d bytes: %w", kind, len(data), wire.ErrLong)
	}
	var err error
	wire.Chunks(uint8(kind), data, func(ch wire.Chunk) {
		if err == nil {
			err = c.send(wire.FrameSyncData, wire.AppendSyncData(nil, wire.SyncData{Peer: to, Chunk: ch}))
		}
	})
	return err
}

// handleSyncData assembles a chunk and hands complete items to OnSync.
func (c *Client) handleSyncData(p []byte) error {
	d, err := wire.ParseSyncData(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	whole, done, err := c.ls.syncIn.Add(d.Chunk)
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sync-data: %w", err)
	}
	from := c.nameOf(d.Peer)
	if d.Offset == 0 {
		c.emit(session.Event{Kind: session.EventSync, Who: from, Text: fmt.Sprintf("receiving %v from %s (%d bytes)", d.Item(), from, d.Total)})
	}
	if done && c.cfg.OnSync != nil {
		if d.Total == 0 {
			whole = nil // no save: the receiver removes its file
		}
		c.cfg.OnSync(from, d.Item(), whole)
	}
	return nil
}
