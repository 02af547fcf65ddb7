package lobbymsg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// rmgCreate is request_create_room as RMG writes it: QJsonDocument's
// indented form, authTime as a string.
// testROM is the MD5 these tests' rooms play.
const testROM = "0123456789ABCDEF0123456789ABCDEF"

const rmgCreate = `{
    "auth": "9f2c",
    "authTime": "1764880000000",
    "client_sha": "v0.8.3",
    "emulator": "RMG",
    "netplay_version": 17,
    "player_name": "alice",
    "room": {
        "MD5": "0123456789ABCDEF0123456789ABCDEF",
        "features": {
            "gfx_plugin": "GLideN64",
            "rsp_plugin": "Hacktarux/Azimer High-Level Emulation RSP Plugin"
        },
        "game_name": "Test Game (U)",
        "password": "",
        "room_name": "Friday Room"
    },
    "type": "request_create_room"
}
`

func TestDecodeRMGRequest(t *testing.T) {
	r, err := lobbymsg.DecodeRequest([]byte(rmgCreate))
	if err != nil {
		t.Fatal(err)
	}
	want := lobbymsg.Request{Type: lobbymsg.TypeCreateRoom, PlayerName: "alice", ClientSHA: "v0.8.3", Emulator: "RMG",
		AuthTime: "1764880000000", Auth: "9f2c", NetplayVersion: lobbymsg.VersionAPI, Room: &lobbymsg.Room{
			RoomName: "Friday Room", GameName: "Test Game (U)", MD5: testROM,
			Features: map[string]string{"gfx_plugin": "GLideN64", "rsp_plugin": "Hacktarux/Azimer High-Level Emulation RSP Plugin"}}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", r, want)
	}
	if ms, ok := r.AuthTime.Millis(); !ok || ms != 1764880000000 {
		t.Errorf("authTime %d %v", ms, ok)
	}
	n, err := lobbymsg.DecodeRequest([]byte(`{"type":"request_get_rooms","authTime":1764880000000}`))
	if err != nil || n.AuthTime != "1764880000000" {
		t.Errorf("authTime as a number: %q, %v", n.AuthTime, err)
	}
}

// Replies are the JSON clients read; the password never leaves.
func TestEncodeReply(t *testing.T) {
	names := [4]string{"alice", "bob"}
	cases := []struct {
		r    lobbymsg.Reply
		want string
	}{
		{lobbymsg.Reply{Type: "reply_get_rooms", Rooms: []lobbymsg.Room{{RoomName: "R", GameName: "G", MD5: testROM, Port: 45001, Protected: true}}},
			`{"type":"reply_get_rooms","accept":0,"rooms":[{"room_name":"R","game_name":"G","MD5":"` + testROM + `","port":45001,"protected":true}]}`},
		{lobbymsg.Reply{Type: "reply_create_room", Room: &lobbymsg.Room{RoomName: "R", Port: 1}},
			`{"type":"reply_create_room","accept":0,"room":{"room_name":"R","game_name":"","port":1,"protected":false}}`},
		{lobbymsg.Reply{Type: "reply_players", PlayerNames: &names},
			`{"type":"reply_players","accept":0,"player_names":["alice","bob","",""]}`},
		{lobbymsg.Reply{Type: "reply_join_room", Accept: lobbymsg.BadPassword, Message: "wrong password"},
			`{"type":"reply_join_room","accept":1,"message":"wrong password"}`},
	}
	for _, tc := range cases {
		if got := string(lobbymsg.Encode(tc.r)); got != tc.want {
			t.Errorf("encoded\n%s\nwant\n%s", got, tc.want)
		}
		back, err := lobbymsg.DecodeReply([]byte(tc.want))
		if err != nil || !reflect.DeepEqual(back, tc.r) {
			t.Errorf("decoded back %+v, %v", back, err)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name, in string
		want     error
	}{
		{"oversized", `{"type":"request_chat_message","message":"` + long(lobbymsg.MaxMessage) + `"}`, lobbymsg.ErrTooLong},
		{"not JSON", `{"type":`, lobbymsg.ErrMalformed},
		{"two values", `{"type":"request_motd"}{}`, lobbymsg.ErrMalformed},
		{"an array", `["request_motd"]`, lobbymsg.ErrMalformed},
		{"no type", `{"player_name":"x"}`, lobbymsg.ErrMalformed},
		{"a reply type", `{"type":"reply_motd"}`, lobbymsg.ErrMalformed},
		{"bad MD5", `{"type":"request_join_room","room":{"MD5":"xyz"}}`, lobbymsg.ErrMalformed},
		{"a name with a tab", `{"type":"request_join_room","player_name":"a\tb"}`, lobbymsg.ErrMalformed},
		{"a long name", `{"type":"request_join_room","player_name":"` + long(129) + `"}`, lobbymsg.ErrMalformed},
		{"a long name of wide characters", `{"type":"request_join_room","player_name":"` + strings.Repeat("部", 129) + `"}`, lobbymsg.ErrMalformed},
		{"a control character", `{"type":"request_create_room","room":{"room_name":"a\u0007"}}`, lobbymsg.ErrMalformed},
		{"a long chat", `{"type":"request_chat_message","message":"` + long(257) + `"}`, lobbymsg.ErrMalformed},
		{"a port out of range", `{"type":"request_join_room","room":{"port":70000}}`, lobbymsg.ErrMalformed},
		{"a port of the wrong type", `{"type":"request_join_room","room":{"port":"1"}}`, lobbymsg.ErrMalformed},
		{"letters in authTime", `{"type":"request_get_rooms","authTime":"12ab"}`, lobbymsg.ErrMalformed},
		{"not UTF-8", "{\"type\":\"request_motd\",\"message\":\"\xff\"}", lobbymsg.ErrMalformed},
		{"a long netplay_version", `{"type":"request_get_rooms","netplay_version":"` + long(lobbymsg.MaxVersion+1) + `"}`, lobbymsg.ErrMalformed},
		{"a netplay_version of 11 digits", `{"type":"request_get_rooms","netplay_version":12345678901}`, lobbymsg.ErrMalformed},
		{"a negative netplay_version", `{"type":"request_get_rooms","netplay_version":-17}`, lobbymsg.ErrMalformed},
		{"a netplay_version that is no number or string", `{"type":"request_get_rooms","netplay_version":true}`, lobbymsg.ErrMalformed},
		{"a netplay_version with a newline", `{"type":"request_get_rooms","netplay_version":"MPN\n1"}`, lobbymsg.ErrMalformed},
		{"a buffer below 0", `{"type":"update_buffer_size","buffer_size":-1}`, lobbymsg.ErrMalformed},
		{"a buffer beyond any lag", `{"type":"update_buffer_size","buffer_size":256}`, lobbymsg.ErrMalformed},
		{"another update", `{"type":"update_room"}`, lobbymsg.ErrMalformed},
		{"too many features", `{"type":"request_edit_room","room":{"features":{` + manyFeatures(17) + `}}}`, lobbymsg.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lobbymsg.DecodeRequest([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func manyFeatures(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":"v"`)
	}
	return b.String()
}

func TestCheckAuth(t *testing.T) {
	const now = 1764880000000
	ok := lobbymsg.Request{AuthTime: "1764880000000"}
	ok.Auth = lobbymsg.AuthHash(ok.AuthTime, "RMG")
	if err := lobbymsg.CheckAuth(&ok, "RMG", now+60_000); err != nil {
		t.Fatalf("RMG's auth refused: %v", err)
	}
	for name, tc := range map[string]struct {
		r      lobbymsg.Request
		secret string
		now    int64
	}{
		"wrong secret": {ok, "simple64", now},
		"stale":        {ok, "RMG", now + lobbymsg.AuthWindow + 1},
		"no time":      {lobbymsg.Request{Auth: ok.Auth}, "RMG", now},
		"wrong hash":   {lobbymsg.Request{AuthTime: ok.AuthTime, Auth: strings.Repeat("0", 64)}, "RMG", now},
	} {
		if err := lobbymsg.CheckAuth(&tc.r, tc.secret, tc.now); !errors.Is(err, lobbymsg.ErrAuth) {
			t.Errorf("%s: %v, want ErrAuth", name, err)
		}
	}
}

// gopherCreate is request_create_room as gopher64 1.1.22 writes it:
// every absent field null, no client_sha in its room list request.
const gopherCreate = `{"type":"request_create_room","player_name":"gus","client_sha":"v1.1.22","netplay_version":17,` +
	`"emulator":"gopher64","room":{"room_name":"G room","password":null,"protected":null,"MD5":"0123456789ABCDEF0123456789ABCDEF",` +
	`"game_name":"Test","port":null,"features":{"overclock":"false"},"buffer_target":null},"accept":null,"message":null,` +
	`"auth":"ab","player_names":null,"authTime":"1764880000000","rooms":null}`

func TestDecodeGopher64Request(t *testing.T) {
	r, err := lobbymsg.DecodeRequest([]byte(gopherCreate))
	if err != nil {
		t.Fatal(err)
	}
	if r.Emulator != "gopher64" || r.Room == nil || r.Room.RoomName != "G room" || r.Room.Password != "" ||
		r.Room.Features["overclock"] != "false" || r.AuthTime != "1764880000000" {
		t.Fatalf("decoded %+v room %+v", r, r.Room)
	}
	n, err := lobbymsg.DecodeRequest([]byte(`{"type":"request_get_rooms","client_sha":null,"authTime":null}`))
	if err != nil || n.ClientSHA != "" || n.AuthTime != "" {
		t.Fatalf("nulls: %+v, %v", n, err)
	}
}

// mpnGetRooms and mpnBuffer are what Mupen-MPN (the Mario Party Netplay
// community's RMG) sends: RMG's messages with netplay_version a string,
// and the buffer its room's creator sets, in a message of its own.
const (
	mpnGetRooms = `{"type":"request_get_rooms","client_sha":"7736528a","emulator":"RMG",` +
		`"netplay_version":"MPNServer-1","authTime":"1764880000000","auth":"ab"}`
	mpnBuffer = `{"buffer_size":3,"type":"update_buffer_size"}`
)

func TestDecodeMPNRequests(t *testing.T) {
	r, err := lobbymsg.DecodeRequest([]byte(mpnGetRooms))
	if err != nil {
		t.Fatal(err)
	}
	if r.NetplayVersion != lobbymsg.VersionMPN || !r.NetplayVersion.Known() {
		t.Errorf("netplay_version %q", r.NetplayVersion)
	}
	b, err := lobbymsg.DecodeRequest([]byte(mpnBuffer))
	if err != nil || b.Type != lobbymsg.TypeBufferSize || b.BufferSize != 3 {
		t.Errorf("buffer: %+v, %v", b, err)
	}
	for v, known := range map[lobbymsg.Version]bool{"17": true, "MPNServer-1": true, "16": false, "MPN-4": false, "": false} {
		if v.Known() != known {
			t.Errorf("%q known: %v, want %v", v, !known, known)
		}
	}
}

// A version of digits goes out as a number, as RMG and simple64 read it;
// any other as a string.
func TestEncodeVersion(t *testing.T) {
	for v, want := range map[lobbymsg.Version]string{
		lobbymsg.VersionAPI: `{"type":"request_get_rooms","netplay_version":17}`,
		lobbymsg.VersionMPN: `{"type":"request_get_rooms","netplay_version":"MPNServer-1"}`,
	} {
		req := lobbymsg.Request{Type: lobbymsg.TypeGetRooms, NetplayVersion: v}
		if got := string(lobbymsg.Encode(req)); got != want {
			t.Errorf("encoded %s, want %s", got, want)
		}
		back, err := lobbymsg.DecodeRequest([]byte(want))
		if err != nil || back.NetplayVersion != v {
			t.Errorf("decoded back %q, %v", back.NetplayVersion, err)
		}
	}
}

// RMG bounds names in characters, and so does the lobby: a name of 128
// characters of three bytes each is a name.
func TestWideNames(t *testing.T) {
	name := strings.Repeat("部", lobbymsg.MaxPlayerName)
	r, err := lobbymsg.DecodeRequest([]byte(`{"type":"request_create_room","player_name":"` + name + `","room":{"room_name":"` + name + `"}}`))
	if err != nil || r.PlayerName != name || r.Room.RoomName != name {
		t.Fatalf("a name of %d wide characters: %v", lobbymsg.MaxPlayerName, err)
	}
}
