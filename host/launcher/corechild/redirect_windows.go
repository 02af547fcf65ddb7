package corechild

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// redirectOutput keeps a private copy of stdout for the protocol and
// points standard output and error at the log file, so whatever the core,
// the plugins or their libraries print lands in the log, never in the
// protocol or the console. Windows has no dup2 for the whole process: a C
// runtime takes its stdout from the standard handles when it starts, and
// one that has started already (Windows' own DLLs load msvcrt) keeps its
// own copy, so both are redirected.
func redirectOutput(logPath string) (proto, logFile *os.File, err error) {
	if logPath == "" {
		logPath = os.DevNull
	}
	logFile, err = os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*os.File, *os.File, error) {
		logFile.Close()
		return nil, nil, err
	}
	out, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE)
	if err != nil {
		return fail(err)
	}
	self := windows.CurrentProcess()
	var private windows.Handle
	if err := windows.DuplicateHandle(self, out, self, &private, 0, false, windows.DUPLICATE_SAME_ACCESS); err != nil {
		return fail(fmt.Errorf("duplicate stdout: %w", err))
	}
	logHandle := windows.Handle(logFile.Fd())
	for _, std := range []uint32{windows.STD_OUTPUT_HANDLE, windows.STD_ERROR_HANDLE} {
		if err := windows.SetStdHandle(std, logHandle); err != nil {
			return fail(err)
		}
	}
	for _, crt := range []string{"msvcrt.dll", "ucrtbase.dll"} {
		if err := redirectCRT(crt, logHandle); err != nil {
			return fail(err)
		}
	}
	return os.NewFile(uintptr(private), "protocol"), logFile, nil
}

// redirectCRT points file descriptors 1 and 2 of a C runtime DLL that is
// already loaded at the log file; one not loaded yet will find the log in
// the standard handles when it starts.
func redirectCRT(name string, log windows.Handle) error {
	var mod windows.Handle
	if windows.GetModuleHandleEx(0, windows.StringToUTF16Ptr(name), &mod) != nil {
		return nil // not loaded
	}
	defer windows.FreeLibrary(mod)
	openHandle, err1 := windows.GetProcAddress(mod, "_open_osfhandle")
	dup2, err2 := windows.GetProcAddress(mod, "_dup2")
	if err1 != nil || err2 != nil {
		return nil // not a C runtime we know
	}
	self := windows.CurrentProcess()
	var h windows.Handle
	if err := windows.DuplicateHandle(self, log, self, &h, 0, false, windows.DUPLICATE_SAME_ACCESS); err != nil {
		return fmt.Errorf("%s: duplicate log handle: %w", name, err)
	}
	fd, _, _ := syscall.SyscallN(openHandle, uintptr(h), 0)
	if int32(fd) < 0 {
		windows.CloseHandle(h)
		return fmt.Errorf("%s: _open_osfhandle failed", name)
	}
	for _, target := range []uintptr{1, 2} {
		if rc, _, _ := syscall.SyscallN(dup2, fd, target); int32(rc) != 0 {
			return fmt.Errorf("%s: _dup2 to %d failed", name, target)
		}
	}
	return nil
}
