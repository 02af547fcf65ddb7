package room

import (
	"fmt"

	"github.com/netpak/netpak/host/wire"
)

// /sync: the host's own player sends its save components and cheat set to
// players who differ. The host relays the chunks as they come without
// keeping them; the receiver checks sizes, assembles, and hands the whole
// item to the client's Config.OnSync, which backs up and writes the files.

// handleSyncDataLocked relays a chunk from the host's own player.
func (r *Room) handleSyncDataLocked(m *Member, p []byte) error {
	d, err := wire.ParseSyncData(p)
	if err != nil {
		return err
	}
	switch to := r.members[d.Peer]; {
	case !m.isHost:
		r.noticeLocked(m, fmt.Errorf("only the host can send its saves and cheats"))
	case r.state != stateLobby:
		r.noticeLocked(m, fmt.Errorf("/sync works only before /start"))
	case to == nil || to.core != nil:
		r.noticeLocked(m, fmt.Errorf("nobody to send %v to (member %d left?)", d.Item(), d.Peer))
	default:
		d.Peer = m.id
		r.sendLocked(to, wire.FrameSyncData, wire.AppendSyncData(nil, d))
	}
	return nil
}
