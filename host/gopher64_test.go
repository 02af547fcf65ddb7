package host_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/host"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
)

// gopherSaves is a gopher64 player 1's files: an EEPROM of 4 Kbit, SRAM,
// no FlashRAM, four mempaks, an img archive and no rom.
func gopherSaves() [m64p.NumSaveFiles][]byte {
	fill := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i*13+i>>9)
		}
		return b
	}
	var s [m64p.NumSaveFiles][]byte
	s[m64p.SaveEEPROM] = fill(512, 1)
	s[m64p.SaveSRAM] = fill(m64p.SaveSRAM.Size(), 2)
	s[m64p.SaveMempak] = fill(m64p.SaveMempak.Size(), 4)
	s[m64p.SaveImage] = fill(300_000, 5)
	return s
}

// startGophers connects gopher64 fake cores, one per player, and runs
// their handshakes, which end when player 1's data has been sent or
// received.
func startGophers(t *testing.T, addr string, players ...uint8) ([]*hosttest.FakeCore, chan error) {
	t.Helper()
	ap := netip.MustParseAddrPort(addr)
	var cores []*hosttest.FakeCore
	done := make(chan error, len(players))
	for _, p := range players {
		cfg := hosttest.FakeCoreConfig{Host: ap, Players: []uint8{p}, Gopher64: true, Logf: t.Logf,
			HandshakeTimeout: 10 * time.Second}
		if p == 0 {
			cfg.RNG, cfg.RTC, cfg.SizedSaves = 0x5eed_0123_4567_89ab, 1_796_083_200, gopherSaves()
		}
		c, err := hosttest.NewFakeCore(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cores = append(cores, c)
		go func() {
			_, _, _, err := c.Handshake(t.Context())
			done <- err
		}()
	}
	return cores, done
}

const gopherLag = 3

// playGophers polls every core n times and checks that they consumed
// identical inputs.
func playGophers(t *testing.T, cores []*hosttest.FakeCore, n int) {
	t.Helper()
	pollAll(t.Context(), t, cores, n)
	if t.Failed() {
		t.FailNow()
	}
	h0 := cores[0].History()
	for i, c := range cores[1:] {
		for p, rec := range c.History() {
			if rec != h0[p] {
				t.Fatalf("poll %d: player 1 consumed %+v, player %d %+v", p, h0[p], i+2, rec)
			}
		}
	}
	for p := range 2 {
		if got, want := h0[n-1].Keys[p], coreKeys(p, n-1-gopherLag); got != want {
			t.Fatalf("player %d's last input %#x, want %#x", p+1, got, want)
		}
	}
}

// TestGopher64Game: two gopher64 1.1.22 cores play a game through the
// host. Both ask for their registration before player 1 sent anything, the
// game starts anyway, player 2 receives player 1's RNG seed, clock and six
// files byte for byte, and both consume identical inputs.
func TestGopher64Game(t *testing.T) {
	ts := startHost(t, host.Config{Lag: gopherLag, AutoStart: 2}, nil)
	cores, done := startGophers(t, ts.addr, 0, 1)
	waitHandshakes(t, 2, done)
	sent, got := cores[0].Gopher64Data(), cores[1].Gopher64Data()
	if binary.BigEndian.Uint64(got.RNG[:]) != 0x5eed_0123_4567_89ab || got.RTC != sent.RTC {
		t.Fatalf("player 2 got RNG %x and RTC %x, player 1 sent %x and %x", got.RNG, got.RTC, sent.RNG, sent.RTC)
	}
	for _, f := range m64p.SizedSaveFiles {
		if !bytes.Equal(got.Saves[f], sent.Saves[f]) || len(got.Saves[f]) != len(gopherSaves()[f]) {
			t.Fatalf("%s: player 2 got %d bytes, player 1 sent %d", f, len(got.Saves[f]), len(sent.Saves[f]))
		}
	}
	playGophers(t, cores, 300)
}

// TestGopher64Hostile: a stranger's and a player 2's uploads, oversized
// sizes and a flood of headers are refused and cost little, while an
// honest pair of gopher64 cores plays on to identical inputs.
func TestGopher64Hostile(t *testing.T) {
	ts := startHost(t, host.Config{Lag: gopherLag, AutoStart: 2}, nil)
	hostile := func(name string, msgs ...[]byte) {
		t.Helper()
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, m := range msgs {
			c.Write(m)
		}
		n, err := readUntilHangUp(c, 5*time.Second)
		if err != nil {
			t.Errorf("%s: the connection stayed open: %v", name, err)
		}
		if n > m64p.RegisterReplySize {
			t.Errorf("%s: the host answered %d bytes", name, n)
		}
	}
	reg := func(p uint8, id uint32) []byte {
		b, _ := m64p.RegisterPlayer{Player: p, RegID: id}.AppendTo(nil)
		return b
	}
	// Before the honest pair: nobody but player 1 uploads, and sizes are bounded.
	hostile("a stranger's RNG", []byte{65, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	hostile("player 3's RTC", reg(2, 3), []byte{64, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	hostile("player 4's 16 MiB rom", reg(3, 4), []byte{1, 'r', 'o', 'm', 0, 1, 0, 0, 0})
	hostile("player 1's 9-byte RNG", reg(0, 1), []byte{65, 0, 0, 0, 9})
	hostile("player 1's 17 MiB img", reg(0, 1), []byte{1, 'i', 'm', 'g', 0, 1, 0x10, 0, 0})
	hostile("player 1's custom slot over 64 KiB", reg(0, 1), []byte{66, 0, 1, 0, 1})
	hostile("player 1's eep over 128 KiB", reg(0, 1), []byte{1, 'e', 'e', 'p', 0, 0, 2, 0, 1})
	if n := len(ts.h.Members()); n != 0 {
		t.Fatalf("%d members after hostile cores left", n)
	}
	// A flood of headers announcing 16 MiB each from cores that hold no
	// player: each is refused at its first byte, before any data.
	var flood []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte{1, 'i', 'm', 'g', 0, 1, 0, 0, 0})
		flood = append(flood, c)
	}
	// Each refused before the honest pair dials: joining connections count
	// against their address's limit until the host hangs up.
	for i, c := range flood {
		if _, err := readUntilHangUp(c, 5*time.Second); err != nil {
			t.Fatalf("flood connection %d stayed open: %v", i+1, err)
		}
	}
	cores, done := startGophers(t, ts.addr, 0, 1)
	waitHandshakes(t, 2, done)
	// While they play: an oversized RNG and a 17 MiB img from a late
	// core, and player 2 sending player 1's data, are all refused.
	hostile("oversized rng", reg(2, 3), []byte{65, 0, 0, 0, 9})
	hostile("17 MiB img", []byte{1, 'i', 'm', 'g', 0, 1, 0x10, 0, 0})
	hostile("custom over 64 KiB", []byte{66, 0, 1, 0, 1})
	playGophers(t, cores, 300)
	if n := len(ts.h.Members()); n != 2 {
		t.Fatalf("%d members, want the 2 honest cores", n)
	}
}

// rawPlayer1 is gopher64's player 1 written by hand, to pace its uploads.
type rawPlayer1 struct {
	t *testing.T
	c net.Conn
}

func dialPlayer1(t *testing.T, addr string) *rawPlayer1 {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &rawPlayer1{t: t, c: c}
	p.send(m64p.RegisterPlayer{Player: 0, RegID: 1})
	p.recv(m64p.RegisterReplySize)
	p.send(m64p.GetRegistration{})
	return p
}

func (p *rawPlayer1) send(m m64p.TCPMessage) {
	p.t.Helper()
	b, err := m.AppendTo(nil)
	if err != nil {
		p.t.Fatal(err)
	}
	p.write(b)
}

func (p *rawPlayer1) write(b []byte) {
	p.t.Helper()
	p.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.c.Write(b); err != nil {
		p.t.Fatalf("player 1 write: %v", err)
	}
}

func (p *rawPlayer1) recv(n int) {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(p.c, make([]byte, n)); err != nil {
		p.t.Fatalf("player 1 read of %d bytes: %v", n, err)
	}
}

// TestGopher64SlowUpload: gopher64's players upload and download player
// 1's data after the start, saying nothing on UDP meanwhile. A slow upload
// of many times the drop timeout drops neither core.
func TestGopher64SlowUpload(t *testing.T) {
	const drop = 150 * time.Millisecond
	ts := startHost(t, host.Config{Lag: gopherLag, AutoStart: 2, DropTimeout: drop}, nil)
	p1 := dialPlayer1(t, ts.addr)
	cores, done := startGophers(t, ts.addr, 1)
	p1.recv(m64p.RegistrationSize) // the game started
	p1.send(m64p.SendCustom{Slot: m64p.CustomRNG, Data: make([]byte, 8)})
	p1.send(m64p.SendCustom{Slot: m64p.CustomRTC, Data: make([]byte, 8)})
	img := bytes.Repeat([]byte("slow"), 2500)
	for _, f := range m64p.SizedSaveFiles {
		if f != m64p.SaveImage {
			p1.send(m64p.SendSave{File: f, Data: []byte{}})
			continue
		}
		b, _ := m64p.SendSave{File: f, Data: img}.AppendTo(nil)
		for len(b) > 0 { // a slow uplink: the upload takes 5 drop timeouts
			n := min(len(b), 1000)
			p1.write(b[:n])
			b = b[n:]
			time.Sleep(drop / 2)
		}
	}
	waitHandshakes(t, 1, done)
	if got := cores[0].Gopher64Data().Saves[m64p.SaveImage]; !bytes.Equal(got, img) {
		t.Fatalf("player 2 got %d bytes of img, want %d", len(got), len(img))
	}
	if n := len(ts.h.Members()); n != 2 {
		t.Fatalf("%d members after the upload, want both cores", n)
	}
}

// TestGopher64Player1Leaves: when player 1 leaves the game before it sent
// its data, player 2's request ends instead of waiting for ever.
func TestGopher64Player1Leaves(t *testing.T) {
	ts := startHost(t, host.Config{Lag: gopherLag, AutoStart: 2}, nil)
	p1 := dialPlayer1(t, ts.addr)
	_, done := startGophers(t, ts.addr, 1)
	p1.recv(m64p.RegistrationSize)
	p1.c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, hosttest.ErrServerClosed) {
			t.Fatalf("player 2's handshake: %v, want the host to end it", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("player 2 still waits for the data of a player 1 that left")
	}
}

// TestGopher64NextGame: player 1's data is the game's; the next game's
// player 2 gets the next game's player 1's.
func TestGopher64NextGame(t *testing.T) {
	ts := startHost(t, host.Config{Lag: gopherLag, AutoStart: 2}, nil)
	for game := range 2 {
		ap := netip.MustParseAddrPort(ts.addr)
		var cores []*hosttest.FakeCore
		done := make(chan error, 2)
		for p := range uint8(2) {
			cfg := hosttest.FakeCoreConfig{Host: ap, Players: []uint8{p}, Gopher64: true, Logf: t.Logf, RNG: uint64(game + 10)}
			cfg.SizedSaves[m64p.SaveROM] = bytes.Repeat([]byte{byte(game)}, 100*(game+1))
			c, err := hosttest.NewFakeCore(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cores = append(cores, c)
			go func() { _, _, _, err := c.Handshake(t.Context()); done <- err }()
		}
		waitHandshakes(t, 2, done)
		got := cores[1].Gopher64Data()
		if binary.BigEndian.Uint64(got.RNG[:]) != uint64(game+10) || len(got.Saves[m64p.SaveROM]) != 100*(game+1) {
			t.Fatalf("game %d: player 2 got RNG %x and %d bytes of rom", game+1, got.RNG, len(got.Saves[m64p.SaveROM]))
		}
		playGophers(t, cores, 100)
		for _, c := range cores {
			c.Close()
		}
		hosttest.WaitFor(t, "the game to end", func() bool { return len(ts.h.Members()) == 0 })
	}
}
