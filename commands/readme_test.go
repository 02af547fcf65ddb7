package commands

import (
	"bytes"
	"flag"
	"os"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated parts of README.md")

// TestREADME checks that the README's command and session-file references
// are what the tables generate, and that it shows CI's test command.
func TestREADME(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("README.md documents the Linux defaults of core_lib, data_dir and the plugins")
	}
	const path = "../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no README: %v", err)
	}
	text := string(b)
	var cmds, keys bytes.Buffer
	WriteMarkdown(&cmds)
	WriteFileReference(&keys)
	want := replaceBlock(t, text, "commands", cmds.String())
	want = replaceBlock(t, want, "keys", keys.String())
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != text {
		t.Errorf("README.md's generated references are stale; run go test ./commands -run TestREADME -update")
	}
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Skipf("no .ci/run: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(ci)), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(text, "```sh\n"+last+"\n```") {
		t.Errorf("README does not show CI's test command %q", last)
	}
}

// replaceBlock replaces what lies between <!-- NAME:begin ...--> and
// <!-- NAME:end -->.
func replaceBlock(t *testing.T, text, name, body string) string {
	t.Helper()
	begin := strings.Index(text, "<!-- "+name+":begin")
	end := strings.Index(text, "<!-- "+name+":end -->")
	if begin < 0 || end < begin {
		t.Fatalf("README lacks the %s markers", name)
	}
	nl := strings.Index(text[begin:], "\n") + begin + 1
	return text[:nl] + body + text[end:]
}
