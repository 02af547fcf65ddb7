//go:build ((darwin || freebsd || linux || netbsd) && !android) || windows

package corechild

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Callback slots are never freed and limited, so each callback is created
// once per process and finds the running session through current.
var (
	callbacksOnce sync.Once
	debugCB       uintptr
	stateCB       uintptr
	frameCB       uintptr
	current       atomic.Pointer[session]
)

// Context values passed with the debug callback name the message's source.
var sourceNames = []string{"core", "rsp", "video", "audio", "input"}

func makeCallbacks() {
	callbacksOnce.Do(func() {
		debugCB = purego.NewCallback(onDebug)
		stateCB = purego.NewCallback(onState)
		frameCB = purego.NewCallback(onFrame)
	})
}

// The callbacks return a uintptr the core ignores: Windows callbacks
// (syscall.NewCallback) must return one word, and elsewhere it is harmless.

// onDebug receives log lines from the core and plugins, on whatever
// thread they run.
func onDebug(ctx, level uintptr, msg *byte) uintptr {
	s := current.Load()
	if s == nil {
		return 0
	}
	src := "plugin"
	if ctx < uintptr(len(sourceNames)) {
		src = sourceNames[ctx]
	}
	s.logf("%s %s: %s", src, levelName(int(int32(level))), goString(msg))
	return 0
}

// onState notes the emulator's state changes; it runs on the EXECUTE
// thread.
func onState(_, param, value uintptr) uintptr {
	s := current.Load()
	if s != nil && int32(param) == coreEmuState && int32(value) == emuRunning {
		s.runningOnce.Do(func() { close(s.running) })
	}
	return 0
}

// onFrame runs on the EXECUTE thread after each gfx task. With the dummy
// video plugin it raises MI_INTR_DP as a real one would: new_frame runs
// before do_SP_Task checks the bit, so the interrupt is scheduled exactly
// where a real plugin would cause it.
func onFrame(uintptr) uintptr {
	s := current.Load()
	if s == nil {
		return 0
	}
	s.frames.Add(1)
	if !s.fakeDP {
		return 0
	}
	pi := s.c.memPointer(dbgPtrPIReg)
	if pi == nil {
		return 0
	}
	mi := *(*unsafe.Pointer)(unsafe.Add(pi, piToMI))
	if mi == nil {
		return 0
	}
	intr := (*uint32)(unsafe.Add(mi, 8)) // regs[MI_INTR_REG]
	*intr |= miIntrDP
	return 0
}

// maxMessage bounds a C string read from the core.
const maxMessage = 4096

func goString(p *byte) string {
	if p == nil {
		return ""
	}
	var b []byte
	for i := 0; i < maxMessage; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}
