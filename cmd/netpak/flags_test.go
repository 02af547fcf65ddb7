package main

import (
	"flag"
	"io"
	"testing"
)

// --lag N sets the lag the session plays at, as /lag N does: autolag is off
// unless --autolag is given too. The same holds for netpak demo, a new
// session too.
func TestLagFlagTurnsAutolagOff(t *testing.T) {
	parsers := map[string]func(args []string) (lag int, autoLag bool, err error){
		"session": func(args []string) (int, bool, error) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := newSettingsFlags(fs)
			if err := fs.Parse(args); err != nil {
				return 0, false, err
			}
			s, err := f.settings()
			return s.Lag, s.AutoLag, err
		},
		"demo": func(args []string) (int, bool, error) {
			d, err := demoFlags(args)
			return int(d.Lag), d.AutoLag, err
		},
	}
	for name, parse := range parsers {
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
			lag, autoLag, err := parse(tc.args)
			if err != nil {
				t.Fatalf("%s %v: %v", name, tc.args, err)
			}
			if lag != tc.lag || autoLag != tc.autoLag {
				t.Errorf("%s %v: lag %d autolag %v, want lag %d autolag %v", name, tc.args, lag, autoLag, tc.lag, tc.autoLag)
			}
		}
	}
}
