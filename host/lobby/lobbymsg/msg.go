package lobbymsg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultPort is the lobby's port, as the mupen64plus frontends expect
// (RMG's LAN discovery asks UDP port 45000 too).
const DefaultPort = 45000

// Truncate cuts s to at most n bytes, on a character boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// EmulatorNetpak is the emulator a netpak console names in its requests.
// Every room is a netpak session, so a netpak console lists and joins the
// rooms of every emulator (see [Server]); its ROM is checked by the
// session's start check, not by the lobby's client_sha.
const EmulatorNetpak = "netpak"

// NetpakSecret is the auth secret of EmulatorNetpak, used when the
// server's AuthSecrets has no entry of its own for netpak.
const NetpakSecret = "netpak"

// The netplay_version values a server accepts: RMG, simple64 and gopher64
// up to v1.1.22 send the number 17; Mupen-MPN (the Mario Party Netplay
// community's RMG) a string that names its server, in messages of the
// same shape. Each keeps to its own rooms, as on its own servers.
const (
	VersionAPI Version = "17"
	VersionMPN Version = "MPNServer-1"
)

// MaxMessage bounds one lobby message, checked before any decoding. A
// real request is a few hundred bytes, except request_edit_room, whose
// features carry the room's cheats as a JSON string (RMG): 16 KiB holds
// about a hundred codes.
const MaxMessage = 16 << 10

// Accept is the "accept" code of every reply.
type Accept int

// The accept codes of API version 17, in the servers' order.
const (
	Accepted        Accept = 0
	BadPassword     Accept = 1
	MismatchVersion Accept = 2
	RoomFull        Accept = 3
	DuplicateName   Accept = 4
	RoomDeleted     Accept = 5
	BadName         Accept = 6
	BadEmulator     Accept = 7
	BadAuth         Accept = 8
	BadPlayer       Accept = 9
	BadRoomName     Accept = 10
	BadGameState    Accept = 11
	Other           Accept = 12
)

var acceptNames = [...]string{"accepted", "bad password", "version mismatch", "room full",
	"duplicate name", "room deleted", "bad name", "bad emulator", "bad auth", "bad player",
	"bad room name", "bad game state", "other"}

func (a Accept) String() string {
	if a >= 0 && int(a) < len(acceptNames) {
		return acceptNames[a]
	}
	return fmt.Sprintf("accept(%d)", int(a))
}

// Request and reply types.
const (
	TypeCreateRoom = "request_create_room"
	TypeGetRooms   = "request_get_rooms"
	TypeJoinRoom   = "request_join_room"
	TypePlayers    = "request_players"
	TypeChat       = "request_chat_message"
	TypeEditRoom   = "request_edit_room"
	TypeBeginGame  = "request_begin_game"
	TypeMOTD       = "request_motd"
	TypeVersion    = "request_version"
	TypePing       = "request_ping"
	// TypeBufferSize is Mupen-MPN's: the room's creator changed its
	// buffer (its dialog offers 1-35 frames, 5 at first), which is input
	// delay, the lag. It carries buffer_size and nothing else, and has no
	// reply: a server that refuses it says why in the sender's chat.
	TypeBufferSize = "update_buffer_size"
)

// ReplyType returns the reply type of request type t: "reply_" in place
// of "request_".
func ReplyType(t string) string {
	if len(t) > len("request_") && t[:len("request_")] == "request_" {
		return "reply_" + t[len("request_"):]
	}
	return t
}

// Room is a room as the lobby carries it. In requests only the fields the
// request names matter; in replies Password is never set.
type Room struct {
	RoomName  string            `json:"room_name,omitempty"`
	GameName  string            `json:"game_name"` // always: gopher64 unwraps it
	MD5       string            `json:"MD5,omitempty"`
	Port      int               `json:"port,omitempty"`
	Protected bool              `json:"protected"`
	Password  string            `json:"password,omitempty"`
	Features  map[string]string `json:"features,omitempty"`
	// BufferTarget is what simple64's clients may send; it is accepted
	// and ignored: the room's lag is netpak's.
	BufferTarget int `json:"buffer_target,omitempty"`
	// Players is how many players sit in the room, 0-4: netpak's own
	// field, which other clients ignore. Requests need not set it.
	Players int `json:"players,omitempty"`
	// Running says the room's game has begun: netpak's own field, set in
	// the lists netpak consoles get, which alone hold running rooms.
	Running bool `json:"running,omitempty"`
}

// Request is any client message. The zero value of a field means the
// client did not send it, or sent null.
type Request struct {
	Type           string   `json:"type"`
	PlayerName     string   `json:"player_name,omitempty"`
	Message        string   `json:"message,omitempty"`
	Room           *Room    `json:"room,omitempty"`
	ClientSHA      string   `json:"client_sha,omitempty"`
	Emulator       string   `json:"emulator,omitempty"`
	AuthTime       AuthTime `json:"authTime,omitempty"`
	Auth           string   `json:"auth,omitempty"`
	NetplayVersion Version  `json:"netplay_version,omitempty"`
	BufferSize     int      `json:"buffer_size,omitempty"` // TypeBufferSize's
}

// Reply is any server message.
type Reply struct {
	Type        string     `json:"type"`
	Accept      Accept     `json:"accept"`
	Message     string     `json:"message,omitempty"`
	PlayerName  string     `json:"player_name,omitempty"`
	PlayerNames *[4]string `json:"player_names,omitempty"`
	Room        *Room      `json:"room,omitempty"`
	Rooms       []Room     `json:"rooms,omitempty"`
}

// Version is the netplay_version field. RMG, simple64 and gopher64 send
// a number, Mupen-MPN a string; both decode, a number to its decimal
// digits. Check bounds it.
type Version string

// UnmarshalJSON accepts a string, a number of at most 10 digits, or null.
func (v *Version) UnmarshalJSON(b []byte) error {
	s, err := jsonText("netplay_version", b, 10)
	if err != nil {
		return err
	}
	*v = Version(s)
	return nil
}

// jsonText is the text of b, one JSON value that a client may send as a
// string or as a number: a string's contents, an unsigned integer's digits
// (at most maxDigits of them; any other number is malformed), "" for null.
func jsonText(field string, b []byte, maxDigits int) (string, error) {
	s := string(b)
	switch {
	case s == "null":
		return "", nil
	case len(b) > 0 && b[0] == '"':
		err := json.Unmarshal(b, &s)
		return s, err
	case len(s) > maxDigits || !isDigits(s):
		return "", fmt.Errorf("%s %.24s: %w", field, s, ErrMalformed)
	}
	return s, nil
}

// MarshalJSON writes a decimal number as a number, as RMG does, and
// anything else ("017" too) as a string.
func (v Version) MarshalJSON() ([]byte, error) {
	if v != "" && len(v) <= 10 && isDigits(string(v)) && (v[0] != '0' || v == "0") {
		return []byte(v), nil
	}
	return json.Marshal(string(v))
}

// Known reports whether a server accepts v.
func (v Version) Known() bool { return v == VersionAPI || v == VersionMPN }

// AuthTime is the authTime field: milliseconds since 1970 as decimal
// digits. RMG sends it as a JSON string, others as a number; both decode.
type AuthTime string

// UnmarshalJSON accepts a string or a number of at most 20 digits, or
// null (gopher64 writes every absent field as null).
func (t *AuthTime) UnmarshalJSON(b []byte) error {
	s, err := jsonText("authTime", b, 20)
	if err != nil {
		return err
	}
	if len(s) > 20 || !isDigits(s) {
		return fmt.Errorf("authTime %.24q: %w", s, ErrMalformed)
	}
	*t = AuthTime(s)
	return nil
}

// MarshalJSON writes the string form, as RMG does.
func (t AuthTime) MarshalJSON() ([]byte, error) { return json.Marshal(string(t)) }

// Millis returns the time in milliseconds, or false if it is not set or
// out of range.
func (t AuthTime) Millis() (int64, bool) {
	v, err := strconv.ParseInt(string(t), 10, 64)
	return v, err == nil
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Errors of the decoders; callers branch on them with errors.Is.
var (
	// ErrTooLong means a message longer than MaxMessage.
	ErrTooLong = errors.New("message too long")
	// ErrMalformed means a message that is not one JSON object of the
	// lobby's fields, or a field with a value the protocol does not allow.
	ErrMalformed = errors.New("malformed message")
)

// DecodeRequest decodes one client message. It checks the size before
// anything else and the shape of every field (see [Request.Check]); it
// never panics.
func DecodeRequest(b []byte) (Request, error) {
	var r Request
	if err := decode(b, &r); err != nil {
		return Request{}, err
	}
	if err := r.Check(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// DecodeReply decodes one server message, for lobby clients (netpak's
// console, tests). It bounds the size and the room list as DecodeRequest
// does.
func DecodeReply(b []byte) (Reply, error) {
	var r Reply
	if err := decode(b, &r); err != nil {
		return Reply{}, err
	}
	if err := r.check(); err != nil {
		return Reply{}, err
	}
	return r, nil
}

// decode reads exactly one JSON object of at most MaxMessage bytes into v.
func decode(b []byte, v any) error {
	if len(b) > MaxMessage {
		return fmt.Errorf("%d bytes, at most %d: %w", len(b), MaxMessage, ErrTooLong)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("not UTF-8: %w", ErrMalformed)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if d.More() {
		return fmt.Errorf("more than one JSON value: %w", ErrMalformed)
	}
	return nil
}

// Encode returns the JSON of a reply or request.
func Encode(v any) []byte {
	// Strings, numbers, bools and string maps always marshal: the error
	// is nil for every type of this package.
	b, _ := json.Marshal(v)
	return b
}
