package lobbymsg_test

import (
	"reflect"
	"testing"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

var requestSeeds = []string{
	rmgCreate, gopherCreate, mpnGetRooms, mpnBuffer,
	`{"type":"request_get_rooms","netplay_version":"017"}`,
	`{"type":"request_get_rooms","client_sha":"v1","emulator":"RMG","authTime":"1","auth":"x","netplay_version":17}`,
	`{"type":"request_join_room","player_name":"bob","room":{"port":45001,"password":"p","MD5":"0123456789abcdef0123456789abcdef"}}`,
	`{"type":"request_chat_message","player_name":"bob","message":"hi","room":{"port":45001}}`,
	`{"type":"request_edit_room","room":{"room_name":"R","features":{"cheats":"[{\"name\":\"x\"}]"}}}`,
	`{"type":"request_begin_game","room":{"port":45001}}`,
	`{"type":"request_motd"}`, `{"type":"request_ping","authTime":12}`, `{}`, `[]`, `null`,
}

// FuzzDecodeRequest: any input decodes or fails cleanly; what decodes is
// within bounds and survives a round trip.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := lobbymsg.DecodeRequest(b)
		if err != nil {
			return
		}
		if err := r.Check(); err != nil {
			t.Fatalf("decoded a request that fails its check: %v", err)
		}
		back, err := lobbymsg.DecodeRequest(lobbymsg.Encode(r))
		if err != nil {
			t.Fatalf("re-encoded request does not decode: %v", err)
		}
		if !reflect.DeepEqual(normalize(back), normalize(r)) {
			t.Fatalf("round trip\n%+v\nbecame\n%+v", r, back)
		}
	})
}

// normalize treats an empty map as no map: omitempty drops both.
func normalize(r lobbymsg.Request) lobbymsg.Request {
	if r.Room != nil {
		rm := *r.Room
		if len(rm.Features) == 0 {
			rm.Features = nil
		}
		rm.Protected = false // a request's protected means nothing and is not checked
		r.Room = &rm
	}
	return r
}

var replySeeds = []string{
	`{"type":"reply_get_rooms","accept":0,"rooms":[{"room_name":"R","game_name":"G","MD5":"0123456789ABCDEF0123456789ABCDEF","port":45001,"protected":true,"features":{"gfx_plugin":"x"}}]}`,
	`{"type":"reply_players","accept":0,"player_names":["a","b","",""]}`,
	`{"type":"reply_join_room","accept":1,"message":"wrong password"}`,
	`{"type":"reply_create_room","accept":0,"player_name":"a","room":{"room_name":"R","port":1}}`,
	`{"type":"reply_players","player_names":["a","b","c","d","e"]}`,
}

// FuzzDecodeReply: the decoder netpak's own lobby clients use never
// panics and bounds what it returns.
func FuzzDecodeReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := lobbymsg.DecodeReply(b)
		if err != nil {
			return
		}
		if len(r.Rooms) > lobbymsg.MaxRooms {
			t.Fatalf("%d rooms decoded", len(r.Rooms))
		}
		if _, err := lobbymsg.DecodeReply(lobbymsg.Encode(r)); err != nil {
			t.Fatalf("re-encoded reply does not decode: %v", err)
		}
	})
}

// FuzzCheckAuth: any authTime and auth are judged without a panic, and
// only the right hash passes.
func FuzzCheckAuth(f *testing.F) {
	f.Add("1764880000000", "", int64(1764880000000))
	f.Add("99999999999999999999", "x", int64(-1))
	f.Fuzz(func(t *testing.T, at, auth string, now int64) {
		r := lobbymsg.Request{AuthTime: lobbymsg.AuthTime(at), Auth: auth}
		if lobbymsg.CheckAuth(&r, "RMG", now) == nil && auth != lobbymsg.AuthHash(r.AuthTime, "RMG") {
			t.Fatalf("auth %q passed for authTime %q", auth, at)
		}
	})
}
