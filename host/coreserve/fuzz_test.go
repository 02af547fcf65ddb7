package coreserve_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/wire"
)

// FuzzServe feeds a core's byte stream to Serve, with a backend that has
// everything to answer at once. Whatever the bytes, Serve does not panic,
// and when the core hangs up it returns, having called Leave once.
func FuzzServe(f *testing.F) {
	var hs []byte
	for _, m := range []m64p.TCPMessage{
		m64p.RegisterPlayer{Player: 1, Plugin: m64p.PluginMempak, RegID: 7},
		m64p.ReceiveSettings{},
		m64p.ReceiveSave{File: m64p.SaveEEPROM},
		m64p.GetRegistration{},
		m64p.DisconnectNotice{RegID: 7},
	} {
		hs, _ = m.AppendTo(hs)
	}
	f.Add(hs)
	f.Add(hs[:len(hs)-3])
	p1, _ := m64p.SendSave{File: m64p.SaveEEPROM, Data: make([]byte, m64p.SaveEEPROM.Size())}.AppendTo(nil)
	f.Add(p1)
	f.Add([]byte{3, 0, 0, 0, 1})
	f.Add([]byte{0xe4, 1, 2})
	var g64 []byte // gopher64's player 2, then player 1's uploads
	for _, m := range []m64p.TCPMessage{
		m64p.RegisterPlayer{Player: 1, RegID: 2},
		m64p.GetRegistration{},
		m64p.ReceiveCustom{Slot: m64p.CustomRNG},
		m64p.ReceiveCustom{Slot: m64p.CustomRTC},
		m64p.ReceiveSizedSave{File: m64p.SaveImage},
		m64p.RegisterPlayer{Player: 0, RegID: 2},
		m64p.SendCustom{Slot: m64p.CustomRNG, Data: make([]byte, 8)},
		m64p.SendSave{File: m64p.SaveROM, Data: []byte{1, 2, 3}},
		m64p.SendSave{File: m64p.SaveEEPROM, Data: make([]byte, 512)},
	} {
		g64, _ = m.AppendTo(g64)
	}
	f.Add(g64)
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 1, 1, 'r', 'o', 'm', 0, 0xff, 0, 0, 0})
	sh := newShared()
	sh.st.PutSettings(m64p.Settings{EmuMode: 2})
	for _, file := range m64p.SaveFiles {
		sh.st.Put(coreserve.SaveKind(file), nil)
	}
	sh.st.PutSized(m64p.SaveImage, []byte{1})
	sh.st.PutSized(m64p.SaveROM, nil)
	sh.st.PutCustom(m64p.CustomRNG, make([]byte, 8))
	sh.st.PutCustom(m64p.CustomRTC, make([]byte, 8))
	close(sh.started)
	f.Fuzz(func(t *testing.T, stream []byte) {
		c, sc := net.Pipe()
		b := newBackend(sh)
		b.entered = make(chan string, len(stream)+1) // one wait per byte at most
		b.ended = make(chan error, len(stream)+1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			coreserve.Serve(context.Background(), &coreserve.Conn{Conn: sc, Backend: b, Logf: func(string, ...any) {}}, coreserve.NewReader(sc))
		}()
		go io.Copy(io.Discard, c) // the replies
		c.SetWriteDeadline(time.Now().Add(limit))
		c.Write(stream) // fails early if Serve stops reading
		c.Close()
		select {
		case <-done:
		case <-time.After(limit):
			t.Fatalf("Serve still runs after the core hung up")
		}
		if n := len(b.left); n != 1 {
			t.Fatalf("Leave called %d times, want once", n)
		}
		if why := <-b.left; why > wire.LeaveEmulator {
			t.Fatalf("Leave(%d): no reason", why)
		}
	})
}
