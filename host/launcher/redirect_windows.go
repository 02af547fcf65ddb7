package launcher

import (
	"os"

	"golang.org/x/sys/windows"
)

// redirectOutput keeps the original stdout handle for the protocol and
// makes the log file the process's standard output and error. It runs
// before the core DLL is loaded, so the C runtime the core and plugins
// use picks up the log file as its stdout and stderr when it starts, and
// whatever they print lands in the log, never in the protocol.
func redirectOutput(logPath string) (proto, logFile *os.File, err error) {
	if logPath == "" {
		logPath = os.DevNull
	}
	logFile, err = os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	out, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE)
	if err != nil {
		logFile.Close()
		return nil, nil, err
	}
	for _, std := range []uint32{windows.STD_OUTPUT_HANDLE, windows.STD_ERROR_HANDLE} {
		if err := windows.SetStdHandle(std, windows.Handle(logFile.Fd())); err != nil {
			logFile.Close()
			return nil, nil, err
		}
	}
	return os.NewFile(uintptr(out), "protocol"), logFile, nil
}
