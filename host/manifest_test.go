package host_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/saves"
)

// manifestWith builds a manifest of a fake ROM with one SRAM component and
// a cheat hash.
func manifestWith(sram []byte, cheats string) saves.Manifest {
	var set saves.Set
	for k := range set {
		set[k].Kind = saves.Kind(k)
	}
	set[saves.SRAM].Data = sram
	return saves.NewManifest(saves.FamilyMupen64Plus, sha256.Sum256([]byte("rom")), &set, cheats)
}

func TestStartRefusedUntilSynced(t *testing.T) {
	ts := startHost(t, host.Config{}, nil)
	hostSRAM := bytes.Repeat([]byte{0xab}, 32<<10)
	otherSRAM := bytes.Repeat([]byte{0xcd}, 32<<10)

	var mu sync.Mutex
	got := map[string][]byte{}
	var bob *client.Client
	onSync := func(who string) func(string, session.SyncKind, []byte) {
		return func(from string, k session.SyncKind, data []byte) {
			mu.Lock()
			got[who+"/"+k.String()] = data
			mu.Unlock()
			if who == "bob" && k == session.SyncSave(saves.SRAM) {
				bob.SetManifest(manifestWith(data, ""))
			}
		}
	}
	alice := ts.join("alice", client.Config{OwnerKey: ts.h.OwnerKey(), Manifest: manifestWith(hostSRAM, "")})
	bob = ts.join("bob", client.Config{OnSync: onSync("bob"), Manifest: manifestWith(otherSRAM, "")})
	carol := ts.join("carol", client.Config{OnSync: onSync("carol"), Manifest: manifestWith(hostSRAM, "extra-cheat-hash")})
	// Each manifest came with its join; alice hears carol's with carol's.
	hosttest.WaitFor(t, "the condition", func() bool { return len(alice.Check()) == 3 })

	rows := alice.Check()
	var lines []string
	for _, r := range rows {
		if r.Mismatch != nil {
			lines = append(lines, r.Mismatch.String())
		}
	}
	want := []string{
		"bob: SRAM differs from the host's; /sync to send the host's data",
		"carol: cheats differ from the host's; /sync to send the host's data",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("/check says\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	if err := ts.h.Start(); !errors.Is(err, session.ErrSaveMismatch) || !strings.Contains(err.Error(), "bob: SRAM") || !strings.Contains(err.Error(), "carol:") {
		t.Fatalf("start with differing players: %v", err)
	}
	// The host's player sends its SRAM to bob and its (empty) cheat set to
	// carol; carol then announces the host's cheats.
	if err := alice.SendSync(bob.ID(), session.SyncSave(saves.SRAM), hostSRAM); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendSync(carol.ID(), session.SyncCheats, nil); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "the condition", func() bool {
		mu.Lock()
		defer mu.Unlock()
		_, ok := got["carol/cheats"]
		return bytes.Equal(got["bob/SRAM"], hostSRAM) && ok
	})
	if got["carol/cheats"] != nil {
		t.Errorf("carol got cheats %x, want none", got["carol/cheats"])
	}
	carol.SetManifest(manifestWith(hostSRAM, ""))
	hosttest.WaitFor(t, "the condition", func() bool { return ts.h.Start() == nil })
	// Refused after the start: no sync during a game.
	if err := bob.SendSync(alice.ID(), session.SyncSave(saves.SRAM), hostSRAM); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, ts, []string{"bob"}, session.EventNotice, 1)
}
