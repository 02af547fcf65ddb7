package qrtext

import (
	"testing"

	"rsc.io/qr"
)

const inviteText = "netpak1" +
	"ASABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fIAIIoKGio6SlpqcDELCxsrO0tba3uLm6u7y9vr8EBsAAAgEZQAQSIAENuAAAAAAAAAAAAAAAARlAIHyUrA"

func TestLines(t *testing.T) {
	lines, err := Lines(inviteText)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := qr.Encode(inviteText, qr.M)
	if want := (code.Size + 2*quiet + 1) / 2; len(lines) != want {
		t.Fatalf("%d lines, want %d", len(lines), want)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n != code.Size+2*quiet {
			t.Fatalf("line %d has %d cells, want %d", i, n, code.Size+2*quiet)
		}
	}
	// Top-left finder pattern: a dark module at (0,0) under light quiet zone.
	if r := []rune(lines[1])[quiet]; r != ' ' {
		t.Fatalf("finder corner drawn as %q, want dark (space)", r)
	}
}
