package host_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
)

// A player whose emulator cannot start the game says so; everyone's
// /check shows it and the start waits until the player says it can.
func TestEmulatorThatCannotStart(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	if err := cs[1].SetEmulator(false, "cannot start mk64.z64: RSP plugin not found"); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "p1 to hear of p2's emulator", func() bool {
		for _, r := range cs[0].Check() {
			if r.Member.Name == "p2" && r.Emulator != nil {
				return !r.Emulator.OK && strings.Contains(r.Emulator.Text, "RSP plugin")
			}
		}
		return false
	})
	if err := ts.start(); !errors.Is(err, session.ErrEmulator) || !strings.Contains(err.Error(), "p2") {
		t.Fatalf("start with p2's emulator broken: %v, want ErrEmulator naming p2", err)
	}
	late := ts.join("watcher", client.Config{Spectator: true})
	hosttest.WaitFor(t, "a late joiner to hear of p2's emulator", func() bool {
		for _, r := range late.Check() {
			if r.Member.Name == "p2" {
				return r.Emulator != nil && !r.Emulator.OK
			}
		}
		return false
	})
	cs[1].SetEmulator(true, "can start mk64.z64")
	hosttest.WaitFor(t, "the start once p2's emulator can start", func() bool { return ts.h.Start() == nil })
}

// A player's cheat names reach everyone, late joiners too.
func TestCheatNamesReachEveryone(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	cs := ts.joinPlayers(2, 0)
	ts.waitMembers(2)
	if err := cs[1].SetCheatNames([]string{"Moon Jump", strings.Repeat("x", 100)}); err != nil {
		t.Fatal(err)
	}
	late := ts.join("watcher", client.Config{Spectator: true})
	for _, c := range []*client.Client{cs[0], late} {
		hosttest.WaitFor(t, "p2's cheat names", func() bool {
			for _, r := range c.Check() {
				if r.Member.Name == "p2" {
					return len(r.Cheats) == 2 && r.Cheats[0] == "Moon Jump" && len(r.Cheats[1]) == 64
				}
			}
			return false
		})
	}
}
