//go:build unix

package corechild

import (
	"os"

	"golang.org/x/sys/unix"
)

// redirectOutput keeps a private copy of stdout for the protocol and points
// fds 1 and 2 at the log file, so whatever the core, the plugins or their
// libraries print lands in the log, never in the protocol or the console.
func redirectOutput(logPath string) (proto, logFile *os.File, err error) {
	if logPath == "" {
		logPath = os.DevNull
	}
	logFile, err = os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	fd, err := unix.Dup(1)
	if err != nil {
		logFile.Close()
		return nil, nil, err
	}
	unix.CloseOnExec(fd)
	for _, target := range []int{1, 2} {
		if err := unix.Dup2(int(logFile.Fd()), target); err != nil {
			logFile.Close()
			unix.Close(fd)
			return nil, nil, err
		}
	}
	return os.NewFile(uintptr(fd), "protocol"), logFile, nil
}
