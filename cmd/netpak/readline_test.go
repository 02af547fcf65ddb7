package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestCompleter checks the readline adapter returns the untyped rest of
// each candidate, counting runes, not bytes.
func TestCompleter(t *testing.T) {
	c := completer{players: func() []string { return []string{"Zoë", "Zoltan", "Bob"} }}
	for _, tc := range []struct {
		name  string
		line  string
		pos   int
		rests []string
		typed int
	}{
		{"command", "/kic", 4, []string{"k "}, 4},
		{"player", "/kick Zo", 8, []string{"ë ", "ltan "}, 2},
		{"after a wide rune", "/kick Zoë", 9, []string{" "}, 3},
		{"cursor before the end", "/sync Bo and", 8, []string{"b "}, 2},
		{"cursor out of range", "/sync B", 40, []string{"ob "}, 1},
		{"chat", "hi Bo", 5, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, typed := c.Do([]rune(tc.line), tc.pos)
			var rests []string
			for _, r := range got {
				rests = append(rests, string(r))
			}
			if !reflect.DeepEqual(rests, tc.rests) || typed != tc.typed {
				t.Errorf("Do(%q, %d) = %q, %d; want %q, %d", tc.line, tc.pos, rests, typed, tc.rests, tc.typed)
			}
		})
	}
}

func TestPaint(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []any
		want string
	}{
		{"error", []any{errors.New("only the host can start the game")}, "\x1b[31monly the host can start the game\x1b[0m"},
		{"chat", []any{"<Bob> hi all"}, "<\x1b[1mBob\x1b[0m> hi all"},
		{"chat with > in the name", []any{"<a>b> hi"}, "<\x1b[1ma>b\x1b[0m> hi"},
		{"not a chat line", []any{"<no name here"}, "<no name here"},
		{"event", []any{"Bob joined on port 2"}, "Bob joined on port 2"},
		{"several values", []any{errors.New("x"), "y"}, "x y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := paint(tc.args...)
			if got != tc.want {
				t.Errorf("paint(%q) = %q, want %q", tc.args, got, tc.want)
			}
			if plain, want := stripSGR(got)+"\n", fmt.Sprintln(tc.args...); plain != want {
				t.Errorf("without colour %q reads differently from %q", plain, want)
			}
		})
	}
}

// stripSGR removes the sequences paint adds.
func stripSGR(s string) string {
	return strings.NewReplacer(sgrRed, "", sgrBold, "", sgrReset, "").Replace(s)
}

func TestColourful(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "xterm", "NO_COLOR": ""}, true},
		{map[string]string{"TERM": "dumb"}, false},
	} {
		if got := colourful(env(tc.env)); got != tc.want {
			t.Errorf("colourful(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}
