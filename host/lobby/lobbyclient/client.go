package lobbyclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/netpak/netpak/host/lobby/lobbymsg"

	"github.com/coder/websocket"
)

// DefaultTimeout bounds each request of a [Client] and its dial.
const DefaultTimeout = 10 * time.Second

// Config configures a [Client]. The zero value is valid.
type Config struct {
	// Emulator is the emulator named in every request; "" means
	// lobbymsg.EmulatorNetpak.
	Emulator string
	// ClientSHA is the frontend's version (client_sha); "" means
	// "netpak".
	ClientSHA string
	// Secret is the auth secret hashed into every request; "" means the
	// emulator's: lobbymsg.NetpakSecret for netpak, else the emulator's name (as
	// RMG's secret is "RMG").
	Secret string
	// Timeout bounds the dial and each request's wait for its reply; 0
	// means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient, if set, dials the connection (tests: another local
	// address).
	HTTPClient *http.Client
	// OnMessage, if set, receives the messages the server sends unasked:
	// chat, player lists, edits, the begin of the game. It is called from
	// the client's reader and must not block.
	OnMessage func(lobbymsg.Reply)
	// Now, if set, is the clock of authTime; it defaults to time.Now.
	Now func() time.Time
}

// Client is a lobby client, netpak's console's side of the lobby: it lists
// rooms, joins one, and holds its seat until Close. It answers the
// server's pings as long as it is open. Its methods are safe for
// concurrent use; requests are sent one at a time.
type Client struct {
	// Immutable after Dial.
	cfg  Config
	c    *websocket.Conn
	ctx  context.Context // ends at Close
	stop context.CancelFunc
	done chan struct{} // closed when readLoop ends

	reqMu sync.Mutex // one request at a time

	mu      sync.Mutex
	waiting string              // the reply type a request waits for
	replyCh chan lobbymsg.Reply // its reply; buffered 1
	players *[4]string          // the last reply_players
	playCh  chan struct{}
	closing bool  // Close was called
	err     error // why readLoop ended
}

// Refusal errors: a [RefusedError] matches the one of its accept code
// with errors.Is.
var (
	ErrWrongPassword = errors.New("wrong password")
	ErrVersion       = errors.New("version mismatch")
	ErrRoomFull      = errors.New("the room is full")
	ErrNameTaken     = errors.New("the name is taken")
	ErrRoomGone      = errors.New("the room is gone")
	ErrBadName       = errors.New("bad name")
	ErrBadEmulator   = errors.New("the server does not serve this emulator")
	ErrBadAuth       = errors.New("the server refused the client's auth")
	ErrNotCreator    = errors.New("only the room's creator may do that")
	ErrBadRoomName   = errors.New("bad room name")
	ErrGameStarted   = errors.New("the game in that room has started")
	ErrRefused       = errors.New("refused")
)

var refusals = map[lobbymsg.Accept]error{
	lobbymsg.BadPassword: ErrWrongPassword, lobbymsg.MismatchVersion: ErrVersion, lobbymsg.RoomFull: ErrRoomFull,
	lobbymsg.DuplicateName: ErrNameTaken, lobbymsg.RoomDeleted: ErrRoomGone, lobbymsg.BadName: ErrBadName,
	lobbymsg.BadEmulator: ErrBadEmulator, lobbymsg.BadAuth: ErrBadAuth, lobbymsg.BadPlayer: ErrNotCreator,
	lobbymsg.BadRoomName: ErrBadRoomName, lobbymsg.BadGameState: ErrGameStarted,
}

// RefusedError is a reply whose accept code refused the request.
type RefusedError struct {
	Type    string // the reply's type
	Code    lobbymsg.Accept
	Message string // the server's words, if any
}

func (e *RefusedError) Error() string {
	base := e.kind().Error()
	if e.Message == "" || strings.EqualFold(e.Message, base) {
		return "the lobby refused: " + base
	}
	return fmt.Sprintf("the lobby refused: %s (%s)", base, Printable(e.Message, 200))
}

// Printable returns at most max characters of s with every character
// that is not printable (escape sequences, line breaks) replaced by a
// space: what a lobby says may be shown on a terminal. Names are bounded
// in characters (lobbymsg.MaxPlayerName), so a name of wide ones is shown
// whole.
func Printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

// Is matches the sentinel of e's accept code.
func (e *RefusedError) Is(target error) bool { return target == e.kind() }

func (e *RefusedError) kind() error {
	if err, ok := refusals[e.Code]; ok {
		return err
	}
	return ErrRefused
}

// Refusal returns the error of a reply: nil if r was accepted.
func Refusal(r lobbymsg.Reply) error {
	if r.Accept == lobbymsg.Accepted {
		return nil
	}
	return &RefusedError{Type: r.Type, Code: r.Accept, Message: r.Message}
}

// LobbyURL turns "HOST", "HOST:PORT" or a ws:// URL into the lobby's URL;
// the port defaults to lobbymsg.DefaultPort.
func LobbyURL(addr string) string {
	if strings.HasPrefix(addr, "ws://") || strings.HasPrefix(addr, "wss://") {
		return addr
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(lobbymsg.DefaultPort))
	}
	return "ws://" + addr
}

// Dial connects to the lobby at addr (see LobbyURL).
func Dial(ctx context.Context, addr string, cfg Config) (*Client, error) {
	if cfg.Emulator == "" {
		cfg.Emulator = lobbymsg.EmulatorNetpak
	}
	if cfg.ClientSHA == "" {
		cfg.ClientSHA = "netpak"
	}
	if cfg.Secret == "" {
		cfg.Secret = cfg.Emulator
		if cfg.Emulator == lobbymsg.EmulatorNetpak {
			cfg.Secret = lobbymsg.NetpakSecret
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	url := LobbyURL(addr)
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	c, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("connect to the lobby at %s: %w", url, err)
	}
	c.SetReadLimit(lobbymsg.MaxMessage)
	cl := &Client{cfg: cfg, c: c, done: make(chan struct{}), playCh: make(chan struct{}, 1)}
	cl.ctx, cl.stop = context.WithCancel(context.Background())
	go cl.readLoop()
	return cl, nil
}

// readLoop reads every message until the connection ends; reading also
// answers the server's pings.
func (cl *Client) readLoop() {
	var err error
	defer func() {
		cl.mu.Lock()
		cl.err = err
		cl.mu.Unlock()
		close(cl.done)
		cl.c.CloseNow()
	}()
	for {
		var b []byte
		if _, b, err = cl.c.Read(cl.ctx); err != nil {
			cl.mu.Lock()
			if cl.closing {
				err = net.ErrClosed
			}
			cl.mu.Unlock()
			return
		}
		var r lobbymsg.Reply
		if r, err = lobbymsg.DecodeReply(b); err != nil {
			err = fmt.Errorf("the lobby sent a bad message: %w", err)
			return
		}
		cl.dispatch(r)
	}
}

// dispatch hands r to the request waiting for it, or to OnMessage.
func (cl *Client) dispatch(r lobbymsg.Reply) {
	cl.mu.Lock()
	if r.Type == "reply_players" && r.PlayerNames != nil {
		names := *r.PlayerNames
		cl.players = &names
		select {
		case cl.playCh <- struct{}{}:
		default:
		}
	}
	if cl.waiting != "" && r.Type == cl.waiting {
		cl.waiting = ""
		cl.replyCh <- r // buffered 1, and waiting is cleared: never blocks
		cl.mu.Unlock()
		return
	}
	on := cl.cfg.OnMessage
	cl.mu.Unlock()
	if on != nil {
		on(r)
	}
}

// Done is closed when the connection ended: Close, the server closed it,
// or it broke.
func (cl *Client) Done() <-chan struct{} { return cl.done }

// Err says why the connection ended: net.ErrClosed after Close; nil while
// it is open.
func (cl *Client) Err() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.err
}

// Close leaves the lobby, and the room with it, and waits for the reader.
// A second Close returns an error wrapping net.ErrClosed.
func (cl *Client) Close() error {
	cl.mu.Lock()
	again := cl.closing
	cl.closing = true
	cl.mu.Unlock()
	if again {
		return fmt.Errorf("close lobby client: %w", net.ErrClosed)
	}
	cl.c.Close(websocket.StatusNormalClosure, "") // bounded by the library: 5 s for each half
	cl.stop()
	<-cl.done
	return nil
}

// do sends req with the common fields and waits for its reply, at most
// the client's Timeout.
func (cl *Client) do(ctx context.Context, req lobbymsg.Request) (lobbymsg.Reply, error) {
	cl.reqMu.Lock()
	defer cl.reqMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, cl.cfg.Timeout)
	defer cancel()
	req.ClientSHA, req.Emulator, req.NetplayVersion = cl.cfg.ClientSHA, cl.cfg.Emulator, lobbymsg.VersionAPI
	req.AuthTime = lobbymsg.AuthTime(strconv.FormatInt(cl.cfg.Now().UnixMilli(), 10))
	req.Auth = lobbymsg.AuthHash(req.AuthTime, cl.cfg.Secret)
	if err := req.Check(); err != nil {
		return lobbymsg.Reply{}, err
	}
	want := lobbymsg.ReplyType(req.Type)
	ch := make(chan lobbymsg.Reply, 1)
	cl.mu.Lock()
	cl.waiting, cl.replyCh = want, ch
	cl.mu.Unlock()
	defer func() {
		cl.mu.Lock()
		cl.waiting = ""
		cl.mu.Unlock()
	}()
	if err := cl.c.Write(ctx, websocket.MessageText, lobbymsg.Encode(req)); err != nil {
		return lobbymsg.Reply{}, cl.lost(fmt.Errorf("send %s: %w", req.Type, err))
	}
	select {
	case r := <-ch:
		return r, Refusal(r)
	case <-cl.done:
		return lobbymsg.Reply{}, cl.lost(nil)
	case <-ctx.Done():
		return lobbymsg.Reply{}, fmt.Errorf("no %s from the lobby: %w", want, ctx.Err())
	}
}

// lost names why the connection ended, or err.
func (cl *Client) lost(err error) error {
	select {
	case <-cl.done:
		why := cl.Err()
		if st := websocket.CloseStatus(why); st != -1 {
			var ce websocket.CloseError
			if errors.As(why, &ce) && ce.Reason != "" {
				return fmt.Errorf("the lobby closed the connection: %s", Printable(ce.Reason, 200))
			}
		}
		return fmt.Errorf("the lobby connection ended: %w", why)
	default:
		return err
	}
}

// Rooms returns the rooms this client's emulator may see, in the server's
// order: the rooms waiting for players, and for lobbymsg.EmulatorNetpak the running
// ones too, marked Running.
func (cl *Client) Rooms(ctx context.Context) ([]lobbymsg.Room, error) {
	r, err := cl.do(ctx, lobbymsg.Request{Type: lobbymsg.TypeGetRooms})
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return r.Rooms, nil
}

// Joined is a room the client sits in.
type Joined struct {
	Room lobbymsg.Room
	Seat int // the lobby's index of the player: its controller port, 0-3
}

// Join joins the room on port as name, and waits for the player list that
// says its seat.
func (cl *Client) Join(ctx context.Context, name string, port int, password, md5 string) (Joined, error) {
	cl.mu.Lock()
	cl.players = nil
	cl.mu.Unlock()
	r, err := cl.do(ctx, lobbymsg.Request{Type: lobbymsg.TypeJoinRoom, PlayerName: name,
		Room: &lobbymsg.Room{Port: port, Password: password, MD5: md5}})
	if err != nil {
		return Joined{}, fmt.Errorf("join the room on port %d: %w", port, err)
	}
	if r.Room == nil || r.Room.Port != port {
		return Joined{}, fmt.Errorf("join the room on port %d: the lobby's reply names no such room: %w", port, lobbymsg.ErrMalformed)
	}
	seat, err := cl.seat(ctx, name)
	if err != nil {
		return Joined{}, fmt.Errorf("join room %q: %w", r.Room.RoomName, err)
	}
	return Joined{Room: *r.Room, Seat: seat}, nil
}

// seat waits for a player list that holds name and returns its index.
func (cl *Client) seat(ctx context.Context, name string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, cl.cfg.Timeout)
	defer cancel()
	for {
		cl.mu.Lock()
		var i = -1
		if cl.players != nil {
			i = slices.Index(cl.players[:], name)
		}
		cl.mu.Unlock()
		if i >= 0 {
			return i, nil
		}
		select {
		case <-cl.playCh:
		case <-cl.done:
			return 0, cl.lost(nil)
		case <-ctx.Done():
			return 0, fmt.Errorf("the lobby never listed %s among the players: %w", name, ctx.Err())
		}
	}
}

// Players returns the room's last player list, by seat.
func (cl *Client) Players() [4]string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.players == nil {
		return [4]string{}
	}
	return *cl.players
}

// Create creates a room as name and sits in it as its creator.
func (cl *Client) Create(ctx context.Context, name string, room lobbymsg.Room) (lobbymsg.Room, error) {
	r, err := cl.do(ctx, lobbymsg.Request{Type: lobbymsg.TypeCreateRoom, PlayerName: name, Room: &room})
	if err != nil {
		return lobbymsg.Room{}, fmt.Errorf("create room %q: %w", room.RoomName, err)
	}
	if r.Room == nil || r.Room.Port == 0 {
		return lobbymsg.Room{}, fmt.Errorf("create room %q: the reply names no port: %w", room.RoomName, lobbymsg.ErrMalformed)
	}
	return *r.Room, nil
}

// Begin begins the game of the room the client created.
func (cl *Client) Begin(ctx context.Context) error {
	if _, err := cl.do(ctx, lobbymsg.Request{Type: lobbymsg.TypeBeginGame}); err != nil {
		return fmt.Errorf("begin the game: %w", err)
	}
	return nil
}

// FindRoom returns the room called name among rooms, case aside, or an
// error wrapping ErrNoRoom that lists some of the names there are.
func FindRoom(rooms []lobbymsg.Room, name string) (lobbymsg.Room, error) {
	for _, r := range rooms {
		if strings.EqualFold(r.RoomName, name) {
			return r, nil
		}
	}
	if len(rooms) == 0 {
		return lobbymsg.Room{}, fmt.Errorf("room %q: %w: the lobby has no waiting rooms", name, ErrNoRoom)
	}
	names := make([]string, 0, min(len(rooms), 10))
	for _, r := range rooms[:min(len(rooms), 10)] {
		names = append(names, strconv.Quote(r.RoomName))
	}
	return lobbymsg.Room{}, fmt.Errorf("room %q: %w among the waiting rooms (%s)", name, ErrNoRoom, strings.Join(names, ", "))
}

// ErrNoRoom means the lobby lists no room of that name.
var ErrNoRoom = errors.New("no such room")
