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
