package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chzyer/readline"
	"github.com/netpak/netpak/commands"
)

// interactive reports whether the console talks to a person at a terminal:
// stdin and stdout are terminals and CI is not set.
func interactive() bool {
	if os.Getenv("CI") == "true" {
		return false
	}
	return readline.IsTerminal(int(os.Stdin.Fd())) && readline.IsTerminal(int(os.Stdout.Fd()))
}

// readlineUI is the console on a terminal: line editing, tab completion of
// commands and their arguments, persistent history, and output printed
// above the prompt so the line being typed is not broken.
type readlineUI struct {
	rl        *readline.Instance
	stdin     io.Closer  // the terminal's reader, closed before rl
	colour    bool       // paint PrintErr lines; see colourful
	mu        sync.Mutex // serializes output
	closeOnce sync.Once
}

// newReadlineUI opens the terminal; players returns the names /kick and
// /sync complete, and is called while the user types.
func newReadlineUI(players func() []string) (*readlineUI, error) {
	stdin := readline.NewCancelableStdin(os.Stdin)
	rl, err := readline.NewEx(&readline.Config{
		Stdin:             stdin,
		HistoryFile:       historyFile(),
		HistoryLimit:      1000,
		AutoComplete:      completer{players: players},
		InterruptPrompt:   "^C",
		EOFPrompt:         "/quit",
		HistorySearchFold: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open the terminal: %w", err)
	}
	return &readlineUI{rl: rl, stdin: stdin, colour: colourful(os.Getenv)}, nil
}

// colourful reports whether the console may colour what it prints: it
// runs on a terminal (the readline UI does), NO_COLOR is unset or empty
// (no-color.org) and TERM is not dumb.
func colourful(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// Select Graphic Rendition sequences.
const (
	sgrRed   = "\x1b[31m"
	sgrBold  = "\x1b[1m"
	sgrReset = "\x1b[0m"
)

// paint formats a PrintErr line with colour: an error in red, the name
// that opens a chat line ("<Bob> hi") in bold. The text is the same as
// without colour, which therefore carries no meaning of its own.
func paint(args ...any) string {
	line := strings.TrimSuffix(fmt.Sprintln(args...), "\n") // as Fprintln spaces them
	if len(args) == 1 {
		if _, ok := args[0].(error); ok {
			return sgrRed + line + sgrReset
		}
	}
	if name, rest, ok := chatLine(line); ok {
		return "<" + sgrBold + name + sgrReset + ">" + rest
	}
	return line
}

// chatLine splits an event line "<NAME> TEXT" into NAME and "> TEXT"'s
// tail " TEXT", and reports whether line is one.
func chatLine(line string) (name, rest string, ok bool) {
	if !strings.HasPrefix(line, "<") {
		return "", "", false
	}
	end := strings.Index(line, "> ")
	if end < 0 || commands.CheckName(line[1:end]) != nil {
		return "", "", false
	}
	return line[1:end], line[end+1:], true
}

// completer adapts [commands.Complete] to readline, which inserts the
// rest of a candidate after the cursor: each candidate is returned as its
// untyped rest and a space.
type completer struct{ players func() []string }

func (c completer) Do(line []rune, pos int) (rests [][]rune, typed int) {
	pos = min(max(pos, 0), len(line))
	before := string(line[:pos])
	word, cands := commands.Complete(before, len(before), c.players())
	for _, cand := range cands {
		rests = append(rests, []rune(cand[len(word):]+" "))
	}
	return rests, utf8.RuneCountInString(word)
}

// historyFile is where the console keeps what you typed, or "" (no
// history) when the system has no cache directory.
func historyFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "netpak")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// ReadLine reads a line. Ctrl-C drops the line being typed, or leaves when
// it is empty; Ctrl-D leaves.
func (u *readlineUI) ReadLine(prompt string) (string, error) {
	u.rl.SetPrompt(prompt)
	line, err := u.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		if strings.TrimSpace(line) == "" {
			return "", io.EOF
		}
		return "", nil
	}
	return line, err
}

func (u *readlineUI) Print(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintln(u.rl.Stdout(), args...)
}

func (u *readlineUI) PrintErr(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.colour {
		fmt.Fprintln(u.rl.Stderr(), paint(args...))
		return
	}
	fmt.Fprintln(u.rl.Stderr(), args...)
}

// setPrompt changes the prompt of the line being typed; the next output
// redraws it. The session state it shows changes while the user types.
func (u *readlineUI) setPrompt(p string) { u.rl.SetPrompt(p) }

// Close gives the terminal back; a ReadLine waiting returns. It may be
// called more than once.
func (u *readlineUI) Close() error {
	var err error
	u.closeOnce.Do(func() {
		// readline's Close waits for its terminal reader but does not stop
		// it (it wraps the reader we pass in another that does not pass
		// Close on): stop it first, or a SIGTERM hangs the console.
		u.stdin.Close()
		err = u.rl.Close()
	})
	return err
}
