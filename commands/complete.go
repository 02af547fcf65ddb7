package commands

import (
	"strconv"
	"strings"
)

// Complete returns the words that could finish the one the cursor is in,
// for tab completion: a command name, or an argument of the command the
// line starts with (a player's name for /kick and /sync, a command for
// /help, vpn for /server, new or wg for /invite, room after /connect's
// host and password after its room's name). Only line[:pos] counts;
// pos is a byte offset. word is the part of the word typed so far, and
// every candidate is a whole word that starts with it. players are the
// names /kick and /sync offer. Chat lines complete nothing.
func Complete(line string, pos int, players []string) (word string, cands []string) {
	if pos < 0 || pos > len(line) {
		return "", nil
	}
	before := line[:pos]
	if before == "" {
		return "", CommandNames()
	}
	if !strings.HasPrefix(before, "/") || strings.HasPrefix(before, "//") {
		return "", nil
	}
	fields := strings.Fields(before)
	if !strings.HasSuffix(before, " ") && !strings.HasSuffix(before, "\t") {
		word, fields = fields[len(fields)-1], fields[:len(fields)-1]
	}
	if len(fields) == 0 {
		return word, withPrefix(word, CommandNames())
	}
	c := lookup(strings.ToLower(fields[0][1:]))
	if c == nil {
		return word, nil
	}
	return word, withPrefix(word, argWords(c.name, fields[1:], word, players))
}

// argWords lists what may follow args, the arguments typed before the
// word being completed, on the line of command name.
func argWords(name string, args []string, word string, players []string) []string {
	switch {
	case (name == "kick" || name == "sync") && len(args) == 0:
		return players
	case name == "help" && len(args) == 0:
		var names []string
		for _, n := range CommandNames() {
			if !strings.HasPrefix(word, "/") {
				n = n[1:]
			}
			names = append(names, n)
		}
		return names
	case name == "server" && len(args) == 0:
		return []string{"vpn"}
	case name == "server" && len(args) == 1 && isNumber(args[0]):
		return []string{"vpn"}
	case name == "invite" && len(args) == 0:
		return []string{"new", "wg"}
	case name == "connect" && len(args) == 1 && !isInvite(args[0]):
		return []string{"room"}
	case name == "connect" && len(args) >= 3 && strings.EqualFold(args[1], "room") && lastFold(args[2:], "password") < 0:
		return []string{"password"}
	}
	return nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// withPrefix returns the words that start with prefix, each once.
func withPrefix(prefix string, words []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if strings.HasPrefix(w, prefix) && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// OtherPlayers returns the names of st's members other than this
// console's own, for completing /kick and /sync.
func OtherPlayers(st State) []string {
	var names []string
	for _, m := range st.Members {
		if m.ID != st.Self || st.Self == 0 {
			names = append(names, m.Name)
		}
	}
	return names
}
