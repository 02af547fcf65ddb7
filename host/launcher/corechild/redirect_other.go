//go:build !unix && !windows

package corechild

import "os"

// redirectOutput only opens the log file here: without dup2 the core's own
// prints still reach stdout, which is why the core is unsupported on these
// platforms anyway.
func redirectOutput(logPath string) (proto, logFile *os.File, err error) {
	if logPath == "" {
		logPath = os.DevNull
	}
	logFile, err = os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return os.Stdout, logFile, nil
}
