package main

import (
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func TestDemoDelayFlags(t *testing.T) {
	bin := buildNetpak(t)
	out, err := exec.Command(bin, "demo", "--players", "2", "--polls", "100", "--rate", "0", "--delay", "5ms", "--jitter", "1ms").CombinedOutput()
	for _, want := range []string{"delay 5ms ± 1ms each way", "polls/s", "all 2 finished poll 100 in the same state"} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("demo --delay 5ms --jitter 1ms lacks %q: %v\n%s", want, err, out)
		}
	}
	out, err = exec.Command(bin, "demo", "--delay", "-5ms").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "delay: -5ms is not from 0 to 2s") {
		t.Errorf("demo --delay -5ms: %v\n%s", err, out)
	}
}

// A wrong command line says what is wrong, not only how the command is
// used, and exits 2.
func TestBadArgumentsSayWhat(t *testing.T) {
	bin := buildNetpak(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--lag", "300"}, "netpak demo: --lag 300 is not a number from 0 to 255"},
		{[]string{"demo", "extra"}, `netpak demo: unexpected "extra"`},
		{[]string{"join", "a", "b"}, `netpak join: unexpected "b"`},
		{[]string{"join"}, "netpak join: join which session?"},
		{[]string{"host", "x"}, `netpak host: unexpected "x"`},
		{[]string{"-c", "bob.toml", "join", "127.0.0.1:6541"}, "netpak: the command goes first, its flags after it: netpak join 127.0.0.1:6541 -c bob.toml"},
		{[]string{"--name", "Bob", "hello"}, `netpak: unexpected "hello" (to join a session: netpak join HOST)`},
	} {
		out, err := exec.Command(bin, tc.args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("netpak %s: %v, want exit 2 saying %q:\n%s", strings.Join(tc.args, " "), err, tc.want, out)
		}
	}
}

// The command netpak init prints to run the file it wrote can be pasted
// into a shell as it is.
func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"netpak.toml":         "netpak.toml",
		"games/smash-4p.toml": "games/smash-4p.toml",
		"my file.toml":        "'my file.toml'",
		"it's.toml":           `'it'\''s.toml'`,
	}
	if runtime.GOOS == "windows" { // cmd.exe and PowerShell both take double quotes
		cases["my file.toml"], cases["it's.toml"] = `"my file.toml"`, `"it's.toml"`
	}
	for in, want := range cases {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
