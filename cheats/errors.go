package cheats

import (
	"errors"
	"fmt"
)

// Sentinels for outcomes callers branch on; test with errors.Is.
var (
	ErrTooLarge     = errors.New("input exceeds a limit")
	ErrSyntax       = errors.New("syntax error")
	ErrUnknownGame  = errors.New("game not in the cheat database")
	ErrUnknownCheat = errors.New("cheat not in the cheat database")
	ErrOption       = errors.New("bad cheat option")
	ErrButtonCode   = errors.New("gameshark button code (input-dependent, refused in netplay)")
	ErrUnknownType  = errors.New("unknown code type")
	ErrBadCode      = errors.New("bad code")
)

// SyntaxError reports a problem at a line of a cheat file (or, for JSON
// formats, where the JSON decoder stopped). It wraps the cause, which is
// [ErrSyntax] or [ErrTooLarge] for problems this package finds.
type SyntaxError struct {
	Format Format
	Line   int
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%v: line %d: %v", e.Format, e.Line, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// syntaxf builds a *SyntaxError wrapping ErrSyntax.
func syntaxf(f Format, line int, format string, args ...any) error {
	return &SyntaxError{Format: f, Line: line, Err: fmt.Errorf(format+": %w", append(args, ErrSyntax)...)}
}

// atLine wraps err (already carrying its sentinel) as a *SyntaxError.
func atLine(f Format, line int, err error) error {
	return &SyntaxError{Format: f, Line: line, Err: err}
}
