package main

import (
	"flag"
	"io"
	"testing"
)

// --lag N sets the lag the session plays at, as /lag N does: autolag is off
// unless --autolag is given too.
func TestLagFlagTurnsAutolagOff(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		lag     int
		autoLag bool
	}{
		{nil, 5, true},
		{[]string{"--lag", "4"}, 4, false},
		{[]string{"--lag", "4", "--autolag"}, 4, true},
		{[]string{"--autolag=false"}, 5, false},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := newSettingsFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		s, err := f.settings()
		if err != nil {
			t.Fatal(err)
		}
		if s.Lag != tc.lag || s.AutoLag != tc.autoLag {
			t.Errorf("%v: lag %d autolag %v, want lag %d autolag %v", tc.args, s.Lag, s.AutoLag, tc.lag, tc.autoLag)
		}
	}
}

// The demo is a new session: autolag is on unless --lag is given alone.
func TestDemoLagFlagTurnsAutolagOff(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		lag     uint8
		autoLag bool
	}{
		{nil, 5, true},
		{[]string{"--lag", "2"}, 2, false},
		{[]string{"--lag", "2", "--autolag"}, 2, true},
		{[]string{"--autolag=false"}, 5, false},
	} {
		d, err := demoFlags(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lag != tc.lag || d.AutoLag != tc.autoLag {
			t.Errorf("demo %v: lag %d autolag %v, want lag %d autolag %v", tc.args, d.Lag, d.AutoLag, tc.lag, tc.autoLag)
		}
	}
}
