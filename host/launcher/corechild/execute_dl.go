//go:build ((darwin || freebsd || linux || netbsd) && !android) || windows

package corechild

import (
	"bytes"
	"runtime"
	"time"
	"unsafe"

	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// donePollInterval is how often the child looks at Config.DoneAddr.
const donePollInterval = 5 * time.Millisecond

// stopRetryInterval spaces repeated STOPs. The core reports "running"
// before its CPU loop starts, and that loop clears the stop flag on entry,
// so a STOP in that window is lost; repeating it until EXECUTE returns is
// the only reliable way.
const stopRetryInterval = 200 * time.Millisecond

// execute runs EXECUTE on its own locked OS thread and serves requests
// until it returns. A stop before the emulator runs is remembered and
// issued once it does, because the core refuses STOP until then.
func (s *session) execute(reqs <-chan childproto.Request) error {
	done := make(chan int32, 1)
	go func() {
		runtime.LockOSThread() // the game, and a video plugin's GL context, live on this thread
		done <- s.c.doCommand(cmdExecute, 0, nil)
	}()
	var tick <-chan time.Time
	if s.cfg.DoneAddr != 0 {
		t := time.NewTicker(donePollInterval)
		defer t.Stop()
		tick = t.C
	}
	retry := time.NewTicker(stopRetryInterval)
	defer retry.Stop()
	running := s.running
	isRunning, stopWanted, reported := false, false, false
	for {
		select {
		case rc := <-done:
			return s.c.check("execute", rc)
		case <-running:
			running, isRunning = nil, true
			s.onRunning()
		case req, ok := <-reqs:
			if !ok || req.Op == childproto.OpStop {
				reqs = nil // stdin closed or stop asked: the retry tick stops it
				stopWanted = true
				if isRunning {
					s.stop()
				}
				continue
			}
			if req.Op == childproto.OpConfig {
				s.out.Send(childproto.Message{Kind: childproto.KindValues, ID: req.ID, Values: s.configValues(req.Keys)})
				continue
			}
			s.serveRead(req, isRunning)
		case <-retry.C:
			if stopWanted && isRunning {
				s.stop()
			}
		case <-tick:
			if isRunning && !reported && s.word(s.cfg.DoneAddr) != 0 {
				reported = true
				s.out.Send(childproto.Message{Kind: childproto.KindDone, Words: s.words(s.cfg.ReportAddrs)})
				if s.cfg.StopWhenDone {
					stopWanted = true
					s.stop()
				}
			}
		}
	}
}

func (s *session) onRunning() {
	if s.cfg.NoSpeedLimit {
		off := int32(0)
		if err := s.c.command("speed limiter off", cmdCoreStateSet, coreSpeedLimiter, unsafe.Pointer(&off)); err != nil {
			s.logf("launcher warning: %v", err)
		}
	}
	s.out.Send(childproto.Message{Kind: childproto.KindRunning})
}

func (s *session) stop() {
	if err := s.c.command("stop", cmdStop, 0, nil); err != nil {
		s.logf("launcher warning: %v", err)
	}
}

func (s *session) serveRead(req childproto.Request, isRunning bool) {
	m := childproto.Message{Kind: childproto.KindWords, ID: req.ID}
	if !isRunning || s.c.memPointer(dbgPtrRDRAM) == nil {
		m.Err = errNotRunning.Error()
	} else {
		m.Words = s.words(req.Addrs)
	}
	s.out.Send(m)
}

// word reads the MIPS word at a physical RDRAM address. The core keeps
// RDRAM as host-endian u32 words, so no swapping is needed. Reads race
// with the emulator by design; a word is read whole.
func (s *session) word(addr uint32) uint32 {
	base := s.c.memPointer(dbgPtrRDRAM)
	if base == nil || addr%4 != 0 || addr >= emucfg.RDRAMSize {
		return 0
	}
	return *(*uint32)(unsafe.Add(base, addr))
}

func (s *session) words(addrs []uint32) []uint32 {
	out := make([]uint32, len(addrs))
	for i, a := range addrs {
		out[i] = s.word(a)
	}
	return out
}

// maxConfigString bounds a string parameter read back from the core.
const maxConfigString = 4096

// configValues reads parameters from the core's configuration, written as
// mupen64plus.cfg writes them; "" for one the core does not have.
func (s *session) configValues(keys []emucfg.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = s.configValue(k)
	}
	return out
}

func (s *session) configValue(k emucfg.Key) string {
	var section uintptr
	if s.c.openSection(k.Section, &section) != 0 {
		return ""
	}
	var typ int32
	if s.c.paramType(section, k.Name, &typ) != 0 {
		return ""
	}
	v := emucfg.Value{Type: emucfg.ParamType(typ)}
	var rc int32
	switch v.Type {
	case emucfg.TypeInt, emucfg.TypeBool:
		rc = s.c.getParameter(section, k.Name, typ, unsafe.Pointer(&v.Int), 4)
	case emucfg.TypeFloat:
		rc = s.c.getParameter(section, k.Name, typ, unsafe.Pointer(&v.Float), 4)
	case emucfg.TypeString:
		buf := make([]byte, maxConfigString)
		rc = s.c.getParameter(section, k.Name, typ, unsafe.Pointer(&buf[0]), int32(len(buf)))
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			v.Str = string(buf[:i])
		}
	default:
		return ""
	}
	if rc != 0 {
		return ""
	}
	return v.String()
}
