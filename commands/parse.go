package commands

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/netpak/netpak/host/lobby/lobbymsg"
	"github.com/netpak/netpak/host/session"
)

// Limits on what a line may hold; the host enforces the same.
const (
	MaxNameLen = session.MaxNameLen // bytes in a name
	MaxChatLen = 400                // bytes in a chat line
	maxLineLen = 4096
)

// Parse turns one console line into a command. A line that does not start
// with "/" is chat (a leading "//" sends one literal "/"). An empty line
// returns nil and no error. Parse has no side effects; its errors are one
// line that names the usage, and suggest a command when one is close.
func Parse(line string) (Cmd, error) {
	line = strings.TrimRight(line, " \t\r\n")
	if len(line) > maxLineLen {
		return nil, fmt.Errorf("line longer than %d bytes", maxLineLen)
	}
	if strings.TrimSpace(line) == "" {
		return nil, nil
	}
	if !strings.HasPrefix(line, "/") || strings.HasPrefix(line, "//") {
		return parseSay(strings.TrimPrefix(line, "/"))
	}
	fields := strings.Fields(line)
	name := strings.ToLower(fields[0][1:])
	c := lookup(name)
	if c == nil {
		return nil, unknownCommand(fields[0])
	}
	cmd, err := c.parse(fields[1:])
	if err != nil {
		return nil, fmt.Errorf("/%s: %v; usage: %s", name, err, c.usage())
	}
	return cmd, nil
}

func unknownCommand(word string) error {
	if s := suggest(strings.ToLower(strings.TrimPrefix(word, "/"))); len(s) > 0 {
		return fmt.Errorf("unknown command %s: did you mean /%s? (/help lists the commands)", word, strings.Join(s, " or /"))
	}
	return fmt.Errorf("unknown command %s (/help lists the commands)", word)
}

func parseSay(text string) (Cmd, error) {
	if len(text) > MaxChatLen {
		return nil, fmt.Errorf("chat line longer than %d bytes; nothing sent", MaxChatLen)
	}
	if !printable(text) {
		return nil, fmt.Errorf("chat line holds control characters; nothing sent")
	}
	return Say{Text: text}, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func noArgs(cmd Cmd) func([]string) (Cmd, error) {
	return func(args []string) (Cmd, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("takes no arguments")
		}
		return cmd, nil
	}
}

func parseName(args []string) (Cmd, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("give one name, without spaces")
	}
	if err := CheckName(args[0]); err != nil {
		return nil, err
	}
	return Name{Name: args[0]}, nil
}

// CheckName reports why name cannot be a player's name, or nil: the
// host's rule ([session.CheckName]).
func CheckName(name string) error { return session.CheckName(name) }

func parseServer(args []string) (Cmd, error) {
	srv := Server{Port: session.DefaultPort}
	if n := len(args); n > 0 && strings.EqualFold(args[n-1], "vpn") {
		srv.VPN, args = true, args[:n-1]
	}
	switch len(args) {
	case 0:
		return srv, nil
	case 1:
		p, err := parsePort(args[0], true)
		if err != nil {
			return nil, err
		}
		srv.Port = p
		return srv, nil
	}
	bad := args[1]
	if _, err := parsePort(args[0], true); err != nil {
		bad = args[0]
	}
	return nil, fmt.Errorf("%q is neither a port nor vpn: /server [PORT] [vpn]", bad)
}

// parsePort reads a port number; zero (a free port) only if allowed.
func parsePort(s string, zeroOK bool) (int, error) {
	p, err := strconv.Atoi(s)
	low := 1
	if zeroOK {
		low = 0
	}
	if err != nil || p < low || p > 65535 {
		return 0, fmt.Errorf("%q is not a port number from %d to 65535", s, low)
	}
	return p, nil
}

func parseConnect(args []string) (Cmd, error) {
	if len(args) >= 2 && strings.EqualFold(args[1], "room") {
		return parseConnectRoom(args)
	}
	switch len(args) {
	case 1:
		return ParseTarget(args[0])
	case 2:
		h := strings.TrimSuffix(strings.TrimPrefix(args[0], "["), "]")
		if strings.Contains(h, ":") && !isIPv6(h) {
			return nil, fmt.Errorf("give the port once")
		}
		p, err := parsePort(args[1], false)
		if err != nil {
			return nil, err
		}
		h, err = checkHost(h)
		return Connect{Host: h, Port: p}, err
	case 0:
		return nil, fmt.Errorf("whose session? give the host's address")
	}
	return nil, fmt.Errorf("too many arguments")
}

// maxRoomWords bounds the words of a room name; the lobby bounds its bytes.
const maxRoomWords = 32

// parseConnectRoom reads "HOST[:PORT] room NAME [password PASS]".
func parseConnectRoom(args []string) (Cmd, error) {
	lob, err := parseLobby(args[0])
	if err != nil {
		return nil, err
	}
	words := args[2:]
	var pw string
	if i := lastFold(words, "password"); i >= 0 {
		switch len(words) - i {
		case 1:
			return nil, fmt.Errorf("give the password after \"password\"")
		case 2:
			pw, words = words[i+1], words[:i]
		default:
			return nil, fmt.Errorf("the password is one word, at the end of the line")
		}
	}
	name := strings.Join(words, " ")
	switch {
	case len(words) == 0:
		return nil, fmt.Errorf("which room? give its name after \"room\" (/rooms %s lists them)", args[0])
	case len(words) > maxRoomWords || utf8.RuneCountInString(name) > lobbymsg.MaxRoomName:
		return nil, fmt.Errorf("a room name is at most %d characters", lobbymsg.MaxRoomName)
	case !printable(name) || !printable(pw):
		return nil, fmt.Errorf("the room name or password holds control characters")
	case len(pw) > lobbymsg.MaxPassword:
		return nil, fmt.Errorf("a password is at most %d bytes", lobbymsg.MaxPassword)
	}
	return ConnectRoom{Lobby: lob, Room: name, Password: pw}, nil
}

// lastFold returns the index of the last of words equal to w, case
// aside, or -1.
func lastFold(words []string, w string) int {
	for i := len(words) - 1; i >= 0; i-- {
		if strings.EqualFold(words[i], w) {
			return i
		}
	}
	return -1
}

// parseLobby reads a lobby's "HOST[:PORT]"; the port defaults to 45000.
func parseLobby(s string) (Connect, error) {
	if isInvite(s) {
		return Connect{}, fmt.Errorf("rooms are in a netpak server's lobby: give its address, not an invite")
	}
	c, err := ParseAddr(s)
	if err != nil {
		return Connect{}, err
	}
	if isIPv6(s) || !strings.Contains(s, ":") {
		c.Port = lobbymsg.DefaultPort
	}
	return c, nil
}

func parseRooms(args []string) (Cmd, error) {
	switch len(args) {
	case 0:
		return nil, fmt.Errorf("whose rooms? give the netpak server's address")
	case 1:
		lob, err := parseLobby(args[0])
		if err != nil {
			return nil, err
		}
		return Rooms{Lobby: lob}, nil
	}
	return nil, fmt.Errorf("too many arguments")
}

// ParseTarget reads what /connect and the connect key take: an invite of
// the built-in VPN, or an address for ParseAddr. An invite is only checked
// for its shape here; the tunnel decodes it.
func ParseTarget(s string) (Connect, error) {
	if !isInvite(s) {
		return ParseAddr(s)
	}
	if len(s) > maxInviteLen || strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) {
		return Connect{}, fmt.Errorf("that is not a whole invite: copy the one line the host's /invite printed")
	}
	return Connect{Invite: s}, nil
}

// ParseAddr reads "HOST", "HOST:PORT", "[V6]:PORT" or a bare IPv6 address;
// the port defaults to 6400.
func ParseAddr(s string) (Connect, error) {
	if isIPv6(s) {
		return Connect{Host: s, Port: session.DefaultPort}, nil
	}
	if !strings.Contains(s, ":") {
		h, err := checkHost(s)
		return Connect{Host: h, Port: session.DefaultPort}, err
	}
	hs, ps, err := net.SplitHostPort(s)
	if err != nil {
		return Connect{}, fmt.Errorf("%q is not HOST:PORT", s)
	}
	p, err := parsePort(ps, false)
	if err != nil {
		return Connect{}, err
	}
	h, err := checkHost(hs)
	return Connect{Host: h, Port: p}, err
}

func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// checkHost accepts an IP address or something that reads like a host name.
func checkHost(h string) (string, error) {
	if _, err := netip.ParseAddr(h); err == nil {
		return h, nil
	}
	if h == "" || len(h) > 253 || strings.ContainsFunc(h, func(r rune) bool {
		return !(r == '-' || r == '.' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		return "", fmt.Errorf("%q is not a host name or IP address", h)
	}
	return h, nil
}

// Addr returns the address to dial, "host:port", or the invite.
func (c Connect) Addr() string {
	if c.Invite != "" {
		return c.Invite
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

func parseInvite(args []string) (Cmd, error) {
	switch {
	case len(args) == 0:
		return Invite{}, nil
	case len(args) == 1 && strings.EqualFold(args[0], "new"):
		return Invite{New: true}, nil
	case len(args) <= 2 && strings.EqualFold(args[0], "wg"):
		inv := Invite{WG: true}
		if len(args) == 2 {
			inv.File = args[1]
		}
		return inv, nil
	}
	return nil, fmt.Errorf("say new, wg or nothing")
}

func parseAnswer(args []string) (Cmd, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("give the one-line answer code the player sent")
	}
	code := args[0]
	if !strings.HasPrefix(code, AnswerPrefix) || len(code) > maxAnswerLen || strings.ContainsFunc(code, func(r rune) bool {
		return !(r == '-' || r == '_' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) {
		return nil, fmt.Errorf("that is not a whole answer code: it starts with %s and is one line", AnswerPrefix)
	}
	return Answer{Code: code}, nil
}

func parseKick(args []string) (Cmd, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("give one name")
	}
	if err := CheckName(args[0]); err != nil {
		return nil, err
	}
	return Kick{Name: args[0]}, nil
}

func parseAutoLag(args []string) (Cmd, error) {
	switch {
	case len(args) == 0 || len(args) == 1 && strings.EqualFold(args[0], "on"):
		return AutoLag{On: true}, nil
	case len(args) == 1 && strings.EqualFold(args[0], "off"):
		return AutoLag{}, nil
	}
	return nil, fmt.Errorf("say on or off, or nothing for on")
}

func parseSync(args []string) (Cmd, error) {
	switch len(args) {
	case 0:
		return Sync{}, nil
	case 1:
		if err := CheckName(args[0]); err != nil {
			return nil, err
		}
		return Sync{Player: args[0]}, nil
	}
	return nil, fmt.Errorf("give at most one player's name")
}

func parseLag(args []string) (Cmd, error) {
	switch len(args) {
	case 0:
		return ShowLag{}, nil
	case 1:
	default:
		return nil, fmt.Errorf("give one number")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 || n > 255 {
		return nil, fmt.Errorf("%q is not a number from 0 to 255", args[0])
	}
	return Lag{Frames: uint8(n)}, nil
}

func parseHelp(args []string) (Cmd, error) {
	switch len(args) {
	case 0:
		return Help{}, nil
	case 1:
		topic := strings.ToLower(strings.TrimPrefix(args[0], "/"))
		if lookup(topic) == nil {
			return nil, unknownCommand("/" + topic)
		}
		return Help{Topic: lookup(topic).name}, nil
	}
	return nil, fmt.Errorf("too many arguments")
}

// suggest returns the commands closest to word, if any is close: the one
// word starts (at least two letters, and no other command starts so), or
// those within two edits (one, for words of up to three letters). Each
// command is named once, by its spelling closest to word; ties are all
// returned, in table order.
func suggest(word string) []string {
	var prefixed []string
	for _, c := range table {
		for _, n := range c.spellings() {
			if len(word) >= 2 && strings.HasPrefix(n, word) {
				prefixed = append(prefixed, n)
				break
			}
		}
	}
	if len(prefixed) == 1 {
		return prefixed
	}
	limit := 2
	if len(word) <= 3 {
		limit = 1
	}
	var best []string
	for _, c := range table {
		near, nearD := "", limit+1
		for _, n := range c.spellings() {
			if d := distance(word, n); d < nearD {
				near, nearD = n, d
			}
		}
		switch {
		case nearD < limit:
			limit, best = nearD, []string{near}
		case nearD == limit:
			best = append(best, near)
		}
	}
	return best
}

// distance is the edit distance between a and b, counting a swap of two
// neighbours as one edit (optimal string alignment). Long words are far
// from every command, which bounds the cost.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
