package m64p

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func syncHex() string {
	var s strings.Builder
	s.WriteString("04 0000003c")
	for i := range CP0Words {
		fmt.Fprintf(&s, " %08x", uint32(i)<<24|uint32(i))
	}
	return s.String()
}

func syncValue() SyncData {
	m := SyncData{VI: 60}
	for i := range m.CP0 {
		m.CP0[i] = uint32(i)<<24 | uint32(i)
	}
	return m
}

// udpGolden lists every datagram with its bytes per research §1.7.
var udpGolden = []struct {
	name string
	msg  any
	hex  string
}{
	{"key info client", KeyInfoClient{Player: 2, Count: 0x01020304, Keys: 0x80000010, Plugin: PluginNone}, "00 02 01020304 80000010 01"},
	{"key info client p4 rumble", KeyInfoClient{Player: 3, Count: 0xffffffff, Plugin: PluginRumblePak}, "00 03 ffffffff 00000000 03"},
	{"input request", InputRequest{Player: 3, RegID: 0x1001, Count: 7, BufferSize: 2}, "02 03 00001001 00000007 00 02"},
	{"input request spectator", InputRequest{Player: 0, Count: 0x100, Spectator: true, BufferSize: 255}, "02 00 00000000 00000100 01 ff"},
	{"key info server", KeyInfoServer{Player: 1, Status: StatusDesync | PlayerGone(1), Lag: 3, Events: []Event{{5, 0xaabbccdd, PluginNone}, {6, 0, PluginMempak}}},
		"01 01 05 03 02 00000005 aabbccdd 01 00000006 00000000 02"},
	{"key info server empty", KeyInfoServer{Player: 3, Lag: 255}, "01 03 00 ff 00"},
	{"key info gratuitous", KeyInfoServer{Gratuitous: true, Player: 0, Status: PlayerGone(3), Events: []Event{{0x10, 1, PluginNone}}},
		"03 00 10 00 01 00000010 00000001 01"},
	{"sync data", syncValue(), syncHex()},
}

func appendAny(t *testing.T, msg any, b []byte) []byte {
	t.Helper()
	var err error
	switch m := msg.(type) {
	case KeyInfoClient:
		b, err = m.AppendTo(b)
	case InputRequest:
		b, err = m.AppendTo(b)
	case KeyInfoServer:
		b, err = m.AppendTo(b)
	case SyncData:
		b = m.AppendTo(b)
	default:
		t.Fatalf("no encoder for %T", msg)
	}
	if err != nil {
		t.Fatalf("AppendTo: %v", err)
	}
	return b
}

func parseAny(b []byte) (any, error) {
	if len(b) > 0 && (b[0] == 1 || b[0] == 3) {
		return ParseKeyInfoServer(b)
	}
	return ParseClientDatagram(b)
}

func TestUDPGolden(t *testing.T) {
	for _, tt := range udpGolden {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.hex)
			got := appendAny(t, tt.msg, []byte{0xAA})
			if got[0] != 0xAA || !bytes.Equal(got[1:], want) {
				t.Fatalf("AppendTo = %x, want %x", got[1:], want)
			}
			back, err := parseAny(want)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !reflect.DeepEqual(back, tt.msg) {
				t.Fatalf("parse = %+v, want %+v", back, tt.msg)
			}
			client := want[0] == 0 || want[0] == 2 || want[0] == 4
			if IsM64PDatagram(want) != client {
				t.Fatalf("IsM64PDatagram = %v, want %v", !client, client)
			}
		})
	}
}

func TestKeyInfoServerLimits(t *testing.T) {
	full := KeyInfoServer{Player: 0, Events: make([]Event, MaxEvents)}
	b, err := full.AppendTo(nil)
	if err != nil {
		t.Fatalf("%d events: %v", MaxEvents, err)
	}
	if len(b) > MaxDatagram || len(b) != 5+9*MaxEvents {
		t.Fatalf("%d events make %d bytes", MaxEvents, len(b))
	}
	if _, err := ParseKeyInfoServer(b); err != nil {
		t.Fatalf("parse full datagram: %v", err)
	}
	over := KeyInfoServer{Events: make([]Event, MaxEvents+1)}
	if b, err := over.AppendTo([]byte{9}); !errors.Is(err, ErrLength) || len(b) != 1 {
		t.Fatalf("%d events: %x, %v; want ErrLength and b unchanged", MaxEvents+1, b, err)
	}
	for _, m := range []interface{ AppendTo([]byte) ([]byte, error) }{
		KeyInfoServer{Player: 4}, KeyInfoClient{Player: 4}, InputRequest{Player: 200},
	} {
		if _, err := m.AppendTo(nil); !errors.Is(err, ErrPlayer) {
			t.Errorf("%+v: err = %v, want ErrPlayer", m, err)
		}
	}
}

func TestUDPRejects(t *testing.T) {
	oversized := "01 00 00 00 39" + strings.Repeat(" 000000000000000000", 57)
	for _, tt := range []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrLength},
		{"type 1 to server", "01 00 00 00 00", ErrUnknownOp},
		{"type 5", "05 00", ErrUnknownOp},
		{"netpak magic", "e4 01 02 03", ErrUnknownOp},
		{"key info short", "00 02 01020304 80000010", ErrLength},
		{"key info long", "00 02 01020304 80000010 01 00", ErrLength},
		{"key info player 4", "00 04 01020304 80000010 01", ErrPlayer},
		{"request short", "02 03 00001001 00000007 00", ErrLength},
		{"request player 255", "02 ff 00001001 00000007 00 02", ErrPlayer},
		{"request spectator 2", "02 00 00001001 00000007 02 02", ErrMalformed},
		{"sync short", syncHex()[:len(syncHex())-2], ErrLength},
		{"sync long", syncHex() + "00", ErrLength},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.hex)
			m, err := ParseClientDatagram(b)
			if !errors.Is(err, tt.want) || m != nil {
				t.Fatalf("ParseClientDatagram = %+v, %v; want error %v", m, err, tt.want)
			}
			if IsM64PDatagram(b) && !errors.Is(err, ErrPlayer) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("IsM64PDatagram accepted %x", b)
			}
		})
	}
	for _, tt := range []struct {
		name string
		hex  string
		want error
	}{
		{"short header", "01 00 00 00", ErrLength},
		{"client type", "00 02 01020304 80000010 01", ErrUnknownOp},
		{"player 4", "01 04 00 00 00", ErrPlayer},
		{"count says 2, has 1", "01 00 00 00 02 00000005 aabbccdd 01", ErrLength},
		{"count says 0, has 1", "01 00 00 00 00 00000005 aabbccdd 01", ErrLength},
		{"half event", "03 00 00 00 01 00000005 aabb", ErrLength},
		{"over 512 bytes", oversized, ErrLength},
	} {
		t.Run("server "+tt.name, func(t *testing.T) {
			m, err := ParseKeyInfoServer(unhex(t, tt.hex))
			if !errors.Is(err, tt.want) || m.Events != nil {
				t.Fatalf("ParseKeyInfoServer = %+v, %v; want error %v", m, err, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	s := StatusDesync | PlayerGone(0) | PlayerGone(3)
	if byte(s) != 0x13 {
		t.Fatalf("status byte %#x, want 0x13", byte(s))
	}
	if !s.Desynced() || !s.Disconnected(0) || s.Disconnected(1) || !s.Disconnected(3) || s.Disconnected(4) {
		t.Fatalf("status %#x decoded wrongly", byte(s))
	}
	if PlayerGone(4) != 0 {
		t.Fatal("PlayerGone(4) set a bit")
	}
}

func TestProtocolDetection(t *testing.T) {
	for b := 0; b < 256; b++ {
		want := b >= 1 && b <= 7
		if IsM64PTCP(byte(b)) != want {
			t.Errorf("IsM64PTCP(%#x) = %v", b, !want)
		}
	}
	if IsM64PTCP(0xE4) {
		t.Error("netpak's 0xE4 taken for m64p")
	}
	for _, b := range [][]byte{nil, {0xE4}, append([]byte{0xE4}, make([]byte, 10)...), make([]byte, 12)} {
		if IsM64PDatagram(b) {
			t.Errorf("IsM64PDatagram(%x) = true", b)
		}
	}
}
