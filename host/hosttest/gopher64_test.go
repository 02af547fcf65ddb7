package hosttest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/host/m64p"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scriptServer accepts one connection and plays steps on it: each reads
// exactly want (when set) and then writes reply.
func scriptServer(t *testing.T, steps []struct{ want, reply []byte }) (netip.AddrPort, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		for i, s := range steps {
			got := make([]byte, len(s.want))
			if _, err := io.ReadFull(c, got); err != nil {
				done <- err
				return
			}
			if !bytes.Equal(got, s.want) {
				done <- fmt.Errorf("step %d: got %x, want %x", i, got, s.want)
				return
			}
			if _, err := c.Write(s.reply); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort(), done
}

type step = struct{ want, reply []byte }

// TestGopher64Player1Bytes: a Gopher64 player 1 sends exactly gopher64
// 1.1.22's bytes: register with plugin 0 and regid 1, ask for the
// registration, then RNG, RTC and six files of their own sizes.
func TestGopher64Player1Bytes(t *testing.T) {
	reg := make([]byte, m64p.RegistrationSize)
	eep := bytes.Repeat([]byte{0xee}, 512)
	img := bytes.Repeat([]byte{0x1a}, 3000)
	addr, done := scriptServer(t, []step{
		{mustHex(t, "05 00 00 00 00000001"), []byte{1, 2}},
		{[]byte{6}, reg},
		{mustHex(t, "41 00000008 0102030405060708 40 00000008 0000000069000000"), nil},
		{append(mustHex(t, "01 65657000 00000200"), eep...), nil},
		{mustHex(t, "01 73726100 00000000 01 666c6100 00000000 01 6d706b00 00000000"), nil},
		{append(mustHex(t, "01 696d6700 00000bb8"), img...), nil},
		{mustHex(t, "01 726f6d00 00000000"), nil},
	})
	cfg := FakeCoreConfig{Host: addr, Players: []uint8{0}, Gopher64: true, RNG: 0x0102030405060708, RTC: 0x69000000}
	cfg.SizedSaves[m64p.SaveEEPROM], cfg.SizedSaves[m64p.SaveImage] = eep, img
	c, err := NewFakeCore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, _, err := c.Handshake(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestGopher64Player2Bytes: a Gopher64 player 2 asks for RNG, RTC and the
// six files one at a time, and keeps what it is sent.
func TestGopher64Player2Bytes(t *testing.T) {
	steps := []step{
		{mustHex(t, "05 01 00 00 00000002"), []byte{1, 2}},
		{[]byte{6}, make([]byte, m64p.RegistrationSize)},
		{[]byte{129}, []byte("rngseed!")},
		{[]byte{128}, []byte("rtcclock")},
	}
	for i, f := range m64p.SizedSaveFiles {
		data := bytes.Repeat([]byte{byte(i)}, i*100)
		steps = append(steps, step{append(append([]byte{8}, f.Ext()...), 0), m64p.AppendSizedSave(nil, data)})
	}
	addr, done := scriptServer(t, steps)
	c, err := NewFakeCore(FakeCoreConfig{Host: addr, Players: []uint8{1}, Gopher64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, _, err := c.Handshake(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d := c.Gopher64Data()
	if string(d.RNG[:]) != "rngseed!" || string(d.RTC[:]) != "rtcclock" {
		t.Fatalf("RNG %q RTC %q", d.RNG, d.RTC)
	}
	for i, f := range m64p.SizedSaveFiles {
		if len(d.Saves[f]) != i*100 {
			t.Fatalf("%s: %d bytes, want %d", f, len(d.Saves[f]), i*100)
		}
	}
}

// TestGopher64Refusals: a Gopher64 core plays one player, its files are
// bounded, and it refuses a size beyond a file's bound from the server.
func TestGopher64Refusals(t *testing.T) {
	ap := netip.MustParseAddrPort("127.0.0.1:1")
	if _, err := NewFakeCore(FakeCoreConfig{Host: ap, Players: []uint8{0, 1}, Gopher64: true}); err == nil {
		t.Error("a gopher64 core with two players")
	}
	cfg := FakeCoreConfig{Host: ap, Players: []uint8{0}, Gopher64: true}
	cfg.SizedSaves[m64p.SaveEEPROM] = make([]byte, m64p.MaxSaveSize+1)
	if _, err := NewFakeCore(cfg); !errors.Is(err, m64p.ErrSaveSize) {
		t.Errorf("an eep over 128 KiB: %v", err)
	}
	addr, _ := scriptServer(t, []step{
		{mustHex(t, "05 01 00 00 00000002"), []byte{1, 2}},
		{[]byte{6}, make([]byte, m64p.RegistrationSize)},
		{[]byte{129}, make([]byte, 8)},
		{[]byte{128}, make([]byte, 8)},
		{mustHex(t, "08 65657000"), mustHex(t, "00020001")},
	})
	c, err := NewFakeCore(FakeCoreConfig{Host: addr, Players: []uint8{1}, Gopher64: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, _, _, err := c.Handshake(ctx); !errors.Is(err, m64p.ErrSaveSize) {
		t.Fatalf("handshake: %v, want ErrSaveSize", err)
	}
}
