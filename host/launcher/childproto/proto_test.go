package childproto

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// TestMessageGolden pins the wire form of each child message and checks
// that it parses back to the same value.
func TestMessageGolden(t *testing.T) {
	tests := []struct {
		msg  Message
		wire string
	}{
		{Message{Kind: KindRunning}, `{"kind":"running"}`},
		{Message{Kind: KindWords, ID: 7, Words: []uint32{1, 0xFFFFFFFF}}, `{"kind":"words","id":7,"words":[1,4294967295]}`},
		{Message{Kind: KindWords, ID: 8, Err: "emulator not running"}, `{"kind":"words","id":8,"err":"emulator not running"}`},
		{Message{Kind: KindDone, Words: []uint32{0x4E505452}}, `{"kind":"done","words":[1313887314]}`},
		{Message{Kind: KindError, Err: "x", Code: "core"}, `{"kind":"error","err":"x","code":"core"}`},
		{Message{Kind: KindError, Err: "gone", Missing: &MissingError{What: "RSP plugin", Path: "/p", Package: "mupen64plus-rsp-hle"}},
			`{"kind":"error","err":"gone","missing":{"what":"RSP plugin","path":"/p","package":"mupen64plus-rsp-hle","detail":""}}`},
		{Message{Kind: KindValues, ID: 9, Values: []string{"1280", `"button(1)"`, ""}}, `{"kind":"values","id":9,"values":["1280","\"button(1)\"",""]}`},
		{Message{Kind: KindExit}, `{"kind":"exit"}`},
	}
	for _, tt := range tests {
		t.Run(tt.msg.Kind, func(t *testing.T) {
			b, err := json.Marshal(tt.msg)
			if err != nil || string(b) != tt.wire {
				t.Fatalf("marshal = %s, %v, want %s", b, err, tt.wire)
			}
			got, err := ParseMessage(b)
			if err != nil || !reflect.DeepEqual(got, tt.msg) {
				t.Errorf("parse = %+v, %v, want %+v", got, err, tt.msg)
			}
		})
	}
}

func TestRequestGolden(t *testing.T) {
	tests := []struct {
		req  Request
		wire string
	}{
		{Request{Op: OpStop}, `{"op":"stop"}`},
		{Request{Op: OpRead, ID: 3, Addrs: []uint32{0x100000, 0x100004}}, `{"op":"read","id":3,"addrs":[1048576,1048580]}`},
		{Request{Op: OpConfig, ID: 4, Keys: []emucfg.Key{{Section: "Video-General", Name: "ScreenWidth"}}}, `{"op":"config","id":4,"keys":[{"section":"Video-General","name":"ScreenWidth"}]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.req)
		if err != nil || string(b) != tt.wire {
			t.Fatalf("marshal = %s, %v, want %s", b, err, tt.wire)
		}
		got, err := ParseRequest(b)
		if err != nil || !reflect.DeepEqual(got, tt.req) {
			t.Errorf("parse = %+v, %v, want %+v", got, err, tt.req)
		}
	}
}

func TestParseRejects(t *testing.T) {
	requests := []string{
		``, `{`, `[]`, `{"op":"dance"}`, `{"op":"read"}`, `{"op":"read","addrs":[1]}`,
		`{"op":"read","addrs":[8388608]}`, `{"op":"stop","extra":1}`, `{"op":"stop"} {"op":"stop"}`,
		`{"op":"read","addrs":[` + strings.Repeat("0,", MaxReadAddrs) + `0]}`,
		`{"op":"config"}`, `{"op":"config","keys":[{"section":"","name":"x"}]}`, `{"op":"config","keys":[{"section":"a","name":"b\u0000"}]}`,
		`{"op":"config","keys":[` + strings.Repeat(`{"section":"a","name":"b"},`, maxKeys) + `{"section":"a","name":"b"}]}`,
	}
	for _, r := range requests {
		if _, err := ParseRequest([]byte(r)); err == nil {
			t.Errorf("ParseRequest(%.60q) succeeded", r)
		}
	}
	messages := []string{``, `{"kind":"party"}`, `{"kind":"error"}`, `{"kind":"exit","x":1}`}
	for _, m := range messages {
		if _, err := ParseMessage([]byte(m)); err == nil {
			t.Errorf("ParseMessage(%q) succeeded", m)
		}
	}
	if _, err := ParseConfig([]byte(`{"ROM":""}`)); !errors.Is(err, emucfg.ErrConfig) {
		t.Errorf("ParseConfig of an empty ROM = %v, want emucfg.ErrConfig", err)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c := emucfg.Config{
		ROM: "/r.z64", Headless: true, NetplayHost: "127.0.0.1", NetplayPort: 45000, Ports: []int{2},
		Cheats:   []emucfg.Cheat{{Name: "c", Codes: []emucfg.CheatCode{{Addr: 0x80000000, Value: 0xFFFF}}}},
		Settings: []emucfg.Setting{{Section: "Core", Name: "CountPerOp", Type: "int", Value: "2"}}, DoneAddr: 0x10000C,
		Logf: t.Logf,
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	c.Logf = nil
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip = %+v, want %+v", got, c)
	}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", MaxLine+1)
	tests := []struct {
		name  string
		input string
		lines []string
		err   error
	}{
		{"two lines", "a\nb\n", []string{"a", "b"}, io.EOF},
		{"unterminated", "a\nb", []string{"a"}, io.ErrUnexpectedEOF},
		{"longest allowed", strings.Repeat("y", MaxLine) + "\n", []string{strings.Repeat("y", MaxLine)}, io.EOF},
		{"too long", long + "\n", nil, errLineTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.input))
			for _, want := range tt.lines {
				got, err := ReadLine(r)
				if err != nil || string(got) != want {
					t.Fatalf("ReadLine = %.20q, %v, want %.20q", got, err, want)
				}
			}
			if _, err := ReadLine(r); !errors.Is(err, tt.err) {
				t.Errorf("last ReadLine error = %v, want %v", err, tt.err)
			}
		})
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{`{"op":"stop"}`, `{"op":"read","id":3,"addrs":[1048576]}`, `{"op":"read","addrs":[3]}`, `{`,
		`{"op":"config","id":4,"keys":[{"section":"Core","name":"R4300Emulator"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseRequest(b)
		if err != nil {
			return
		}
		if req.Op == OpRead && (len(req.Addrs) == 0 || emucfg.ValidateAddrs(req.Addrs) != nil) {
			t.Errorf("accepted a bad read %+v", req)
		}
		if req.Op == OpConfig && ValidateKeys(req.Keys) != nil {
			t.Errorf("accepted a bad config read %+v", req)
		}
	})
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{`{"kind":"running"}`, `{"kind":"words","id":1,"words":[1,2]}`,
		`{"kind":"error","err":"x","missing":{"what":"a","path":"b","package":"c","detail":""}}`, `{"kind":"exit"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		if m.Kind == KindError {
			if MessageError(m) == nil {
				t.Error("error message rebuilt as nil")
			}
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"ROM":"/r.z64"}`, `{"ROM":"/r","NetplayHost":"h","NetplayPort":1,"Ports":[1,2]}`,
		`{"ROM":"/r","Cheats":[{"Name":"c","Codes":[{"Addr":1,"Value":2}]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("ParseConfig accepted an invalid config: %v", err)
		}
	})
}

func TestChildErrorSentinels(t *testing.T) {
	for code, sentinel := range errorCodes {
		m := ErrorMessage(errors.Join(sentinel, errors.New("detail")))
		if m.Code != code {
			t.Errorf("code of %v = %q, want %q", sentinel, m.Code, code)
		}
		if err := MessageError(m); !errors.Is(err, sentinel) {
			t.Errorf("rebuilt %v does not match %v", err, sentinel)
		}
	}
	miss := &MissingError{What: "core library", Path: "x", Package: "libmupen64plus2"}
	if err := MessageError(ErrorMessage(miss)); !errors.Is(err, ErrMissing) {
		t.Errorf("rebuilt missing error %v does not match ErrMissing", err)
	}
}
