package host

import (
	"fmt"

	"github.com/netpak/netpak/saves"
)

// /sync: the host's own player sends its save components and cheat set to
// players who differ. The host relays the chunks as they come without
// keeping them; the receiver checks sizes, assembles, and hands the whole
// item to ClientConfig.OnSync, which backs up and writes the files.

// SyncKind names what a sync transfer carries: a save component (its
// saves.Kind) or the cheat set.
type SyncKind uint8

// SyncCheats is the cheat set in its wire form (cheats.CodeSet binary).
const SyncCheats = SyncKind(saves.NumKinds)

// SyncSave names a save component.
func SyncSave(k saves.Kind) SyncKind { return SyncKind(k) }

func (k SyncKind) String() string {
	if k == SyncCheats {
		return "cheats"
	}
	return saves.Kind(k).Label()
}

const (
	syncChunk     = 8192
	maxSyncSave   = 128 << 10 // the largest save component
	maxSyncCheats = 1 << 20   // above any cheat set the cheats package encodes
)

func (k SyncKind) maxSize() int {
	if k == SyncCheats {
		return maxSyncCheats
	}
	return maxSyncSave
}

// syncData is one chunk: Peer is the target (client to host) or the sender
// (host to client).
type syncData struct {
	Peer   uint16
	Kind   SyncKind
	Offset uint32
	Total  uint32
	Data   []byte
}

func appendSyncData(b []byte, d syncData) []byte {
	b = appendU16(b, d.Peer)
	b = append(b, byte(d.Kind))
	b = appendU32(b, d.Offset)
	b = appendU32(b, d.Total)
	return append(b, d.Data...)
}

func parseSyncData(p []byte) (syncData, error) {
	r := reader{b: p}
	d := syncData{Peer: r.u16(), Kind: SyncKind(r.u8()), Offset: r.u32(), Total: r.u32()}
	if r.err != nil {
		return syncData{}, fmt.Errorf("parse sync-data: %w", r.err)
	}
	d.Data = r.b
	if d.Kind > SyncCheats || int64(d.Total) > int64(d.Kind.maxSize()) || len(d.Data) > syncChunk ||
		uint64(d.Offset)+uint64(len(d.Data)) > uint64(d.Total) {
		return syncData{}, fmt.Errorf("parse sync-data: %w", errBadValue)
	}
	return d, nil
}

// handleSyncDataLocked relays a chunk from the host's own player.
func (s *session) handleSyncDataLocked(m *member, p []byte) error {
	d, err := parseSyncData(p)
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
		s.sendLocked(to, frameSyncData, appendSyncData(nil, d))
	}
	return nil
}

// SendSync sends data of kind to member id through the host, in chunks.
// Only the host's own player may, and only before the start. A nil data
// means "no save": the receiver removes its file (keeping a backup).
func (c *Client) SendSync(to uint16, kind SyncKind, data []byte) error {
	if kind > SyncCheats || len(data) > kind.maxSize() {
		return fmt.Errorf("sync %v: %d bytes: %w", kind, len(data), errLong)
	}
	total := uint32(len(data))
	for off := 0; ; off += syncChunk {
		end := min(off+syncChunk, len(data))
		err := c.send(frameSyncData, appendSyncData(nil, syncData{Peer: to, Kind: kind, Offset: uint32(off), Total: total, Data: data[off:end]}))
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
	d, err := parseSyncData(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	a := &c.ls.syncIn
	if int(d.Offset) != len(a.buf[d.Kind]) {
		c.mu.Unlock()
		return fmt.Errorf("sync-data chunk at %d, expected %d: %w", d.Offset, len(a.buf[d.Kind]), errBadValue)
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
