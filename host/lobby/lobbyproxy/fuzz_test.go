package lobbyproxy

import (
	"errors"
	"testing"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
)

// shifted maps every port p to p+1, except 9 which it cannot map.
func shiftedLocal(p uint16) (uint16, error) {
	if p == 9 {
		return 0, errors.New("no port")
	}
	return p + 1, nil
}

func shiftedServer(p uint16) (uint16, bool) { return p - 1, p != 10 }

// FuzzMapReply: any server message maps without a panic; a mapped one is
// the same message with each room port moved by the mapping.
func FuzzMapReply(f *testing.F) {
	f.Add([]byte(`{"type":"reply_get_rooms","accept":0,"rooms":[{"room_name":"a","game_name":"g","MD5":"0123456789abcdef0123456789abcdef","port":45001,"protected":false},{"room_name":"b","game_name":"g","port":9,"protected":true}]}`))
	f.Add([]byte(`{"type":"reply_create_room","accept":0,"player_name":"x","room":{"room_name":"a","game_name":"g","port":45002,"protected":false}}`))
	f.Add([]byte(`{"type":"reply_motd","accept":0,"message":"hi"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := mapReply(b, shiftedLocal, func(string, ...any) {})
		if string(out) == string(b) {
			return
		}
		in, err1 := lobbymsg.DecodeReply(b)
		got, err2 := lobbymsg.DecodeReply(out)
		if err1 != nil || err2 != nil || got.Type != in.Type || len(got.Rooms) != len(in.Rooms) || (got.Room == nil) != (in.Room == nil) {
			t.Fatalf("%s mapped to %s (%v, %v)", b, out, err1, err2)
		}
		check := func(in, got lobbymsg.Room) {
			want := in.Port
			if in.Port > 0 && in.Port <= 65535 && in.Port != 9 {
				want = int(uint16(in.Port) + 1)
			}
			if got.Port != want || got.RoomName != in.RoomName {
				t.Fatalf("room %+v mapped to %+v", in, got)
			}
		}
		if in.Room != nil {
			check(*in.Room, *got.Room)
		}
		for i := range in.Rooms {
			check(in.Rooms[i], got.Rooms[i])
		}
	})
}

// FuzzMapRequest: any frontend message maps without a panic; a mapped
// one is the same request naming the server's port.
func FuzzMapRequest(f *testing.F) {
	f.Add([]byte(`{"type":"request_join_room","player_name":"bob","room":{"port":45002,"password":"pw","MD5":"0123456789abcdef0123456789abcdef"},"emulator":"RMG","netplay_version":17,"client_sha":"x"}`))
	f.Add([]byte(`{"type":"request_begin_game","room":{"port":10}}`))
	f.Add([]byte(`{"type":"request_get_rooms"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := mapRequest(b, shiftedServer)
		if string(out) == string(b) {
			return
		}
		in, err1 := lobbymsg.DecodeRequest(b)
		got, err2 := lobbymsg.DecodeRequest(out)
		if err1 != nil || err2 != nil || got.Type != in.Type || got.Room == nil || in.Room == nil ||
			got.Room.Port != in.Room.Port-1 || got.Room.Password != in.Room.Password || got.PlayerName != in.PlayerName {
			t.Fatalf("%s mapped to %s (%v, %v)", b, out, err1, err2)
		}
	})
}
