package commands

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestDemoThroughLatencyLab(t *testing.T) {
	d := DemoConfig{Players: 2, Spectators: 1, Polls: 120, Lag: 3, Seed: 5,
		Delay: 5 * time.Millisecond, Jitter: 2 * time.Millisecond, StatusEvery: 100 * time.Millisecond}
	var out bytes.Buffer
	if err := RunDemo(context.Background(), d, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"delay 5ms ± 2ms each way", "inputs take 10ms ± 4ms", "polls/s", "the lockstep held"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDemoDelayBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    DemoConfig
	}{
		{"negative delay", DemoConfig{Delay: -time.Millisecond}},
		{"huge delay", DemoConfig{Delay: time.Minute}},
		{"negative jitter", DemoConfig{Jitter: -time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DefaultDemo()
			d.Delay, d.Jitter = tc.d.Delay, tc.d.Jitter
			if err := d.Validate(); err == nil {
				t.Errorf("Validate accepted delay %v jitter %v", d.Delay, d.Jitter)
			}
		})
	}
}

func TestDelayLine(t *testing.T) {
	d := DemoConfig{Lag: 5, Rate: 60, Delay: 40 * time.Millisecond, Jitter: 5 * time.Millisecond}
	want := "delay 40ms ± 5ms each way between each player and the host: inputs take 80ms ± 10ms from player to player; lag 5 allows at most 66.7 polls/s, 60 polls/s needs lag 5 or more"
	if got := delayLine(d); got != want {
		t.Errorf("delayLine =\n%s\nwant\n%s", got, want)
	}
}

// With autolag on, as by default, the demo's host finds a lower lag for
// players 10 ms apart than the 5 it starts at, announces it, and the
// players still finish in the same state. It plays ten seconds in real
// time: autolag's first fall waits for five seconds of round trips.
func TestDemoAutoLag(t *testing.T) {
	d := DemoConfig{Players: 2, Polls: 600, Lag: 5, AutoLag: true, Rate: 60, Seed: 3,
		Delay: 5 * time.Millisecond, Jitter: time.Millisecond, StatusEvery: time.Second}
	var out bytes.Buffer
	if err := RunDemo(context.Background(), d, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	if !strings.Contains(text, "autolag on") || !strings.Contains(text, "autolag: lag ") {
		t.Errorf("no autolag announcement:\n%s", text)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	var last string
	for _, l := range lines {
		if strings.HasPrefix(l, "poll ") {
			last = l
		}
	}
	if strings.Contains(last, "| lag 5 |") || last == "" {
		t.Errorf("the game ended at the lag it started at: %q\n%s", last, text)
	}
}
