package hosttest

import (
	"runtime"
	"testing"
	"testing/synctest"
)

// Bubble runs f in a testing/synctest bubble, one thread at a time.
//
// The race detector can crash in a bubble that runs on several threads
// (Go 1.26; golang/go#78156): a bubble's timers share one race context,
// which the bubble's root, firing timers, and a goroutine that runs an
// expired timer itself (a receive from a timer channel nobody waited on)
// may use at the same moment. One thread at a time rules that out and
// costs little under the bubble's fake clock. GOMAXPROCS is the process's,
// so tests that call Bubble do not run in parallel.
func Bubble(t *testing.T, f func(*testing.T)) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	synctest.Test(t, f)
}
