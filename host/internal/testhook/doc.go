// Package testhook owns what tests may change in a host or a client and
// players never can: only packages under host/ can import it, so the
// hooks are in no public configuration and never travel on the wire.
package testhook

import "time"

// Hooks are test-only behaviours of a host or a client.
type Hooks struct {
	// Turbo makes mupen64plus cores run unthrottled: every input reply
	// says they are far behind, so a test plays thousands of frames in
	// seconds.
	Turbo bool
	// ScriptKeys, if set, replaces the keys cores report with
	// ScriptKeys(port, count): headless test cores have no input to give.
	ScriptKeys func(port int, count uint32) uint32
	// ClaimRTT, if not 0, is the round trip a client reports in its
	// pings, whatever it measured: a griefer's claim.
	ClaimRTT time.Duration
}
