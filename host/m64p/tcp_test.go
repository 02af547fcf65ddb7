package m64p

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// unhex decodes hex written with spaces for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad golden hex %q: %v", s, err)
	}
	return b
}

// pattern returns n bytes that differ from their neighbours, so a shifted
// or truncated copy is noticed.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// observedSettings is what the Debian core's P1 sent in the prototype
// (frontend-notes §2).
var observedSettings = Settings{CountPerOp: 2, SiDmaDuration: 0x900, EmuMode: 2}

var tcpGolden = []struct {
	name string
	msg  TCPMessage
	hex  string // the fixed part; SendSave data follows it
	data []byte
}{
	{"register p1", RegisterPlayer{Player: 0, Plugin: PluginNone, RegID: 0x1001}, "05 00 01 00 00001001", nil},
	{"register p4 raw mempak", RegisterPlayer{Player: 3, Plugin: PluginMempak, RawData: true, RegID: 0xdeadbee4}, "05 03 02 01 deadbee4", nil},
	{"send settings", SendSettings{Settings: observedSettings}, "03 00000002 00000000 00000000 00000900 00000002 00000000", nil},
	{"send settings negative dma", SendSettings{Settings: Settings{SiDmaDuration: -1, NoCompiledJump: 1, DisableExtraMem: 1, CountPerOpDenomPot: 3}}, "03 00000000 00000003 00000001 ffffffff 00000000 00000001", nil},
	{"receive settings", ReceiveSettings{}, "04", nil},
	{"receive mpk", ReceiveSave{File: SaveMempak}, "02 6d706b 00", nil},
	{"receive eep", ReceiveSave{File: SaveEEPROM}, "02 656570 00", nil},
	{"receive fla", ReceiveSave{File: SaveFlashRAM}, "02 666c61 00", nil},
	{"receive sra", ReceiveSave{File: SaveSRAM}, "02 737261 00", nil},
	{"send mpk", SendSave{File: SaveMempak, Data: pattern(131072)}, "01 6d706b 00 00020000", pattern(131072)},
	{"send eep", SendSave{File: SaveEEPROM, Data: pattern(2048)}, "01 656570 00 00000800", pattern(2048)},
	{"send fla", SendSave{File: SaveFlashRAM, Data: pattern(131072)}, "01 666c61 00 00020000", pattern(131072)},
	{"send sra", SendSave{File: SaveSRAM, Data: make([]byte, 32768)}, "01 737261 00 00008000", make([]byte, 32768)},
	{"get registration", GetRegistration{}, "06", nil},
	// gopher64 1.1.22: saves of their real sizes, img and rom, custom slots.
	{"send eep 512", SendSave{File: SaveEEPROM, Data: pattern(512)}, "01 656570 00 00000200", pattern(512)},
	{"send fla none", SendSave{File: SaveFlashRAM, Data: []byte{}}, "01 666c61 00 00000000", nil},
	{"send img", SendSave{File: SaveImage, Data: pattern(1000)}, "01 696d67 00 000003e8", pattern(1000)},
	{"send rom none", SendSave{File: SaveROM, Data: []byte{}}, "01 726f6d 00 00000000", nil},
	{"receive sized eep", ReceiveSizedSave{File: SaveEEPROM}, "08 656570 00", nil},
	{"receive sized rom", ReceiveSizedSave{File: SaveROM}, "08 726f6d 00", nil},
	{"send rng", SendCustom{Slot: CustomRNG, Data: pattern(8)}, "41 00000008", pattern(8)},
	{"send rtc", SendCustom{Slot: CustomRTC, Data: pattern(8)}, "40 00000008", pattern(8)},
	{"send custom 63", SendCustom{Slot: 63, Data: pattern(300)}, "7f 0000012c", pattern(300)},
	{"send custom 2 empty", SendCustom{Slot: 2, Data: []byte{}}, "42 00000000", nil},
	{"receive rtc", ReceiveCustom{Slot: CustomRTC}, "80", nil},
	{"receive rng", ReceiveCustom{Slot: CustomRNG}, "81", nil},
	{"receive custom 63", ReceiveCustom{Slot: 63}, "bf", nil},
	{"disconnect", DisconnectNotice{RegID: 0x2002}, "07 00002002", nil},
}

func TestTCPGolden(t *testing.T) {
	for _, tt := range tcpGolden {
		t.Run(tt.name, func(t *testing.T) {
			want := append(unhex(t, tt.hex), tt.data...)
			got, err := tt.msg.AppendTo([]byte{0xAA})
			if err != nil {
				t.Fatalf("AppendTo: %v", err)
			}
			if got[0] != 0xAA || !bytes.Equal(got[1:], want) {
				t.Fatalf("AppendTo = %x…, want %x…", head(got[1:]), head(want))
			}
			back, err := ParseTCPMessage(want)
			if err != nil {
				t.Fatalf("ParseTCPMessage: %v", err)
			}
			if !reflect.DeepEqual(back, tt.msg) {
				t.Fatalf("ParseTCPMessage = %+v, want %+v", back, tt.msg)
			}
		})
	}
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }

// TestReadTCPMessageStream reads every golden message from one stream, one
// byte per Read, as TCP may deliver them.
func TestReadTCPMessageStream(t *testing.T) {
	var stream []byte
	for _, tt := range tcpGolden {
		stream = append(append(stream, unhex(t, tt.hex)...), tt.data...)
	}
	r := bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(stream)), 16)
	for _, tt := range tcpGolden {
		m, err := ReadTCPMessage(r)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(m, tt.msg) {
			t.Fatalf("%s: got %+v", tt.name, m)
		}
	}
	if _, err := ReadTCPMessage(r); err != io.EOF {
		t.Fatalf("at end of stream: err = %v, want io.EOF", err)
	}
}

func TestTCPRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrLength},
		{"opcode 0", "00", ErrUnknownOp},
		{"opcode 9", "09", ErrUnknownOp},
		{"opcode 63", "3f", ErrUnknownOp},
		{"opcode 192", "c0", ErrUnknownOp},
		{"rtc of 1 byte", "40 00000001 00", ErrCustomSize},
		{"rng of 9 bytes", "41 00000009" + strings.Repeat("00", 9), ErrCustomSize},
		{"rng huge", "41 ffffffff", ErrCustomSize},
		{"custom over 64 KiB", "42 00010001", ErrCustomSize},
		{"custom truncated", "42 00000004 0102", ErrLength},
		{"custom size truncated", "42 0000", ErrLength},
		{"custom trailing", "81 00", ErrLength},
		{"receive sized unknown", "08 78797a 00", ErrUnknownSave},
		{"receive sized no nul", "08 696d67", ErrLength},
		{"receive sized too long", "08 " + strings.Repeat("61", 20) + " 00", ErrUnknownSave},
		{"receive img without size", "02 696d67 00", ErrUnknownSave},
		{"send img over 16 MiB", "01 696d67 00 01000001", ErrSaveSize},
		{"send rom huge", "01 726f6d 00 ffffffff", ErrSaveSize},
		{"send img truncated", "01 696d67 00 00000010 0102", ErrLength},
		{"netpak magic", "e4 00 00", ErrUnknownOp},
		{"register player 4", "05 04 01 00 00000001", ErrPlayer},
		{"register player 255", "05 ff 01 00 00000001", ErrPlayer},
		{"register rawdata 2", "05 00 01 02 00000001", ErrMalformed},
		{"register regid 0", "05 00 01 00 00000000", ErrMalformed},
		{"register truncated", "05 00 01", ErrLength},
		{"register trailing", "05 00 01 00 00000001 00", ErrLength},
		{"receive unknown ext", "02 78797a 00", ErrUnknownSave},
		{"receive full name", "02 67616d652e656570 00", ErrUnknownSave},
		{"receive empty ext", "02 00", ErrUnknownSave},
		{"receive no nul", "02 6d706b", ErrLength},
		{"receive ext too long", "02 " + strings.Repeat("61", 20) + " 00", ErrUnknownSave},
		{"send eep huge", "01 656570 00 ffffffff", ErrSaveSize},
		{"send sra over 128 KiB", "01 737261 00 00020001", ErrSaveSize},
		{"send eep truncated data", "01 656570 00 00000800 0102030405", ErrLength},
		{"send eep truncated size", "01 656570 00 0000", ErrLength},
		{"send unknown ext", "01 6d7063 00 00000800", ErrUnknownSave},
		{"settings truncated", "03" + strings.Repeat("00", 23), ErrLength},
		{"settings trailing", "03" + strings.Repeat("00", 25), ErrLength},
		{"receive settings trailing", "04 00", ErrLength},
		{"get registration trailing", "06 06", ErrLength},
		{"disconnect truncated", "07 000010", ErrLength},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseTCPMessage(unhex(t, tt.hex))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseTCPMessage = %+v, %v; want error %v", m, err, tt.want)
			}
			if m != nil {
				t.Fatalf("ParseTCPMessage returned %+v with an error", m)
			}
		})
	}
}

// TestReadTCPMessageTruncated checks that a stream ending inside a message
// reports io.ErrUnexpectedEOF, never a clean io.EOF.
func TestReadTCPMessageTruncated(t *testing.T) {
	for _, tt := range tcpGolden {
		full := append(unhex(t, tt.hex), tt.data...)
		for _, cut := range []int{1, len(full) / 2, len(full) - 1} {
			if cut <= 0 || cut >= len(full) {
				continue
			}
			_, err := ReadTCPMessage(bufio.NewReader(bytes.NewReader(full[:cut])))
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s cut at %d: err = %v, want io.ErrUnexpectedEOF", tt.name, cut, err)
			}
		}
	}
}

func TestTCPEncodeRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  TCPMessage
		want error
	}{
		{"register player 4", RegisterPlayer{Player: 4, RegID: 1}, ErrPlayer},
		{"register regid 0", RegisterPlayer{Player: 0}, ErrMalformed},
		{"send save over 128 KiB", SendSave{File: SaveSRAM, Data: make([]byte, MaxSaveSize+1)}, ErrSaveSize},
		{"send img over 16 MiB", SendSave{File: SaveImage, Data: make([]byte, MaxImageSize+1)}, ErrSaveSize},
		{"send save bad file", SendSave{File: 6, Data: nil}, ErrUnknownSave},
		{"receive save bad file", ReceiveSave{File: 9}, ErrUnknownSave},
		{"receive save img", ReceiveSave{File: SaveImage}, ErrUnknownSave},
		{"receive sized bad file", ReceiveSizedSave{File: 6}, ErrUnknownSave},
		{"send rng short", SendCustom{Slot: CustomRNG, Data: make([]byte, 7)}, ErrCustomSize},
		{"send custom over 64 KiB", SendCustom{Slot: 5, Data: make([]byte, MaxCustomSize+1)}, ErrCustomSize},
		{"send custom slot 64", SendCustom{Slot: 64}, ErrMalformed},
		{"receive custom slot 64", ReceiveCustom{Slot: 64}, ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.msg.AppendTo([]byte{1, 2})
			if !errors.Is(err, tt.want) {
				t.Fatalf("AppendTo err = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(b, []byte{1, 2}) {
				t.Fatalf("AppendTo changed b to %x on error", b)
			}
		})
	}
}

func TestReplyGolden(t *testing.T) {
	// The registration the prototype observed from the Debian core's
	// server (frontend-notes §2): P1 regid 0x1001, P2 0x2002, both
	// plugin 1, no raw data, slots 3 and 4 empty.
	reg := Registration{{RegID: 0x1001, Plugin: PluginNone}, {RegID: 0x2002, Plugin: PluginNone}}
	regHex := "00001001 01 00 00002002 01 00 00000000 00 00 00000000 00 00"
	if got := reg.AppendTo(nil); !bytes.Equal(got, unhex(t, regHex)) {
		t.Errorf("Registration.AppendTo = %x", got)
	}
	back, err := ParseRegistration(unhex(t, regHex))
	if err != nil || back != reg {
		t.Errorf("ParseRegistration = %+v, %v", back, err)
	}
	if !back[1].Present() || back[2].Present() {
		t.Errorf("Present: slot 2 %v, slot 3 %v", back[1].Present(), back[2].Present())
	}
	raw := Registration{3: {RegID: 0xffffffff, Plugin: PluginRaw, RawData: true}}
	rawHex := strings.Repeat("00", 18) + "ffffffff 05 01"
	if got := raw.AppendTo(nil); !bytes.Equal(got, unhex(t, rawHex)) {
		t.Errorf("raw Registration.AppendTo = %x", got)
	}

	setHex := "00000002 00000000 00000000 00000900 00000002 00000000"
	if got := observedSettings.AppendTo(nil); !bytes.Equal(got, unhex(t, setHex)) {
		t.Errorf("Settings.AppendTo = %x", got)
	}
	if s, err := ParseSettings(unhex(t, setHex)); err != nil || s != observedSettings {
		t.Errorf("ParseSettings = %+v, %v", s, err)
	}

	for _, tt := range []struct {
		r   RegisterReply
		hex string
	}{{RegisterReply{Accepted: true, BufferTarget: 2}, "01 02"}, {RegisterReply{}, "00 00"}, {RegisterReply{Accepted: true}, "01 00"}} {
		if got := tt.r.AppendTo(nil); !bytes.Equal(got, unhex(t, tt.hex)) {
			t.Errorf("%+v.AppendTo = %x, want %s", tt.r, got, tt.hex)
		}
		if r, err := ParseRegisterReply(unhex(t, tt.hex)); err != nil || r != tt.r {
			t.Errorf("ParseRegisterReply(%s) = %+v, %v", tt.hex, r, err)
		}
	}
}

func TestReplyRejects(t *testing.T) {
	for _, tt := range []struct {
		name  string
		parse func([]byte) error
		hex   string
		want  error
	}{
		{"register reply short", parseErr(ParseRegisterReply), "01", ErrLength},
		{"register reply long", parseErr(ParseRegisterReply), "01 02 03", ErrLength},
		{"register reply accepted 2", parseErr(ParseRegisterReply), "02 02", ErrMalformed},
		{"settings short", parseErr(ParseSettings), strings.Repeat("00", 23), ErrLength},
		{"settings long", parseErr(ParseSettings), strings.Repeat("00", 25), ErrLength},
		{"registration short", parseErr(ParseRegistration), strings.Repeat("00", 23), ErrLength},
		{"registration rawdata 7", parseErr(ParseRegistration), "00000001 01 07" + strings.Repeat("00", 18), ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.parse(unhex(t, tt.hex)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func parseErr[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

func TestSaveFiles(t *testing.T) {
	want := []struct {
		ext  string
		size int
	}{{"mpk", 131072}, {"eep", 2048}, {"fla", 131072}, {"sra", 32768}}
	for i, f := range SaveFiles {
		if f.Ext() != want[i].ext || f.Size() != want[i].size {
			t.Errorf("SaveFiles[%d] = %s %d, want %s %d", i, f.Ext(), f.Size(), want[i].ext, want[i].size)
		}
		if g, err := ParseSaveExt(want[i].ext); err != nil || g != f {
			t.Errorf("ParseSaveExt(%q) = %v, %v", want[i].ext, g, err)
		}
		if f.Size() > MaxSaveSize {
			t.Errorf("%s larger than MaxSaveSize", f)
		}
	}
	var s Saves
	s[SaveEEPROM] = make([]byte, 512)
	if err := s.Validate(); !errors.Is(err, ErrSaveSize) {
		t.Errorf("Validate of a 512-byte eep = %v, want ErrSaveSize", err)
	}
}

func TestOpStrings(t *testing.T) {
	if got := opGetRegistration.String(); got != "GET_REGISTRATION" {
		t.Errorf("String = %q", got)
	}
	if got := tcpOp(65).String(); got != "SEND_CUSTOM(1)" {
		t.Errorf("String = %q", got)
	}
	if got := tcpOp(128).String(); got != "RECEIVE_CUSTOM(0)" {
		t.Errorf("String = %q", got)
	}
	if got := tcpOp(99 + 100).String(); got != "tcpOp(199)" {
		t.Errorf("String = %q", got)
	}
	if got := kindKeyInfoServerGratis.String(); got != "KEY_INFO_SERVER_GRATUITOUS" {
		t.Errorf("String = %q", got)
	}
}

// TestSendSaveAllocatesAsDataArrives: a SEND_SAVE header announcing a
// 128 KiB FlashRAM save followed by few or no bytes and the end of the
// stream (as a client that stops sending leaves the reader waiting) costs
// memory for the bytes that came, not for the announced size.
func TestSendSaveAllocatesAsDataArrives(t *testing.T) {
	for _, header := range []string{
		"01 666c61 00 00020000", // fla, 128 KiB
		"01 726f6d 00 01000000", // gopher64's rom, 16 MiB
		"42 00010000",           // custom slot 2, 64 KiB
	} {
		allocatesAsDataArrives(t, unhex(t, header))
	}
}

func allocatesAsDataArrives(t *testing.T, header []byte) {
	for _, sent := range []int{0, 1, 1000, 40000} {
		stream := append(append([]byte(nil), header...), pattern(sent)...)
		const runs = 100
		readers := make([]*bufio.Reader, runs)
		for i := range readers {
			readers[i] = bufio.NewReaderSize(bytes.NewReader(stream), 16)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, r := range readers {
			if _, err := ReadTCPMessage(r); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%d bytes of data: err = %v, want io.ErrUnexpectedEOF", sent, err)
			}
		}
		runtime.ReadMemStats(&after)
		perRead := int(after.TotalAlloc-before.TotalAlloc) / runs
		t.Logf("header %x and %d bytes: %d bytes allocated per read", header, sent, perRead)
		// The buffer doubles as data arrives, so every size it had adds up
		// to at most 4 times what was sent; the error needs a few hundred.
		if limit := 4*sent + minGrow + 1024; perRead > limit {
			t.Errorf("header %x and %d bytes: %d bytes allocated per read, want at most %d", header, sent, perRead, limit)
		}
	}
}

// TestUploadSize: the size an upload's header announces, read without
// consuming it, and 0 for other messages.
func TestUploadSize(t *testing.T) {
	for _, tt := range []struct {
		hex  string
		want int
	}{
		{"01 656570 00 00000800", 2048},
		{"01 726f6d 00 00a00000", 10 << 20},
		{"01 726f6d 00 ffffffff", MaxImageSize}, // rejected by the reader
		{"41 00000008", 8},
		{"7f ffffffff", MaxCustomSize},
		{"01 " + strings.Repeat("61", 12) + " 00 00000008", 0}, // no extension: the reader rejects it
		{"06", 0},
		{"81", 0},
		{"05 00 01 00 00000001", 0},
	} {
		b := unhex(t, tt.hex)
		r := bufio.NewReaderSize(bytes.NewReader(b), 64)
		got, err := UploadSize(r)
		if err != nil || got != tt.want {
			t.Errorf("UploadSize(%s) = %d, %v; want %d", tt.hex, got, err, tt.want)
		}
		if r.Buffered() != len(b) {
			t.Errorf("UploadSize(%s) consumed bytes", tt.hex)
		}
	}
	r := bufio.NewReader(bytes.NewReader(unhex(t, "01 656570 00 0000")))
	if _, err := UploadSize(r); !errors.Is(err, io.EOF) {
		t.Errorf("UploadSize of a cut header: err = %v, want io.EOF", err)
	}
	for b, want := range map[byte]bool{1: true, 3: true, 64: true, 127: true, 2: false, 5: false, 8: false, 128: false, 0xe4: false} {
		if IsUpload(b) != want {
			t.Errorf("IsUpload(%d) = %v", b, !want)
		}
	}
}

func TestAppendSizedSave(t *testing.T) {
	if got := AppendSizedSave([]byte{9}, []byte{1, 2, 3}); !bytes.Equal(got, unhex(t, "09 00000003 010203")) {
		t.Errorf("AppendSizedSave = %x", got)
	}
	if got := AppendSizedSave(nil, nil); !bytes.Equal(got, unhex(t, "00000000")) {
		t.Errorf("AppendSizedSave of no file = %x", got)
	}
	for _, f := range SizedSaveFiles {
		if f.MaxSize() < f.Size() || f.MaxSize() == 0 {
			t.Errorf("%s: MaxSize %d, Size %d", f, f.MaxSize(), f.Size())
		}
	}
}
