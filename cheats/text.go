package cheats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readInput reads all of r, refusing more than MaxFileSize bytes.
func readInput(f Format, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%v: read: %w", f, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%v: file larger than %d bytes: %w", f, MaxFileSize, ErrTooLarge)
	}
	return data, nil
}

// eachLine calls fn with every line of data, numbered from 1 and trimmed of
// spaces, tabs and CR. It stops at the first error, which it returns as a
// *SyntaxError naming the line.
func eachLine(f Format, data []byte, fn func(n int, line string) error) error {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	for n := 1; len(data) > 0; n++ {
		raw, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(raw) > MaxLineLength {
			return atLine(f, n, fmt.Errorf("line longer than %d bytes: %w", MaxLineLength, ErrTooLarge))
		}
		if !utf8.Valid(raw) {
			return syntaxf(f, n, "not valid UTF-8")
		}
		if err := fn(n, strings.Trim(string(raw), " \t\r")); err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				return err
			}
			return atLine(f, n, err)
		}
	}
	return nil
}

// parseCode parses "XXXXXXXX VVVV" at the start of s, where VVVV may hold
// a contiguous run of "?" and may be followed by ":RRRR" (a value to restore
// on disable, dropped as every engine drops it). It returns the text after
// the code.
func parseCode(s string) (RawCode, string, error) {
	if len(s) < 13 || s[8] != ' ' {
		return RawCode{}, "", fmt.Errorf("code %q: want XXXXXXXX YYYY: %w", clip(s), ErrSyntax)
	}
	addr, err := strconv.ParseUint(s[:8], 16, 32)
	if err != nil || !isHex(s[:8]) {
		return RawCode{}, "", fmt.Errorf("code %q: bad address: %w", clip(s), ErrSyntax)
	}
	val, mask, err := parseValue(s[9:13])
	if err != nil {
		return RawCode{}, "", fmt.Errorf("code %q: %w", clip(s), err)
	}
	rest := s[13:]
	if strings.HasPrefix(rest, ":") {
		if len(rest) < 5 || !isHex(rest[1:5]) {
			return RawCode{}, "", fmt.Errorf("code %q: bad restore value: %w", clip(s), ErrSyntax)
		}
		rest = rest[5:]
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return RawCode{}, "", fmt.Errorf("code %q: junk after value: %w", clip(s), ErrSyntax)
	}
	return RawCode{Address: uint32(addr), Value: val, OptMask: mask}, strings.TrimSpace(rest), nil
}

// parseValue parses four hex or "?" digits; the "?" must be contiguous.
func parseValue(s string) (val, mask uint16, err error) {
	for i := range 4 {
		c := s[i]
		val, mask = val<<4, mask<<4
		switch {
		case c == '?':
			mask |= 0xF
		case isHex(s[i : i+1]):
			d, _ := strconv.ParseUint(s[i:i+1], 16, 8)
			val |= uint16(d)
		default:
			return 0, 0, fmt.Errorf("bad value digit %q: %w", c, ErrSyntax)
		}
	}
	if mask != 0 && !contiguous(mask) {
		return 0, 0, fmt.Errorf("option digits %q not contiguous: %w", s, ErrSyntax)
	}
	return val, mask, nil
}

// contiguous reports whether the set bits of m form one run.
func contiguous(m uint16) bool {
	for m&1 == 0 {
		m >>= 1
	}
	return m&(m+1) == 0
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// parseHex16 parses 1 to 4 hex digits.
func parseHex16(s string) (uint16, error) {
	if len(s) == 0 || len(s) > 4 || !isHex(s) {
		return 0, fmt.Errorf("option value %q: want 1-4 hex digits: %w", clip(s), ErrSyntax)
	}
	v, _ := strconv.ParseUint(s, 16, 16)
	return uint16(v), nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
