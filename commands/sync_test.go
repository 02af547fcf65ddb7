package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/saves"
	"github.com/netpak/netpak/saves/rom"
	"github.com/netpak/netpak/saves/rom/romtest"
)

// gamePlayer is a test Session with its own copy of a synthetic ROM, its
// own save folder and a cheat database, whose game (when it starts)
// records the cheats its launcher would get and plays the simulated game.
type gamePlayer struct {
	*Session
	ev   *lines
	dir  string // save folder
	mu   sync.Mutex
	got  []emucfg.Cheat
	done chan struct{} // closed when the game started
}

// writeGameFiles writes a synthetic ROM and a mupencheat.txt for it into
// dir and returns their paths.
func writeGameFiles(t *testing.T, dir string) (romPath, cheatPath string) {
	t.Helper()
	img := romtest.Build(romtest.Options{Seed: 7})
	r, err := rom.Parse(img)
	if err != nil {
		t.Fatal(err)
	}
	romPath, cheatPath = filepath.Join(dir, "Test Game.z64"), filepath.Join(dir, "mupencheat.txt")
	db := fmt.Sprintf("crc %s\ngn NETPAK TEST\n cn Infinite Lives\n  80012345 0003\n cn Moon Jump\\High\n  D0012346 0020\n  81023456 ???? 0001:\"Low\",0002:\"High\"\n", r.CheatKey())
	if err := os.WriteFile(romPath, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cheatPath, []byte(db), 0o644); err != nil {
		t.Fatal(err)
	}
	return romPath, cheatPath
}

func newGamePlayer(t *testing.T, name string, sram []byte, choices ...CheatChoice) *gamePlayer {
	t.Helper()
	s, ev := newTestSession(t, name)
	p := &gamePlayer{Session: s, ev: ev, dir: t.TempDir(), done: make(chan struct{})}
	e := &s.Settings.Emulator
	romPath, cheatPath := writeGameFiles(t, t.TempDir())
	e.ROM, e.CheatFiles = romPath, []string{cheatPath}
	e.SaveDir, e.DataDir, e.Cheats = p.dir, t.TempDir(), choices
	if sram != nil {
		g, err := e.loadGame()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.store.Write(saves.Component{Kind: saves.SRAM, Data: sram}); err != nil {
			t.Fatal(err)
		}
	}
	var once sync.Once
	s.Play = func(ctx context.Context, c *client.Client) error {
		cfg, err := s.emulatorConfig(c)
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.got = cfg.Cheats
		p.mu.Unlock()
		once.Do(func() { close(p.done) })
		return playSimulated(ctx, c)
	}
	return p
}

// hostAndJoin has host serve a session on loopback, the others join it,
// and waits until the host knows everyone's ROM, saves and cheats.
func hostAndJoin(t *testing.T, host *gamePlayer, others ...*gamePlayer) {
	t.Helper()
	var sessions []*Session
	for _, p := range others {
		sessions = append(sessions, p.Session)
	}
	serveAndJoin(t, host.Session, sessions...)
	hosttest.WaitFor(t, "every manifest at the host", func() bool { return allKnown(host.Session, 1+len(others)) })
}

func sramOf(b byte) []byte { return bytes.Repeat([]byte{b, 0x5A, 0xA5, b + 1}, saves.SRAMSize/4) }

// TestSyncSession is the session test: three players, one with a
// different SRAM and one with an extra cheat. /start is refused naming
// both; /sync sends the host's save and cheats; /start succeeds; the
// replaced save's backup holds the old bytes; every launcher gets the
// host's cheats.
func TestSyncSession(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	lives := CheatChoice{Name: "Infinite Lives"}
	jump := CheatChoice{Name: `Moon Jump\High`, Option: "High"}
	alice := newGamePlayer(t, "Alice", sramOf(1), lives)
	bob := newGamePlayer(t, "Bob", sramOf(2), lives)
	carol := newGamePlayer(t, "Carol", sramOf(1), lives, jump)

	hostAndJoin(t, alice, bob, carol)

	err := alice.Start()
	if !errors.Is(err, session.ErrSaveMismatch) {
		t.Fatalf("start with differing players: %v", err)
	}
	for _, want := range []string{"Bob: SRAM differs", "Carol: cheats differ"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	rows, _ := alice.Check()
	text := CheckText(rows, false)
	if !strings.Contains(text, "SRAM: host has") || strings.Count(text, "✓") != 0 || !strings.Contains(text, "2 players differ") {
		t.Errorf("/check before the sync:\n%s", text)
	}

	if err := alice.Sync(ctx, ""); err != nil {
		t.Fatal(err)
	}
	alice.ev.wait(t, "sending SRAM to Bob (32768 bytes)")
	alice.ev.wait(t, "sending cheats to Carol")
	bob.ev.wait(t, "SRAM from Alice: wrote ")
	carol.ev.wait(t, "cheats from Alice for this session: Infinite Lives")
	rows, _ = alice.Check()
	if text := CheckText(rows, true); strings.Count(text, "  ok") != 2 || !strings.Contains(text, "everyone matches") {
		t.Errorf("/check after the sync:\n%s", text)
	}
	checkBackup(t, bob.dir, sramOf(2), sramOf(1))

	if err := alice.Start(); err != nil {
		t.Fatalf("start after the sync: %v", err)
	}
	want := alice.game().launcherCheats()
	if len(want) != 1 || want[0].Name != "Infinite Lives" {
		t.Fatalf("host's launcher cheats %+v", want)
	}
	for _, p := range []*gamePlayer{alice, bob, carol} {
		p.ev.wait(t, "the game started at poll 0")
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s's game did not start", p.Settings.Name)
		}
		p.mu.Lock()
		if !reflect.DeepEqual(p.got, want) {
			t.Errorf("%s's launcher got cheats %+v, want the host's %+v", p.Settings.Name, p.got, want)
		}
		p.mu.Unlock()
	}
}

// TestHostWins starts at once: the host's /start syncs first.
func TestHostWins(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	alice := newGamePlayer(t, "Alice", nil)
	alice.Settings.HostWins = true
	bob := newGamePlayer(t, "Bob", sramOf(9), CheatChoice{Name: "Infinite Lives"})
	hostAndJoin(t, alice, bob)
	if err := alice.Start(); err != nil {
		t.Fatalf("host_wins start: %v", err)
	}
	bob.ev.wait(t, "the game started at poll 0")
	bob.ev.wait(t, "cheats from Alice: none; yours are off")
	// The host had no SRAM: Bob's file was moved aside, not lost.
	checkBackup(t, bob.dir, sramOf(9), nil)
	<-bob.done
	bob.mu.Lock()
	defer bob.mu.Unlock()
	if len(bob.got) != 0 {
		t.Errorf("bob's launcher got cheats %+v; the host has none", bob.got)
	}
}

// TestSyncRefusals: only the host syncs, a name must be a player, and a
// host without a ROM has nothing to send.
func TestSyncRefusals(t *testing.T) {
	ctx := context.Background()
	alice, _ := newTestSession(t, "Alice")
	bob, _ := newTestSession(t, "Bob")
	if err := alice.Sync(ctx, ""); !errors.Is(err, errOffline) {
		t.Errorf("offline sync: %v", err)
	}
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.Connect(ctx, loopbackFor("127.0.0.1", hosted.Port)); err != nil {
		t.Fatal(err)
	}
	if err := bob.Sync(ctx, ""); err == nil || !strings.Contains(err.Error(), "only the host") {
		t.Errorf("player's sync: %v", err)
	}
	if err := alice.Sync(ctx, ""); err == nil || !strings.Contains(err.Error(), "without a rom") {
		t.Errorf("sync without a rom: %v", err)
	}
	rows, err := alice.Check()
	if text := CheckText(rows, false); err != nil || !strings.Contains(text, "nothing to compare") {
		t.Errorf("check without a rom: %v\n%s", err, text)
	}
	if err := alice.Start(); err != nil {
		t.Errorf("start of the simulated game: %v", err)
	}
}

// TestLoadGameErrors: a bad ROM or an unknown cheat stops hosting or
// joining before anything is opened, saying which.
func TestLoadGameErrors(t *testing.T) {
	dir := t.TempDir()
	romPath, cheatPath := writeGameFiles(t, dir)
	notROM := filepath.Join(dir, "notes.txt")
	os.WriteFile(notROM, []byte("not a rom at all, just text"), 0o644)
	for _, tc := range []struct {
		name string
		set  func(e *Emulator)
		want string
	}{
		{"missing rom", func(e *Emulator) { e.ROM = filepath.Join(dir, "gone.z64") }, "rom: open"},
		{"not a rom", func(e *Emulator) { e.ROM = notROM }, "not an n64 rom"},
		{"unknown cheat", func(e *Emulator) { e.Cheats = []CheatChoice{{Name: "Fly"}} }, `cheat not in the cheat database`},
		{"option missing", func(e *Emulator) { e.Cheats = []CheatChoice{{Name: `Moon Jump\High`}} }, "option"},
		{"missing cheat file", func(e *Emulator) {
			e.Cheats, e.CheatFiles = []CheatChoice{{Name: "Infinite Lives"}}, []string{filepath.Join(dir, "none.txt")}
		}, "cheat_files: open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestSession(t, "Alice")
			e := &s.Settings.Emulator
			e.ROM, e.CheatFiles, e.SaveDir, e.DataDir = romPath, []string{cheatPath}, t.TempDir(), t.TempDir()
			tc.set(e)
			_, err := s.Serve(context.Background(), Server{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve: %v, want %q", err, tc.want)
			}
			if s.State().Phase != Offline {
				t.Errorf("in a session after the refusal")
			}
		})
	}
}

// TestCheatFileFormats: the same cheat in each database format resolves
// to the same hash.
func TestCheatFileFormats(t *testing.T) {
	dir := t.TempDir()
	romPath, cheatPath := writeGameFiles(t, dir)
	r, err := rom.Open(romPath)
	if err != nil {
		t.Fatal(err)
	}
	key := r.CheatKey()
	files := map[string]string{
		"mupencheat": cheatPath,
		"pj64-2":     fmt.Sprintf("[%s]\nName=NETPAK TEST\nCheat0=\"Infinite Lives\",80012345 0003\n", key),
		"pj64-3":     fmt.Sprintf("[%s]\nName=NETPAK TEST\n\n$Infinite Lives\n80012345 0003\n", key),
		"simple64":   fmt.Sprintf(`{"%s": {"Infinite Lives": {"data": ["80012345 0003"]}}}`, key),
	}
	var hashes []string
	for name, text := range files {
		path := text
		if name != "mupencheat" {
			path = filepath.Join(dir, name+".cht")
			os.WriteFile(path, []byte(text), 0o644)
		}
		e := Emulator{ROM: romPath, Saves: defaultSaves, SaveDir: t.TempDir(), DataDir: dir, CheatFiles: []string{path}, Cheats: []CheatChoice{{Name: "Infinite Lives"}}}
		g, err := e.loadGame()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mf, err := g.manifest()
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, mf.Cheats)
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] || h == "" {
			t.Errorf("cheat hashes differ between formats: %q", hashes)
		}
	}
}

func (s *Session) game() *game {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.game
}

func allKnown(s *Session, n int) bool {
	rows, err := s.Check()
	if err != nil || len(rows) != n {
		return false
	}
	for _, r := range rows {
		if !r.Known {
			return false
		}
	}
	return true
}

// checkBackup finds the one backup in dir and checks it holds old (SRAM,
// canonical) and that the current file holds cur; cur nil means the file
// is gone.
func checkBackup(t *testing.T, dir string, old, cur []byte) {
	t.Helper()
	baks, _ := filepath.Glob(filepath.Join(dir, "*.bak"))
	if len(baks) != 1 {
		t.Fatalf("backups in %s: %q", dir, baks)
	}
	b, err := os.ReadFile(baks[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := saves.WordsFromFile(saves.SRAM, b); !bytes.Equal(got.Data, old) {
		t.Errorf("backup %s does not hold the old save", baks[0])
	}
	cur0, _ := filepath.Glob(filepath.Join(dir, "*.sra"))
	switch {
	case cur == nil && len(cur0) != 0:
		t.Errorf("the save file is still there: %q", cur0)
	case cur != nil && len(cur0) != 1:
		t.Fatalf("save files: %q", cur0)
	case cur != nil:
		b, _ := os.ReadFile(cur0[0])
		if got := saves.WordsFromFile(saves.SRAM, b); !bytes.Equal(got.Data, cur) {
			t.Errorf("the save file does not hold the host's save")
		}
	}
}

// TestSyncSendsNothingForAnotherROM: saves and cheats belong to a ROM. A
// player who loaded another ROM is told to load the host's, by /check and
// /sync, and /sync sends them nothing: the host's SRAM written under the
// other game's name would replace that game's own save.
func TestSyncSendsNothingForAnotherROM(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	alice := newGamePlayer(t, "Alice", sramOf(1))
	bob := newGamePlayer(t, "Bob", nil)
	other := filepath.Join(t.TempDir(), "Other Game.z64")
	if err := os.WriteFile(other, romtest.Build(romtest.Options{Seed: 8}), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &bob.Settings.Emulator
	e.ROM = other
	g, err := e.loadGame()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.store.Write(saves.Component{Kind: saves.SRAM, Data: sramOf(2)}); err != nil {
		t.Fatal(err)
	}
	before := dirBytes(t, bob.dir)
	hostAndJoin(t, alice, bob)
	rows, _ := alice.Check()
	if text := CheckText(rows, false); !strings.Contains(text, "must load the host's ROM") {
		t.Errorf("/check does not say to load the host's ROM:\n%s", text)
	}
	if err := alice.Start(); err == nil || !strings.Contains(err.Error(), "Bob must load the host's ROM") {
		t.Errorf("start: %v", err)
	}
	if err := alice.Sync(ctx, ""); err == nil || !strings.Contains(err.Error(), "Bob: ROM differs from the host's; nothing sent") {
		t.Errorf("sync: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // anything sent would be written by now
	if after := dirBytes(t, bob.dir); !reflect.DeepEqual(after, before) {
		t.Errorf("Bob's save folder changed: %d files before, %d after", len(before), len(after))
	}
}

// dirBytes returns the contents of every file in dir by name.
func dirBytes(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// A host with host_wins and autostart syncs as its /start would: when
// autostart's players are in and one differs, it sends that player its
// save and cheats, and autostart starts the game once they match. Before,
// autostart only waited, naming Bob, until someone typed /start.
func TestHostWinsAtAutostart(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	alice := newGamePlayer(t, "Alice", sramOf(1))
	alice.Settings.HostWins, alice.Settings.AutoStart = true, 2
	bob := newGamePlayer(t, "Bob", sramOf(9), CheatChoice{Name: "Infinite Lives"})
	hostAndJoin(t, alice, bob)
	alice.ev.wait(t, "host_wins: sending the host's saves and cheats to the players who differ")
	bob.ev.wait(t, "SRAM from Alice: wrote ")
	bob.ev.wait(t, "cheats from Alice: none; yours are off")
	for _, p := range []*gamePlayer{alice, bob} {
		p.ev.wait(t, "the game started at poll 0")
	}
	checkBackup(t, bob.dir, sramOf(9), sramOf(1))
	// Once the game started, "sync done" would come after it.
	time.Sleep(3 * matchPoll)
	alice.ev.mu.Lock()
	defer alice.ev.mu.Unlock()
	started := false
	for _, line := range alice.ev.got {
		started = started || strings.Contains(line, "the game started")
		if started && strings.HasPrefix(line, "sync done") {
			t.Errorf("alice was told %q after the game started", line)
		}
	}
}

// What no sync can send stops autostart's host_wins, which says so once,
// not at every look, and starts nothing: Carol plays without a ROM. Bob,
// who differs in his save alone, still gets the host's.
func TestHostWinsAtAutostartSaysOnceWhatItCannotSend(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	alice := newGamePlayer(t, "Alice", sramOf(1))
	alice.Settings.HostWins, alice.Settings.AutoStart = true, 3
	bob := newGamePlayer(t, "Bob", sramOf(9))
	carol, _ := newTestSession(t, "Carol")
	serveAndJoin(t, alice.Session, bob.Session, carol)
	alice.ev.wait(t, "host_wins: /sync cannot fix everything: Carol plays without a ROM")
	bob.ev.wait(t, "SRAM from Alice: wrote ")
	time.Sleep(5 * autoSyncEvery)
	alice.ev.count(t, "host_wins: sending", 1)
	alice.ev.mu.Lock()
	defer alice.ev.mu.Unlock()
	for _, line := range alice.ev.got {
		if strings.Contains(line, "the game started") {
			t.Errorf("autostart started with Carol's simulated game: %q", line)
		}
	}
	if n := strings.Count(strings.Join(alice.ev.got, "\n"), "host_wins: sending"); n != 1 {
		t.Errorf("host_wins tried %d times, want once:\n%s", n, strings.Join(alice.ev.got, "\n"))
	}
}
