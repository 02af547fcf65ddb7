package commands

import (
	"strings"
	"testing"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// /check names a player whose emulator cannot start, in its row and in
// what to do.
func TestCheckTextEmulator(t *testing.T) {
	rows := []client.CheckRow{
		{Member: session.Member{Name: "Alice", Ports: 1, Host: true}, Known: true, Reference: true, Emulator: &wire.Emulator{OK: true, Text: "can start mk64.z64"}},
		{Member: session.Member{Name: "Bob", Ports: 2}, Known: true, Emulator: &wire.Emulator{Text: "cannot start mk64.z64: RSP plugin not found"}},
		{Member: session.Member{Name: "Carol", Ports: 4}, Known: true},
	}
	text := CheckText(rows, true)
	for _, want := range []string{
		"Bob    2      ok; emulator cannot start mk64.z64: RSP plugin not found",
		"the emulator of Bob cannot start the game: /start waits",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/check says\n%s\nwant it to say %q", text, want)
		}
	}
	if strings.Contains(text, "everyone matches") {
		t.Errorf("/check says everyone matches, /start when ready, while Bob's emulator cannot start:\n%s", text)
	}
	if strings.Contains(text, "Alice  1      the reference;") {
		t.Errorf("/check speaks of an emulator that can start:\n%s", text)
	}
}

// A host whose own emulator cannot start is told to fix it, not to
// /spectate, which a host cannot.
func TestCheckTextHostEmulator(t *testing.T) {
	rows := []client.CheckRow{
		{Member: session.Member{Name: "Alice", Ports: 1, Host: true}, Known: true, Reference: true, Emulator: &wire.Emulator{Text: "cannot start mk64.z64: no video plugin"}},
		{Member: session.Member{Name: "Bob", Ports: 2}, Known: true},
	}
	text := CheckText(rows, true)
	if !strings.Contains(text, "the emulator of Alice cannot start the game: /start waits until it is fixed") || strings.Contains(text, "spectate") {
		t.Errorf("/check says\n%s\nwant it to tell Alice to fix her emulator, and nothing of /spectate", text)
	}
	rows[1].Emulator = &wire.Emulator{Text: "cannot start mk64.z64: no RSP plugin"}
	if text := CheckText(rows, true); !strings.Contains(text, "the emulators of Alice and Bob cannot start the game: /start waits until they are fixed (and /check run again), or the other players /spectate") {
		t.Errorf("/check says\n%s", text)
	}
}

// A player without a ROM beside a host with one gets one line saying so,
// not a difference for every item.
func TestCheckTextNoROM(t *testing.T) {
	all := &check.Mismatch{Diffs: []saves.Difference{{Item: saves.ItemFamily}, {Item: saves.ItemROM}, {Item: saves.ItemSave}}}
	rows := []client.CheckRow{
		{Member: session.Member{Name: "Alice", Ports: 1, Host: true}, Known: true, Reference: true},
		{Member: session.Member{Name: "Bob", Ports: 2}, Known: true, NoROM: true, Mismatch: all},
	}
	text := CheckText(rows, true)
	if !strings.Contains(text, "Bob    2      plays without a ROM") || strings.Contains(text, "emulator:") {
		t.Errorf("/check says\n%s\nwant one line: Bob plays without a ROM", text)
	}
	if err := mismatchError(rows[1:]); !strings.Contains(err.Error(), "Bob plays without a ROM") {
		t.Errorf("/start refuses with %v", err)
	}
}

// A host whose ROM nobody else has is told it may be the odd one out.
func TestCheckTextHostROMAlone(t *testing.T) {
	rom := &check.Mismatch{Diffs: []saves.Difference{{Item: saves.ItemROM}}}
	rows := []client.CheckRow{
		{Member: session.Member{Name: "Alice", Ports: 1, Host: true}, Known: true, Reference: true},
		{Member: session.Member{Name: "Bob", Ports: 2}, Known: true, Mismatch: rom},
		{Member: session.Member{Name: "Carol", Ports: 4}, Known: true, Mismatch: rom},
	}
	if text := CheckText(rows, true); !strings.Contains(text, "nobody has Alice's ROM: Alice may have loaded another game") {
		t.Errorf("/check says\n%s\nwant it to tell Alice nobody has her ROM", text)
	}
	rows[2].Mismatch = nil
	if text := CheckText(rows, true); strings.Contains(text, "nobody has") {
		t.Errorf("/check says nobody has the ROM when Carol has it:\n%s", text)
	}
}

// /check names the cheats a player lacks or has beyond the reference's,
// when both said which they enabled.
func TestCheckTextCheatNames(t *testing.T) {
	cheatsDiffer := &check.Mismatch{Diffs: []saves.Difference{{Item: saves.ItemCheats, Want: "1a2b", Got: "3c4d"}}}
	rows := []client.CheckRow{
		{Member: session.Member{Name: "Alice", Ports: 1, Host: true}, Known: true, Reference: true, Cheats: []string{"Moon Jump", "Infinite Lives"}},
		{Member: session.Member{Name: "Bob", Ports: 2}, Known: true, Mismatch: cheatsDiffer, Cheats: []string{"Moon Jump", "Big Head"}},
		{Member: session.Member{Name: "Carol", Ports: 4}, Known: true, Mismatch: cheatsDiffer},
	}
	text := CheckText(rows, true)
	if !strings.Contains(text, "Bob    2      cheats: without Infinite Lives, with Big Head") {
		t.Errorf("/check says\n%s\nwant Bob's cheats by name", text)
	}
	if !strings.Contains(text, "Carol  3      cheats: host has 1a2b") {
		t.Errorf("/check says\n%s\nwant Carol's cheats by hash: she did not say their names", text)
	}
}
