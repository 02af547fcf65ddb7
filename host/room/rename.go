package room

import (
	"fmt"
	"strings"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// handleRenameLocked gives m the name it asks for and tells everyone, or
// tells m alone why not: the name is not valid, another member has it,
// or a player who left the running game holds ports under it, to rejoin.
// Only the case of m's own name may change to a name it has already.
func (r *Room) handleRenameLocked(m *Member, p []byte) error {
	msg, err := wire.ParseText(p)
	if err != nil {
		return fmt.Errorf("parse rename: %w", err)
	}
	name := msg.Text
	if err := r.renameRefusalLocked(m, name); err != nil {
		r.noticeLocked(m, err)
		return nil
	}
	old := m.name
	m.name = name
	r.broadcastLocked(wire.FrameRenamed, wire.AppendMember(nil, r.memberInfo(m)), nil)
	r.eventLocked(session.Event{Kind: session.EventRenamed, Who: old, Text: name})
	return nil
}

// renameRefusalLocked says why m may not be called name, nil if it may.
func (r *Room) renameRefusalLocked(m *Member, name string) error {
	if err := session.CheckName(name); err != nil {
		return fmt.Errorf("your name stays %s: %w", m.name, err)
	}
	if name == m.name {
		return fmt.Errorf("you are called %s already", name)
	}
	if !strings.EqualFold(name, m.name) && r.nameTakenLocked(name) {
		return fmt.Errorf("your name stays %s: %q is taken in this session", m.name, name)
	}
	if r.state == statePlaying && !strings.EqualFold(name, m.name) && r.game.Holds(name) {
		return fmt.Errorf("your name stays %s: %q left the running game and may rejoin under that name", m.name, name)
	}
	return nil
}
