package qrtext

import (
	"fmt"
	"strings"

	"rsc.io/qr"
)

// quiet is the light border, in modules, that scanners need around a code.
const quiet = 2

// Lines renders text as a QR code for a terminal, two modules per
// character cell using Unicode half blocks. Light modules are drawn as
// blocks, so the code reads correctly on the usual light-on-dark terminal
// (the convention of qrencode -t UTF8).
func Lines(text string) ([]string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("make qr code: %w", err)
	}
	light := func(x, y int) bool {
		in := x >= 0 && y >= 0 && x < code.Size && y < code.Size
		return !in || !code.Black(x, y)
	}
	var lines []string
	for y := -quiet; y < code.Size+quiet; y += 2 {
		var sb strings.Builder
		for x := -quiet; x < code.Size+quiet; x++ {
			sb.WriteString(halfBlock(light(x, y), light(x, y+1)))
		}
		lines = append(lines, sb.String())
	}
	return lines, nil
}

func halfBlock(top, bottom bool) string {
	switch {
	case top && bottom:
		return "█"
	case top:
		return "▀"
	case bottom:
		return "▄"
	}
	return " "
}
