package commands

import (
	"reflect"
	"testing"

	"github.com/netpak/netpak/host/session"
)

func TestComplete(t *testing.T) {
	players := []string{"Bob", "Carol", "Bea"}
	for _, tc := range []struct {
		name  string
		line  string
		pos   int // -1: the end of the line
		word  string
		cands []string
	}{
		{"empty line", "", -1, "", CommandNames()},
		{"command", "/ki", -1, "/ki", []string{"/kick"}},
		{"command several", "/s", -1, "/s", []string{"/server", "/start", "/stop", "/sync", "/spectate"}},
		{"alias", "/jo", -1, "/jo", []string{"/join"}},
		{"no command", "/xy", -1, "/xy", nil},
		{"chat", "hello B", -1, "", nil},
		{"double slash is chat", "//ki", -1, "", nil},
		{"kick all", "/kick ", -1, "", players},
		{"kick prefix", "/kick B", -1, "B", []string{"Bob", "Bea"}},
		{"kick one", "/kick Ca", -1, "Ca", []string{"Carol"}},
		{"kick upper case command", "/KICK Ca", -1, "Ca", []string{"Carol"}},
		{"kick second word", "/kick Bob ", -1, "", nil},
		{"sync", "/sync Bo", -1, "Bo", []string{"Bob"}},
		{"help", "/help ga", -1, "ga", nil},
		{"help command", "/help go", -1, "go", []string{"golf"}},
		{"help slash", "/help /j", -1, "/j", []string{"/join"}},
		{"help once", "/help lag ", -1, "", nil},
		{"server vpn", "/server ", -1, "", []string{"vpn"}},
		{"server port vpn", "/server 7000 v", -1, "v", []string{"vpn"}},
		{"host alias", "/host 0 ", -1, "", []string{"vpn"}},
		{"server vpn twice", "/server vpn ", -1, "", nil},
		{"invite", "/invite ", -1, "", []string{"new", "wg"}},
		{"invite w", "/invite w", -1, "w", []string{"wg"}},
		{"invite file", "/invite wg ", -1, "", nil},
		{"lag nothing", "/lag ", -1, "", nil},
		{"cursor in the middle", "/kick Ca and more", 8, "Ca", []string{"Carol"}},
		{"cursor in the command", "/kick Carol", 2, "/k", []string{"/kick"}},
		{"cursor out of range", "/kick", 9, "", nil},
		{"tab separates", "/kick\tB", -1, "B", []string{"Bob", "Bea"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pos := tc.pos
			if pos < 0 {
				pos = len(tc.line)
			}
			word, cands := Complete(tc.line, pos, players)
			if word != tc.word || !reflect.DeepEqual(cands, tc.cands) {
				t.Errorf("Complete(%q, %d) = %q, %q; want %q, %q", tc.line, pos, word, cands, tc.word, tc.cands)
			}
		})
	}
}

func TestOtherPlayers(t *testing.T) {
	st := State{Self: 2, Members: []session.Member{{ID: 1, Name: "Alice"}, {ID: 2, Name: "Bob"}, {ID: 3, Name: "Carol"}}}
	if got, want := OtherPlayers(st), []string{"Alice", "Carol"}; !reflect.DeepEqual(got, want) {
		t.Errorf("OtherPlayers = %q, want %q", got, want)
	}
	if got := OtherPlayers(State{}); got != nil {
		t.Errorf("OtherPlayers offline = %q", got)
	}
}
