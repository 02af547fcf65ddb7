package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unicode"

	"github.com/netpak/netpak/commands"
)

// runInit writes an example session file; it never overwrites one.
func runInit(_ context.Context, args []string) error {
	if len(args) > 1 {
		fmt.Fprintln(os.Stderr, "Usage: netpak init [FILE]")
		return errUsage
	}
	path := "netpak.toml"
	if len(args) == 1 {
		path = args[0]
	}
	var b bytes.Buffer
	if err := commands.WriteExample(&b); err != nil {
		return err
	}
	if path == "-" {
		_, err := os.Stdout.Write(b.Bytes())
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write session file: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write session file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write session file: %w", err)
	}
	fmt.Printf("wrote %s; run it with: netpak -c %s\n", path, shellQuote(path))
	return nil
}

// shellQuote quotes path for a shell when it needs it, so the line can be
// pasted as it is printed.
func shellQuote(path string) string {
	if path != "" && !strings.ContainsFunc(path, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r == '\\' && runtime.GOOS == "windows" || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		return path
	}
	if runtime.GOOS == "windows" {
		return `"` + path + `"`
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
