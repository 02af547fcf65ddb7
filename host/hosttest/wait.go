package hosttest

import (
	"testing"
	"time"
)

// waitLimit bounds every wait of a test: long enough for a loaded CI
// machine, short enough that a hung test says what it waited for.
const waitLimit = 10 * time.Second

// Eventually polls cond every millisecond until it holds, and reports
// whether it did within ten seconds. Tests use it where what they watch
// has no channel to wait on.
func Eventually(cond func() bool) bool {
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// WaitFor fails t unless cond holds within ten seconds, saying what it
// waited for.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Eventually(cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
