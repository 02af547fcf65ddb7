package client

import (
	"slices"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// SetManifest announces this client's ROM, save and cheat hashes again;
// call it whenever they change (after a /sync, for one). The first
// announcement is [Config.Manifest], sent with the join.
func (c *Client) SetManifest(mf saves.Manifest) error {
	b, err := mf.MarshalBinary()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ls.manifests[c.id] = check.Manifest{M: mf}
	c.mu.Unlock()
	return c.send(wire.FrameManifest, b)
}

// CheckRow is one player's line in /check.
type CheckRow struct {
	Member session.Member
	Known  bool // announced a manifest
	// Reference: this player's files are the ones the others must match.
	Reference bool
	// Skipped: a direct mupen64plus core that is not player 1; it is sent
	// player 1's saves and tells nothing else.
	Skipped bool
	// NoROM: the player announced no ROM; it plays netpak's simulated
	// game.
	NoROM    bool
	Mismatch *check.Mismatch
	// Emulator is whether the player's emulator can start the game, as it
	// last said (it tries at /check); nil when it did not say.
	Emulator *wire.Emulator
	// Cheats are the names of the player's enabled cheats, as it last
	// said; nil when it did not say.
	Cheats []string
}

// Check compares every player's manifest with the reference player's, as
// this client last heard them, in port order.
func (c *Client) Check() []CheckRow {
	st := c.Status()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ps []check.Player
	byID := make(map[uint16]session.Member)
	for _, m := range st.Members {
		if m.Ports == 0 {
			continue
		}
		byID[m.ID] = m
		cp := check.Player{ID: m.ID, Name: m.Name, IsHost: m.Host, Port: m.Ports.Lowest(), Skip: m.Core && !m.Ports.Has(0)}
		if mf, ok := c.ls.manifests[m.ID]; ok {
			cp.MF = &mf
		}
		ps = append(ps, cp)
	}
	slices.SortFunc(ps, func(a, b check.Player) int { return a.Port - b.Port })
	res := check.Players(ps)
	rows := make([]CheckRow, 0, len(ps))
	for _, p := range ps {
		var emu *wire.Emulator
		if e, ok := c.ls.emulators[p.ID]; ok {
			emu = &e
		}
		rows = append(rows, CheckRow{
			Emulator: emu, Cheats: c.ls.cheats[p.ID],
			Member: byID[p.ID], Known: p.MF != nil, Reference: res.Ref != nil && res.Ref.ID == p.ID,
			Skipped: p.Skip, NoROM: p.MF != nil && check.NoROM(p.MF.M), Mismatch: res.Mismatches[p.ID],
		})
	}
	return rows
}

// SetEmulator tells the session whether this player's emulator can start
// the game (ok) and text, a few words naming the ROM and, if it cannot,
// why ("cannot start mk64.z64: RSP plugin ... not found"). The host
// refuses /start while a player's emulator cannot.
func (c *Client) SetEmulator(ok bool, text string) error {
	if len(text) > wire.MaxEmulatorText {
		// Cut where it shows: the rest is in this player's own /check.
		text = strings.ToValidUTF8(text[:wire.MaxEmulatorText-len("…")], "") + "…"
	}
	e := wire.Emulator{OK: ok, Text: strings.ToValidUTF8(text, "?")}
	c.mu.Lock()
	e.ID = c.id
	c.ls.emulators[c.id] = e
	c.mu.Unlock()
	return c.send(wire.FrameEmulator, wire.AppendEmulator(nil, wire.Emulator{OK: ok, Text: e.Text}))
}

// SetCheatNames tells the session the names of this player's enabled
// cheats, so that /check can say which differ (at most wire.MaxCheatNames,
// each cut to wire.MaxCheatNameLen bytes).
func (c *Client) SetCheatNames(names []string) error {
	names = names[:min(len(names), wire.MaxCheatNames)]
	out := make([]string, len(names))
	for i, n := range names {
		if len(n) > wire.MaxCheatNameLen {
			n = n[:wire.MaxCheatNameLen]
		}
		out[i] = strings.ToValidUTF8(n, "?")
	}
	c.mu.Lock()
	c.ls.cheats[c.id] = out
	c.mu.Unlock()
	return c.send(wire.FrameCheats, wire.AppendCheatNames(nil, wire.CheatNames{Names: out}))
}
