package lobbymsg

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of the fields. RMG limits nicknames and room names to 128
// characters and chat lines to 256, so those are counted in characters
// (of at most 4 bytes each); the others, in bytes, are generous for what
// clients send.
const (
	MaxPlayerName = 128
	MaxRoomName   = 128
	MaxPassword   = 128
	MaxChat       = 256
	MaxGameName   = 256
	MaxClientSHA  = 128
	MaxEmulator   = 64
	MaxAuth       = 128
	MaxFeatures   = 16
	MaxFeatureKey = 64
	MaxRooms      = 1024 // rooms in one reply_get_rooms a client accepts
	MaxMOTD       = 4096
	MaxVersion    = 32
	MaxBufferSize = 255 // frames: a lag
)

// Check reports whether every field r carries has an allowed shape: sizes
// within bounds, names and messages printable, an MD5 of 32 hex digits, a
// port number. A request that fails it is hostile or broken, and its
// socket is closed. What an honest player may get wrong (an empty or
// taken name) is judged where the request is served, with an accept code.
func (r *Request) Check() error {
	if err := checkType(r.Type); err != nil {
		return err
	}
	checks := []error{
		checkChars("player_name", r.PlayerName, MaxPlayerName),
		checkChars("message", r.Message, MaxChat),
		CheckText("client_sha", r.ClientSHA, MaxClientSHA, true),
		CheckText("emulator", r.Emulator, MaxEmulator, true),
		CheckText("auth", r.Auth, MaxAuth, false),
		CheckText("netplay_version", string(r.NetplayVersion), MaxVersion, true),
	}
	if r.BufferSize < 0 || r.BufferSize > MaxBufferSize {
		checks = append(checks, fmt.Errorf("buffer_size %d: %w", r.BufferSize, ErrMalformed))
	}
	if r.Room != nil {
		checks = append(checks, r.Room.check())
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkType(t string) error {
	if t != TypeBufferSize && !strings.HasPrefix(t, "request_") || len(t) > 64 {
		return fmt.Errorf("type %.64q: %w", t, ErrMalformed)
	}
	return nil
}

func (rm *Room) check() error {
	checks := []error{
		checkChars("room_name", rm.RoomName, MaxRoomName),
		CheckText("game_name", rm.GameName, MaxGameName, true),
		CheckText("password", rm.Password, MaxPassword, true),
		checkMD5(rm.MD5),
		checkFeatures(rm.Features),
	}
	if rm.Port < 0 || rm.Port > 65535 {
		checks = append(checks, fmt.Errorf("port %d: %w", rm.Port, ErrMalformed))
	}
	if rm.Players < 0 || rm.Players > 4 {
		checks = append(checks, fmt.Errorf("%d players: %w", rm.Players, ErrMalformed))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckText bounds s to max bytes of printable characters; spaces only if
// spaces is set. An empty s passes: absence is judged by the handler.
func CheckText(field, s string, max int, spaces bool) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("%s is longer than %d bytes: %w", field, max, ErrMalformed)
	case strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || !spaces && r == ' ' }):
		return fmt.Errorf("%s %q holds control characters or spaces: %w", field, s, ErrMalformed)
	}
	return nil
}

// checkChars is CheckText for a field a client bounds in characters: at
// most max of them.
func checkChars(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s of %d characters, at most %d: %w", field, n, max, ErrMalformed)
	}
	return CheckText(field, s, max*utf8.UTFMax, true)
}

// checkMD5 accepts "" or 32 hex digits, either case (RMG sends upper case).
func checkMD5(s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 32 || strings.ContainsFunc(s, func(r rune) bool { return !isHex(r) }) {
		return fmt.Errorf("MD5 %.40q is not 32 hex digits: %w", s, ErrMalformed)
	}
	return nil
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// checkFeatures bounds the features map. Values are free text (RMG puts
// its cheats there as JSON), bounded by the message size.
func checkFeatures(f map[string]string) error {
	if len(f) > MaxFeatures {
		return fmt.Errorf("%d features, at most %d: %w", len(f), MaxFeatures, ErrMalformed)
	}
	for k := range f {
		if k == "" || len(k) > MaxFeatureKey {
			return fmt.Errorf("feature name %.70q: %w", k, ErrMalformed)
		}
	}
	return nil
}

// check bounds a reply as Check does a request.
func (r *Reply) check() error {
	if !strings.HasPrefix(r.Type, "reply_") || len(r.Type) > 64 {
		return fmt.Errorf("type %.64q: %w", r.Type, ErrMalformed)
	}
	if len(r.Rooms) > MaxRooms {
		return fmt.Errorf("%d rooms, at most %d: %w", len(r.Rooms), MaxRooms, ErrMalformed)
	}
	if r.Room != nil {
		if err := r.Room.check(); err != nil {
			return err
		}
	}
	for i := range r.Rooms {
		if err := r.Rooms[i].check(); err != nil {
			return err
		}
	}
	return nil
}

// SameMD5 reports whether two ROM hashes are equal, ignoring case.
func SameMD5(a, b string) bool { return strings.EqualFold(a, b) }
