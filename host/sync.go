package host

import (
	"fmt"

	"github.com/netpak/netpak/host/wire"
)

// /sync: the host's own player sends its save components and cheat set to
// players who differ. The host relays the chunks as they come without
// keeping them; the receiver checks sizes, assembles, and hands the whole
// item to ClientConfig.OnSync, which backs up and writes the files.

// handleSyncDataLocked relays a chunk from the host's own player.
func (s *session) handleSyncDataLocked(m *member, p []byte) error {
	d, err := wire.ParseSyncData(p)
	if err != nil {
		return err
	}
	switch to := s.members[d.Peer]; {
	case !m.isHost:
		s.noticeLocked(m, fmt.Errorf("only the host can send its saves and cheats"))
	case s.state != stateLobby:
		s.noticeLocked(m, fmt.Errorf("/sync works only before /start"))
	case to == nil || to.core != nil:
		s.noticeLocked(m, fmt.Errorf("nobody to send %v to (member %d left?)", d.Kind, d.Peer))
	default:
		d.Peer = m.id
		s.sendLocked(to, wire.FrameSyncData, wire.AppendSyncData(nil, d))
	}
	return nil
}

// SendSync sends data of kind to member id through the host, in chunks.
// Only the host's own player may, and only before the start. A nil data
// means "no save": the receiver removes its file (keeping a backup).
func (c *Client) SendSync(to uint16, kind SyncKind, data []byte) error {
	if kind > SyncCheats || len(data) > kind.MaxSize() {
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
	buf [SyncCheats + 1][]byte
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
		c.emit(Event{Kind: EventSync, Who: from, Text: fmt.Sprintf("receiving %v from %s (%d bytes)", d.Kind, from, d.Total)})
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
