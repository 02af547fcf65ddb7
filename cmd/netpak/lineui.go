package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"
)

// lineUI reads commands line by line, for scripts and pipes: no prompt, no
// editing. Print goes to out, PrintErr to errOut.
type lineUI struct {
	ctx   context.Context
	lines chan string
	done  chan error

	mu     sync.Mutex // serializes output
	out    io.Writer
	errOut io.Writer
}

const maxScriptLine = 64 << 10

func newLineUI(ctx context.Context, in io.Reader, out, errOut io.Writer) *lineUI {
	u := &lineUI{ctx: ctx, lines: make(chan string), done: make(chan error, 1), out: out, errOut: errOut}
	go u.readLoop(in)
	return u
}

// readLoop feeds lines to ReadLine; it ends with the input.
func (u *lineUI) readLoop(in io.Reader) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 4096), maxScriptLine)
	for sc.Scan() {
		select {
		case u.lines <- sc.Text():
		case <-u.ctx.Done():
			return
		}
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	u.done <- err
}

func (u *lineUI) ReadLine(string) (string, error) {
	select {
	case l := <-u.lines:
		return l, nil
	case err := <-u.done:
		return "", err
	case <-u.ctx.Done():
		return "", io.EOF
	}
}

func (u *lineUI) Print(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintln(u.out, args...)
}

func (u *lineUI) PrintErr(args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintln(u.errOut, args...)
}

func (u *lineUI) Close() error { return nil }
