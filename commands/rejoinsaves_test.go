package commands

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/saves"
)

// heldLink stands between a joiner and its host on TCP: it forwards the
// first connection until cut, and every later one once released.
type heldLink struct {
	ln      net.Listener
	to      string
	mu      sync.Mutex
	first   []net.Conn // the first connection's two ends
	held    []net.Conn
	release chan struct{}
}

func newHeldLink(t *testing.T, to string) *heldLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &heldLink{ln: ln, to: to, release: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go l.accept()
	return l
}

func (l *heldLink) accept() {
	for n := 0; ; n++ {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		if n > 0 {
			go func() { <-l.release; l.forward(c, false) }()
			continue
		}
		l.forward(c, true)
	}
}

func (l *heldLink) forward(c net.Conn, first bool) {
	up, err := net.Dial("tcp", l.to)
	if err != nil {
		c.Close()
		return
	}
	if first {
		l.mu.Lock()
		l.first = []net.Conn{c, up}
		l.mu.Unlock()
	}
	go io.Copy(up, c)
	go io.Copy(c, up)
}

// cut closes the first connection at both ends.
func (l *heldLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.first {
		c.Close()
	}
}

// A player 1 who lost the host mid-game and rejoins replays the game from
// its first poll in a new emulator, which reads player 1's saves from
// disk: netpak puts back the saves the game started with first (the host
// keeps what player 1's emulator sent it then), keeping the player's
// newer file as a backup, and the emulator then catches up. Bob is player
// 1 with a real core on the test ROM, behind a link the test cuts; Ann
// plays the simulated game with the same ROM and saves. The test ROM
// neither reads nor writes its SRAM, so the test stands in for the game's
// write: it changes Bob's SRAM file while he is away.
func TestRejoiningPlayer1ReplaysFromTheStartSaves(t *testing.T) {
	bob, bobEv := emulatorSession(t, "Bob", func(e *Emulator) { e.SaveDir = t.TempDir() })
	ann, annEv := newTestSession(t, "Ann")
	ann.Settings.Emulator = bob.Settings.Emulator
	ann.Settings.Emulator.SaveDir = t.TempDir()
	ann.Play = playSimulated

	h := host.New(host.Config{Lag: 2, Logf: t.Logf})
	t.Cleanup(func() { h.Close() })
	ln, pc, port, err := listenPair("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	go h.Serve(ln, pc)
	link := newHeldLink(t, loopbackFor("127.0.0.1", port))

	ctx := context.Background()
	if err := bob.Connect(ctx, link.ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := ann.Connect(ctx, loopbackFor("127.0.0.1", port)); err != nil {
		t.Fatal(err)
	}
	// The game starts with the same SRAM on both.
	start := saves.Component{Kind: saves.SRAM, Data: sramOf(1)}
	bobStore := bob.cur.game.store
	for _, s := range []*Session{bob, ann} {
		if _, err := s.cur.game.receiveSave("the test", saves.SRAM, start.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	waitEmulatorRunning(t, bobEv)
	annEv.wait(t, "the game started at poll 0")
	time.Sleep(time.Second) // a game to replay

	link.cut()
	bobEv.waitAny(t, 10*time.Second, "rejoining ")
	annEv.waitAny(t, 10*time.Second, "Bob left")
	// Meanwhile the game wrote Bob's SRAM, as Bob's emulator would have.
	if _, err := bobStore.Write(saves.Component{Kind: saves.SRAM, Data: sramOf(2)}); err != nil {
		t.Fatal(err)
	}
	set, err := bobStore.Read()
	if err != nil {
		t.Fatal(err)
	}
	path := set[saves.SRAM].Path
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	close(link.release)

	said := bobEv.waitAny(t, 20*time.Second, "you rejoined as player 1", "could not put back")
	t.Log(said)
	if !strings.Contains(said, "wrote "+path+" (your old file is ") {
		t.Fatalf("Bob was told %q, want his SRAM put back", said)
	}
	if set, err = bobStore.Read(); err != nil {
		t.Fatal(err)
	}
	if set[saves.SRAM].Hash() != start.Hash() {
		t.Error("Bob's SRAM is not the game's start SRAM")
	}
	backups, _ := filepath.Glob(path + ".*.bak")
	kept := false
	for _, b := range backups {
		if data, _ := os.ReadFile(b); string(data) == string(written) {
			kept = true
		}
	}
	if !kept {
		t.Errorf("the SRAM the game wrote is in none of the backups %v", backups)
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "netpak", "emulator-Bob.log"))
			t.Logf("Bob's emulator log:\n%s", log[max(0, len(log)-3000):])
			t.Logf("Bob %+v catching up %v", bob.cur.c.Status(), bob.cur.c.CatchingUp())
			t.Logf("Ann %+v", ann.cur.c.Status())
			t.Logf("host %+v", h.Stats())
		}
	})
	bobEv.waitAny(t, 30*time.Second, "Bob caught up and plays again")
	if st := bob.cur.c.Status(); !st.Playing || !st.Ports.Has(0) {
		t.Errorf("Bob after the rejoin: %+v", st)
	}
}
