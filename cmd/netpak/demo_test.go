package main

import (
	"os/exec"
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
