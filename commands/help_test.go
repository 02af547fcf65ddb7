package commands

import (
	"strings"
	"testing"
)

// TestWriteMarkdownCells checks every row of the command reference has
// two cells: a pipe in a usage or help text must not split one.
func TestWriteMarkdownCells(t *testing.T) {
	var b strings.Builder
	if err := WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, row := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(row, "| `") {
			continue
		}
		if n := strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"); n != 3 {
			t.Errorf("row has %d cell borders, want 3: %s", n, row)
		}
	}
}
