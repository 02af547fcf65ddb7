package main

import (
	"reflect"
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
