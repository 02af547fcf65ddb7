package launcher

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// Timeouts of the parent side.
const (
	// StopTimeout is how long [Process.Stop] waits for a clean exit before
	// killing the child (see [childproto.StopTimeout]).
	StopTimeout  = childproto.StopTimeout
	writeTimeout = 5 * time.Second
	stderrTail   = 4096
)

// ChildCommand is the hidden subcommand under which netpak's main must
// call [github.com/netpak/netpak/host/launcher/corechild.Main]; [Start]
// runs the executable with it.
const ChildCommand = "__netpak-emulator"

// ChildEnv is set to "1" in the child's environment, so a test binary's
// TestMain can recognise the child and call corechild.Main.
const ChildEnv = "NETPAK_EMULATOR_CHILD"

// ErrNotRunning reports a read while the emulator is not executing.
var ErrNotRunning = errors.New("launcher: emulator not running")

// Process is a running emulator child. Its methods are safe for
// concurrent use.
type Process struct {
	// Immutable after Start.
	cmd     *exec.Cmd
	stdin   *os.File
	logf    func(string, ...any)
	stderr  *tailBuffer
	running chan struct{} // closed by readLoop on "running"
	done    chan struct{} // closed by readLoop on "done"
	exited  chan struct{} // closed once the child is reaped

	wmu      sync.Mutex // serialises writes to stdin
	stopOnce sync.Once

	mu        sync.Mutex
	nextID    uint32
	pending   map[uint32]chan childproto.Message
	doneWords []uint32
	childErr  error // first error the child reported
	clean     bool  // the child sent "exit"
	waitErr   error // set before exited is closed
}

// Start runs exe (normally netpak's own executable, os.Executable) as an
// emulator child ([ChildCommand], with [ChildEnv] set) and sends it cfg.
// Cancelling ctx stops the emulator as [Process.Stop] does. Errors about
// the core itself (a missing library, say) arrive from [Process.Wait].
func Start(ctx context.Context, exe string, cfg emucfg.Config) (*Process, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	line, err := json.Marshal(cfg)
	if err != nil || len(line) > childproto.MaxLine {
		return nil, fmt.Errorf("%w: config does not fit the protocol", emucfg.ErrConfig)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launcher: pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("launcher: pipe: %w", err)
	}
	p := newProcess(exe, cfg.Logf, inR, outW, inW)
	err = p.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("%w: start %s: %w", ErrChild, exe, err)
	}
	go p.readLoop(outR)
	go func() {
		select {
		case <-ctx.Done():
			p.Stop()
		case <-p.exited:
		}
	}()
	if err := p.write(append(line, '\n')); err != nil {
		p.kill()
		return nil, fmt.Errorf("%w: send config: %w", ErrChild, err)
	}
	return p, nil
}

func newProcess(exe string, logf func(string, ...any), stdin, stdout, inW *os.File) *Process {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cmd := exec.Command(exe, ChildCommand)
	cmd.Env = append(os.Environ(), ChildEnv+"=1")
	p := &Process{
		cmd: cmd, stdin: inW, logf: logf, stderr: &tailBuffer{},
		running: make(chan struct{}), done: make(chan struct{}), exited: make(chan struct{}),
		pending: make(map[uint32]chan childproto.Message),
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, p.stderr
	return p
}

// Running is closed once the emulator executes.
func (p *Process) Running() <-chan struct{} { return p.running }

// Done is closed once the child saw a non-zero word at
// [emucfg.Config.DoneAddr].
func (p *Process) Done() <-chan struct{} { return p.done }

// DoneWords returns the words at [emucfg.Config.ReportAddrs] read when the
// done word became non-zero, or nil before [Process.Done] is closed.
func (p *Process) DoneWords() []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]uint32(nil), p.doneWords...)
}

// Exited is closed once the child process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Wait waits for the child to end. It returns nil after a clean stop, the
// child's own error (a [*MissingError], or one matching
// [emucfg.ErrConfig] or [ErrCore]), or an error matching [ErrChild] if it
// died.
func (p *Process) Wait() error {
	<-p.exited
	return p.waitErr
}

// Stop asks the emulator to stop, kills the child if it has not ended
// after [StopTimeout], and returns what [Process.Wait] returns. A core
// still in the netplay handshake cannot stop; that case ends in the kill.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		if err := p.send(childproto.Request{Op: childproto.OpStop}); err != nil {
			p.logf("launcher: send stop: %v", err)
		}
		p.stdin.Close() // the child also stops on end of input
	})
	select {
	case <-p.exited:
	case <-time.After(StopTimeout):
		p.logf("launcher: emulator did not stop within %v, killing it", StopTimeout)
		p.kill()
	}
	return p.Wait()
}

// ReadWords returns the MIPS words at the given physical RDRAM addresses
// (aligned, below 8 MiB), read while the emulator runs.
func (p *Process) ReadWords(ctx context.Context, addrs []uint32) ([]uint32, error) {
	if len(addrs) == 0 || len(addrs) > childproto.MaxReadAddrs {
		return nil, fmt.Errorf("launcher: read of %d words, want 1 to %d", len(addrs), childproto.MaxReadAddrs)
	}
	if err := emucfg.ValidateAddrs(addrs); err != nil {
		return nil, fmt.Errorf("launcher: read: %w", err)
	}
	m, err := p.ask(ctx, childproto.Request{Op: childproto.OpRead, Addrs: addrs})
	if err != nil {
		return nil, err
	}
	if len(m.Words) != len(addrs) {
		return nil, fmt.Errorf("%w: %d words for %d addresses", ErrChild, len(m.Words), len(addrs))
	}
	return m.Words, nil
}

// ConfigValues returns the values of the core's configuration parameters
// as the running emulator holds them, written as mupen64plus.cfg writes
// them ("text" in quotes, True or False, numbers); "" for a parameter the
// core does not have. It works from the moment the child starts serving
// requests, which is before [Process.Running] is closed.
func (p *Process) ConfigValues(ctx context.Context, keys []emucfg.Key) ([]string, error) {
	if err := childproto.ValidateKeys(keys); err != nil {
		return nil, fmt.Errorf("launcher: %w", err)
	}
	m, err := p.ask(ctx, childproto.Request{Op: childproto.OpConfig, Keys: keys})
	if err != nil {
		return nil, err
	}
	if len(m.Values) != len(keys) {
		return nil, fmt.Errorf("%w: %d values for %d keys", ErrChild, len(m.Values), len(keys))
	}
	return m.Values, nil
}

// ask sends req with a fresh id and waits for the reply with that id.
func (p *Process) ask(ctx context.Context, req childproto.Request) (childproto.Message, error) {
	select {
	case <-p.exited:
		return childproto.Message{}, fmt.Errorf("%w: emulator exited", ErrNotRunning)
	default:
	}
	reply := make(chan childproto.Message, 1)
	p.mu.Lock()
	p.nextID++
	req.ID = p.nextID
	p.pending[req.ID] = reply
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, req.ID)
		p.mu.Unlock()
	}()
	if err := p.send(req); err != nil {
		if errors.Is(err, os.ErrClosed) {
			return childproto.Message{}, fmt.Errorf("%w: emulator stopping", ErrNotRunning)
		}
		return childproto.Message{}, fmt.Errorf("%w: send %s: %w", ErrChild, req.Op, err)
	}
	select {
	case m := <-reply:
		if m.Err != "" {
			return childproto.Message{}, fmt.Errorf("%w: %s", ErrNotRunning, m.Err)
		}
		return m, nil
	case <-p.exited:
		return childproto.Message{}, fmt.Errorf("%w: emulator exited", ErrNotRunning)
	case <-ctx.Done():
		return childproto.Message{}, ctx.Err()
	}
}

func (p *Process) send(req childproto.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	return p.write(append(b, '\n'))
}

func (p *Process) write(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.stdin.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := p.stdin.Write(b)
	return err
}

// Kill ends the child at once, as a crash or a power cut would: the
// emulator gets no chance to say goodbye to its netplay host. Tests use
// it to check that a session survives a player that vanishes.
func (p *Process) Kill() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%w: kill: %w", ErrChild, err)
	}
	return nil
}

func (p *Process) kill() {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.logf("launcher: kill emulator: %v", err)
	}
}

// readLoop handles the child's messages until its stdout ends, then reaps
// the child. A line the protocol cannot frame kills the child: the stream
// can no longer be trusted.
func (p *Process) readLoop(out *os.File) {
	defer out.Close()
	r := bufio.NewReader(out)
	for {
		line, err := childproto.ReadLine(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.fail(fmt.Errorf("%w: read: %w", ErrChild, err))
				p.kill()
			}
			break
		}
		m, err := childproto.ParseMessage(line)
		if err != nil {
			p.logf("launcher: dropped child message: %v", err)
			continue
		}
		p.handle(m)
	}
	p.reap()
}

func (p *Process) handle(m childproto.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Kind {
	case childproto.KindRunning:
		closeOnce(p.running)
	case childproto.KindWords, childproto.KindValues:
		if reply, ok := p.pending[m.ID]; ok {
			reply <- m
			delete(p.pending, m.ID)
		}
	case childproto.KindDone:
		if p.doneWords == nil {
			p.doneWords = append([]uint32{}, m.Words...)
			close(p.done)
		}
	case childproto.KindError:
		if p.childErr == nil {
			p.childErr = childproto.MessageError(m)
		}
	case childproto.KindExit:
		p.clean = true
	}
}

func (p *Process) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.childErr == nil {
		p.childErr = err
	}
}

// reap waits for the child and decides what Wait reports.
func (p *Process) reap() {
	err := p.cmd.Wait()
	p.stdin.Close()
	p.mu.Lock()
	switch {
	case p.childErr != nil:
		p.waitErr = p.childErr
	case err != nil:
		p.waitErr = fmt.Errorf("%w: %w%s", ErrChild, err, p.stderr.suffix())
	case !p.clean:
		p.waitErr = fmt.Errorf("%w: ended without reporting%s", ErrChild, p.stderr.suffix())
	}
	p.mu.Unlock()
	close(p.exited)
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// tailBuffer keeps the last stderrTail bytes the child wrote to stderr
// before its output was redirected (a Go panic, a dynamic-loader error).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > stderrTail {
		t.buf = t.buf[len(t.buf)-stderrTail:]
	}
	return len(b), nil
}

func (t *tailBuffer) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return ""
	}
	return ": " + s
}
