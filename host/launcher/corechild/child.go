package corechild

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// Exit codes of [Main].
const (
	exitOK     = 0
	exitError  = 1
	exitProto  = 2
	exitOrphan = 3
)

// orphanTimeout is how long the child lives after its input ended (netpak
// quit or died) without the emulator having stopped. The core cannot stop
// while it waits in the netplay handshake, and it never gives up there.
const orphanTimeout = childproto.StopTimeout

// Main is the emulator process: it reads an [emucfg.Config] from stdin,
// runs the core, answers requests, and reports over stdout, as
// [childproto] says. It returns the process exit code. netpak's main calls
// it when run with launcher.ChildCommand, a test binary's TestMain when
// launcher.ChildEnv is set; args are the arguments after the command, and
// none are used yet.
func Main(args []string) int {
	in := bufio.NewReader(os.Stdin)
	out := childproto.NewWriter(os.Stdout)
	line, err := childproto.ReadLine(in)
	if err != nil {
		out.Send(childproto.ErrorMessage(fmt.Errorf("%w: read config: %w", childproto.ErrChild, err)))
		return exitProto
	}
	cfg, err := childproto.ParseConfig(line)
	if err != nil {
		out.Send(childproto.ErrorMessage(err))
		return exitProto
	}
	cfg = cfg.WithDefaults()
	proto, logFile, err := redirectOutput(cfg.LogPath)
	if err != nil {
		out.Send(childproto.ErrorMessage(fmt.Errorf("%w: log file: %w", emucfg.ErrConfig, err)))
		return exitError
	}
	defer logFile.Close()
	out = childproto.NewWriter(proto)
	logf := fileLogf(logFile)
	reqs := make(chan childproto.Request, 16)
	go readRequests(in, reqs, logf)
	if err := runSession(cfg, out, logf, reqs); err != nil {
		logf("launcher error: %v", err)
		out.Send(childproto.ErrorMessage(err))
		return exitError
	}
	out.Send(childproto.Message{Kind: childproto.KindExit})
	return exitOK
}

// readRequests forwards parsed requests until stdin ends, then closes
// reqs, which stops the emulator: the parent quit or died. A bad line
// ends the requests too, since the stream can no longer be trusted.
func readRequests(in *bufio.Reader, reqs chan<- childproto.Request, logf func(string, ...any)) {
	defer time.AfterFunc(orphanTimeout, func() {
		logf("launcher: emulator did not stop %v after netpak left; exiting", orphanTimeout)
		os.Exit(exitOrphan)
	})
	defer close(reqs)
	for {
		line, err := childproto.ReadLine(in)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				logf("launcher: request stream: %v", err)
			}
			return
		}
		req, err := childproto.ParseRequest(line)
		if err != nil {
			logf("launcher: bad request: %v", err)
			return
		}
		reqs <- req
	}
}

// fileLogf writes timestamped lines to f; the core calls it from several
// threads.
func fileLogf(f *os.File) func(string, ...any) {
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(f, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
}
