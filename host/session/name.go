package session

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckName reports why name cannot be a member's name, or nil. A name
// has 1 to maxNameLen bytes of printable UTF-8 without spaces and does not
// start with "/", so that every console command (/kick NAME, /sync NAME)
// can address it. The host and the console apply this one rule.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the name is empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("%q is longer than %d bytes", name, MaxNameLen)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }):
		return fmt.Errorf("%q holds spaces or control characters", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("%q starts with /", name)
	}
	return nil
}

// Thousands writes n with commas between thousands, as consoles print
// poll numbers.
func Thousands(n uint32) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
