package coreserve_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

func (b *backend) PutSizedSave(f m64p.SaveFile, data []byte) error {
	b.call("put sized " + f.Ext())
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	b.sh.st.PutSized(f, data)
	return nil
}

func (b *backend) SizedSave(ctx context.Context, f m64p.SaveFile) ([]byte, error) {
	if err := b.wait(ctx, "sized "+f.Ext(), b.sh.st.SizedReady(f)); err != nil {
		return nil, err
	}
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	d, _ := b.sh.st.Sized(f)
	return d, nil
}

func (b *backend) PutCustom(k uint8, data []byte) error {
	b.call("put custom")
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	b.sh.st.PutCustom(k, data)
	return nil
}

func (b *backend) Custom(ctx context.Context, k uint8) ([]byte, error) {
	if err := b.wait(ctx, "custom", b.sh.st.CustomReady(k)); err != nil {
		return nil, err
	}
	b.sh.mu.Lock()
	defer b.sh.mu.Unlock()
	d, _ := b.sh.st.Custom(k)
	return d, nil
}

func (b *backend) Busy(busy bool) {
	if busy {
		b.call("busy")
	} else {
		b.call("idle")
	}
}

// basicBackend hides backend's ExtBackend methods: a backend that serves
// mupen64plus-core only.
type basicBackend struct{ coreserve.Backend }

// TestServeGopher64 plays gopher64 1.1.22's TCP conversation: both cores
// ask for the registration at once; then player 1 uploads its RNG seed,
// its clock and six save files of their own sizes, and player 2, asking
// for each before it arrived, gets the same bytes.
func TestServeGopher64(t *testing.T) {
	sh := newShared()
	sh.reg = m64p.Registration{{RegID: 1, Plugin: 0}, {RegID: 2, Plugin: 0}}
	p1b, p2b := newBackend(sh), newBackend(sh)
	p1, p2 := serveCore(t, p1b, nil), serveCore(t, p2b, nil)
	for i, k := range []*core{p1, p2} {
		k.send(m64p.RegisterPlayer{Player: uint8(i), Plugin: 0, RegID: uint32(i + 1)})
		k.recv(m64p.RegisterReplySize)
		k.send(m64p.GetRegistration{})
		k.entered("registration")
	}
	close(sh.started)
	p1.recv(m64p.RegistrationSize)
	p2.recv(m64p.RegistrationSize)

	p2.send(m64p.ReceiveCustom{Slot: m64p.CustomRNG})
	p2.entered("custom")
	rng := binary.BigEndian.AppendUint64(nil, 0x0123456789abcdef)
	rtc := binary.BigEndian.AppendUint64(nil, 1_800_000_000)
	p1.send(m64p.SendCustom{Slot: m64p.CustomRNG, Data: rng})
	if got := p2.recv(8); !bytes.Equal(got, rng) {
		t.Fatalf("RNG %x, want %x", got, rng)
	}
	p1.send(m64p.SendCustom{Slot: m64p.CustomRTC, Data: rtc})
	p2.send(m64p.ReceiveCustom{Slot: m64p.CustomRTC})
	p2.entered("custom")
	if got := p2.recv(8); !bytes.Equal(got, rtc) {
		t.Fatalf("RTC %x, want %x", got, rtc)
	}
	sent := map[m64p.SaveFile][]byte{
		m64p.SaveEEPROM:   saveData(m64p.SaveEEPROM, 1)[:512],
		m64p.SaveSRAM:     saveData(m64p.SaveSRAM, 2),
		m64p.SaveFlashRAM: {},
		m64p.SaveMempak:   saveData(m64p.SaveMempak, 4),
		m64p.SaveImage:    bytes.Repeat([]byte("zip"), 200_000),
		m64p.SaveROM:      {},
	}
	for _, f := range m64p.SizedSaveFiles {
		p1.send(m64p.SendSave{File: f, Data: sent[f]})
		p2.send(m64p.ReceiveSizedSave{File: f})
		p2.entered("sized " + f.Ext())
		size := binary.BigEndian.Uint32(p2.recv(4))
		if got := p2.recv(int(size)); !bytes.Equal(got, sent[f]) {
			t.Fatalf("player 2 got %d bytes of %s, player 1 sent %d", len(got), f, len(sent[f]))
		}
	}
	p1.send(m64p.DisconnectNotice{RegID: 1})
	p1.left(wire.LeaveQuit)
	p2.send(m64p.DisconnectNotice{RegID: 2})
	p2.left(wire.LeaveQuit)
	want1 := []string{"register", "registration", "busy", "put custom", "idle", "busy", "put custom", "idle",
		"busy", "put sized eep", "idle", "busy", "put sra", "idle", "busy", "put sized fla", "idle",
		"busy", "put mpk", "idle", "busy", "put sized img", "idle", "busy", "put sized rom", "idle", "busy"}
	if got := p1b.Calls(); !slices.Equal(got, want1) {
		t.Errorf("player 1's backend calls\n%q, want\n%q", got, want1)
	}
}

// TestServeGopher64Refused: uploads from a core that is not player 1 end
// its connection before their data is read, and a backend without
// ExtBackend refuses gopher64's requests.
func TestServeGopher64Refused(t *testing.T) {
	for _, tt := range []struct {
		name  string
		basic bool
		p1    bool
		msg   []byte
	}{
		{"player 2 sends RNG", false, false, []byte{65, 0, 0, 0, 8}},
		{"player 2 sends RTC", false, false, []byte{64, 0, 0, 0, 8}},
		{"player 2 sends a 16 MiB rom header", false, false, []byte{1, 'r', 'o', 'm', 0, 1, 0, 0, 0}},
		{"player 2 sends settings", false, false, []byte{3}},
		{"player 1 sends a 9-byte RNG", false, true, []byte{65, 0, 0, 0, 9}},
		{"player 1 sends a 17 MiB img", false, true, []byte{1, 'i', 'm', 'g', 0, 1, 0x10, 0, 0}},
		{"no ExtBackend: receive RNG", true, false, []byte{129}},
		{"no ExtBackend: receive sized save", true, false, []byte{8, 'e', 'e', 'p', 0}},
		{"no ExtBackend: player 1 sends RNG", true, true, []byte{65, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sh := newShared()
			sh.st.PutCustom(m64p.CustomRNG, make([]byte, 8))
			b := newBackend(sh)
			k := serveCore(t, b, func(cc *coreserve.Conn) {
				if tt.basic {
					cc.Backend = basicBackend{b}
				}
			})
			if tt.p1 {
				k.register(0)
			} else {
				k.register(1)
			}
			k.write(tt.msg)
			k.left(wire.LeaveError)
			for _, c := range b.Calls() {
				if c != "register" && c != "custom" {
					t.Errorf("backend called: %q", b.Calls())
				}
			}
		})
	}
}

// TestServeLargeUploadTime: an upload beyond 128 KiB is given time in
// proportion to its size, so a gopher64 archive is not cut off by the
// message timeout meant for a mupen64plus save.
func TestServeLargeUploadTime(t *testing.T) {
	const msg = time.Second
	var dc *deadlineConn
	k := serveCore(t, newBackend(newShared()), func(cc *coreserve.Conn) {
		dc = &deadlineConn{Conn: cc.Conn}
		cc.Conn = dc
		cc.MsgTimeout = msg
		cc.Established = dc.established
	})
	k.register(0)
	k.write([]byte{1, 'r', 'o', 'm', 0, 1, 0, 0, 0, 1, 2, 3}) // 16 MiB announced
	// (16 MiB - 128 KiB) at 32 KiB/s is 508 s.
	least := time.Now().Add(400 * time.Second)
	hosttest.WaitFor(t, "the upload's deadline", func() bool {
		ds := dc.after(0)
		return len(ds) > 0 && ds[len(ds)-1].After(least)
	})
	k.c.Close()
	k.left(wire.LeaveLost)
}

// TestServeLargeReplyTime: a reply beyond 128 KiB is given time to be
// read in proportion to its size, as an upload is, so a gopher64 player 2
// on a slow line gets player 1's disk image whole.
func TestServeLargeReplyTime(t *testing.T) {
	sh := newShared()
	sh.reg = m64p.Registration{{RegID: 1, Plugin: 0}, {RegID: 2, Plugin: 0}}
	var dc *deadlineConn
	p1 := serveCore(t, newBackend(sh), nil)
	p2 := serveCore(t, newBackend(sh), func(cc *coreserve.Conn) {
		dc = &deadlineConn{Conn: cc.Conn}
		cc.Conn = dc
	})
	for i, k := range []*core{p1, p2} {
		k.send(m64p.RegisterPlayer{Player: uint8(i), Plugin: 0, RegID: uint32(i + 1)})
		k.recv(m64p.RegisterReplySize)
	}
	image := bytes.Repeat([]byte("disk"), 1<<19) // 2 MiB
	p1.send(m64p.SendSave{File: m64p.SaveImage, Data: image})
	p2.send(m64p.ReceiveSizedSave{File: m64p.SaveImage})
	p2.entered("sized img")
	// (2 MiB - 128 KiB) at 32 KiB/s is 60 s, beyond the 5 s of a reply.
	least := time.Now().Add(50 * time.Second)
	size := binary.BigEndian.Uint32(p2.recv(4))
	if got := p2.recv(int(size)); !bytes.Equal(got, image) {
		t.Fatalf("player 2 got %d bytes of the image, player 1 sent %d", len(got), len(image))
	}
	if d := dc.lastWrite(); d.Before(least) {
		t.Errorf("the image's reply had %v left to be read once it was: want about a minute from its request", time.Until(d).Round(time.Second))
	}
}
