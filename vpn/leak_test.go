package vpn

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goroutineLeakCheck fails t if goroutines that started during it are
// still running when its cleanups are done, as wireguard-go's test of the
// same name does. Call it first, so its cleanup runs last.
func goroutineLeakCheck(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		var leaked []string
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			leaked = leaked[:0]
			for id, stack := range goroutines() {
				if _, ok := before[id]; !ok {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				break
			}
			<-tick.C
		}
		t.Errorf("%d goroutines outlived the test:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
	})
}

// goroutines returns the stacks of all goroutines but the caller's, by
// goroutine id. Tests in this package do not run in parallel, so new
// goroutines are the test's.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 { // the caller
			continue
		}
		s := string(g)
		header, _, _ := strings.Cut(s, "\n")
		id, _, _ := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
		out[id] = s
	}
	return out
}
