package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/host/client"
	"github.com/netpak/netpak/host/sim"
)

// netpakBin is the real binary TestMain built, or "" with why in
// buildErr.
var netpakBin, buildErr = "", ""

// binEnv names a netpak binary built beforehand, for systems without a go
// command: .ci/wine/run builds netpak.exe and runs these tests under Wine.
const binEnv = "NETPAK_E2E_BIN"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "netpak-e2e")
	if err != nil {
		panic(err)
	}
	switch bin := os.Getenv(binEnv); {
	case os.Getenv(labRoleEnv) != "":
		// A NAT lab role (this binary re-executed) runs no netpak
		// binary; building one would cost each role seconds.
	case bin != "":
		netpakBin = bin
	default:
		netpakBin, buildErr = build(dir)
	}
	quickChildExit()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// quickChildExit lets this binary's children, -race builds of it like
// itself, exit at once: the race runtime otherwise sleeps atexit_sleep_ms
// (1 s) at every exit so that other threads can finish a report, and the
// tests wait for each child to exit. A race a child hits while it runs is
// still reported and still fails its exit status. An explicit
// atexit_sleep_ms in GORACE is kept.
func quickChildExit() {
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
}

func build(dir string) (string, string) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", "go is not on PATH: " + err.Error()
	}
	bin := filepath.Join(dir, "netpak")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build: %v\n%s", err, out)
	}
	return bin, ""
}

// buildNetpak returns the binary, or skips when there is no go command.
func buildNetpak(t *testing.T) string {
	t.Helper()
	if netpakBin == "" {
		if strings.Contains(buildErr, "executable file not found") || strings.Contains(buildErr, "no such file") {
			t.Skip("no go command to build netpak with: " + buildErr)
		}
		t.Fatal(buildErr)
	}
	return netpakBin
}

// stream collects a pipe's lines and lets a test wait for one.
type stream struct {
	name  string
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func newStream(name string, r io.Reader) *stream {
	s := &stream{name: name, added: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
			select {
			case s.added <- struct{}{}:
			default:
			}
		}
	}()
	return s
}

// waitN waits until n lines match re.
func (s *stream) waitN(t *testing.T, re string, n int) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		seen := 0
		for _, l := range s.lines {
			if rx.MatchString(l) {
				seen++
			}
		}
		all := strings.Join(s.lines, "\n")
		s.mu.Unlock()
		if seen >= n {
			return
		}
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("%s printed %d lines matching %q, want %d; it printed:\n%s", s.name, seen, re, n, all)
		}
	}
}

// wait returns the submatches of the first line matching re, failing
// after 30 s (a -race child process on a busy 2-core machine can take
// several seconds to start).
func (s *stream) wait(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		for _, l := range s.lines {
			if m := rx.FindStringSubmatch(l); m != nil {
				s.mu.Unlock()
				return m
			}
		}
		all := strings.Join(s.lines, "\n")
		s.mu.Unlock()
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("%s printed no line matching %q; it printed:\n%s", s.name, re, all)
		}
	}
}

// console is one running netpak console, typed into through a pipe.
type consoleProc struct {
	name     string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out, err *stream
	exited   chan error
}

// startConsole starts netpak with args, with folders of its own.
func startConsole(t *testing.T, bin, name string, args ...string) *consoleProc {
	t.Helper()
	return startConsoleIn(t, t.TempDir(), bin, name, args...)
}

// startConsoleIn starts netpak with args, keeping its configuration
// (player key, VPN keys) in configDir, which a console started again may
// share: os.UserConfigDir is $XDG_CONFIG_HOME, or %APPDATA% on Windows.
func startConsoleIn(t *testing.T, configDir, bin, name string, args ...string) *consoleProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CI=true", "XDG_CACHE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+configDir, "APPDATA="+configDir, "LANG=C.UTF-8")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	c := &consoleProc{name: name, cmd: cmd, stdin: stdin, exited: make(chan error, 1),
		out: newStream(name+" stdout", stdout), err: newStream(name+" stderr", stderr)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.exited
	})
	return c
}

func (c *consoleProc) typeLine(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("type into %s: %v", c.name, err)
	}
}

func (c *consoleProc) waitExit(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.exited:
		c.exited <- err // for the cleanup
		if err != nil {
			t.Errorf("%s exited: %v", c.name, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not exit", c.name)
	}
}

// TestThreeConsoles drives a host and two joiners as people would, through
// the piped console, and checks what each one printed.
func TestThreeConsoles(t *testing.T) {
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--port", "0", "--server")
	port := alice.err.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]

	bob := startConsole(t, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	bob.err.wait(t, `^joined the session at 127\.0\.0\.1:`+port+`$`)
	alice.err.wait(t, `^Bob joined on port 2$`)

	carol := startConsole(t, bin, "carol", "--name", "Carol")
	carol.typeLine(t, "/connect 127.0.0.1 "+port)
	carol.err.wait(t, `^joined the session at`)
	alice.err.wait(t, `^Carol joined on port 3$`)
	bob.err.wait(t, `^Carol joined on port 3$`)

	bob.typeLine(t, "hi all")
	for _, c := range []*consoleProc{alice, bob, carol} {
		c.err.wait(t, `^<Bob> hi all$`)
	}
	carol.typeLine(t, "/lag 3")
	carol.typeLine(t, "/lga 3")
	carol.err.wait(t, `^unknown command /lga: did you mean /lag\?`)
	bob.typeLine(t, "/golf")
	bob.typeLine(t, "/start")
	bob.err.wait(t, `^only the host can start the game$`)
	for _, c := range []*consoleProc{alice, bob, carol} {
		c.err.wait(t, `^Carol set the lag to 3$`)
		c.err.wait(t, `^Bob turned golf mode on$`)
	}

	alice.typeLine(t, "/who")
	alice.out.wait(t, `^session hosting port `+port+`, lobby, lag 3 \(autolag off\), golf on`)
	alice.out.wait(t, `^  Alice +1 +\d+ ms +host \(you\)$`)
	alice.out.wait(t, `^  Bob +2 +\d+ ms +player$`)
	alice.out.wait(t, `^  Carol +3 +\d+ ms +player$`)

	alice.typeLine(t, "/start")
	for _, c := range []*consoleProc{alice, bob, carol} {
		c.err.wait(t, `^the game started at poll 0$`)
	}
	carol.typeLine(t, "/who")
	carol.out.wait(t, `^session 127\.0\.0\.1:`+port+`, playing, lag 3 \(autolag off\), golf on, poll \d+`)
	carol.out.wait(t, `^  Carol +3 +\d+ ms +player \(you\)$`)

	// A second game in the same session: /stop, then /start, nobody reconnects.
	alice.typeLine(t, "/stop")
	for _, c := range []*consoleProc{alice, bob, carol} {
		c.err.wait(t, `^Alice stopped the game; back in the lobby: /start plays the next one$`)
	}
	alice.typeLine(t, "/start")
	for _, c := range []*consoleProc{alice, bob, carol} {
		c.err.waitN(t, `^the game started at poll 0$`, 2)
	}

	carol.typeLine(t, "/quit")
	carol.waitExit(t)
	alice.err.wait(t, `^Carol left \(quit\); port 3 reads empty from poll \d+$`)
	bob.err.wait(t, `^Carol left \(quit\); port 3 reads empty from poll \d+$`)

	alice.typeLine(t, "/quit")
	alice.waitExit(t)
	bob.err.wait(t, `^lost the host`)
	bob.stdin.Close()
	bob.waitExit(t)
}

// TestVPNConsoles hosts through the built-in VPN in one console and joins
// it with the invite in another, as two people would.
func TestVPNConsoles(t *testing.T) {
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--vpn-port", "0")
	alice.typeLine(t, "/server 0 vpn")
	m := alice.err.wait(t, `^hosting on port (\d+) \(TCP and UDP\) and through the built-in VPN on UDP port (\d+);`)
	vpnPort := m[2]
	invite := alice.out.wait(t, `^netpak1[A-Za-z0-9_-]+$`)[0]
	alice.typeLine(t, "/invite")
	alice.err.wait(t, `^players join with /connect and this line \(UDP port `+vpnPort+` must reach this machine\):$`)
	alice.out.wait(t, `^[█▀▄ ]{20,}$`) // the QR code

	bob := startConsole(t, bin, "bob", "--name", "Bob")
	bob.typeLine(t, "/connect "+invite)
	bob.err.wait(t, `^joined the session through the built-in VPN \(vpn 127\.0\.0\.1:`+vpnPort+`, direct(, \d+ ms)?\)$`)
	alice.err.wait(t, `^Bob joined on port 2$`)
	bob.typeLine(t, "hello through the tunnel")
	alice.err.wait(t, `^<Bob> hello through the tunnel$`)
	bob.typeLine(t, "/who")
	bob.out.wait(t, `^session vpn 127\.0\.0\.1:`+vpnPort+`, lobby, lag 5`)

	alice.typeLine(t, "/kick Bob")
	alice.err.wait(t, `^Bob left \(kicked\)`)
	bob.err.wait(t, `^the host removed you from the session \(kicked\)$`)
	bob.err.wait(t, `^left the session: the host removed you`) // the session has ended here
	bob.typeLine(t, "/who")
	bob.err.wait(t, `^you are in no session`)

	alice.typeLine(t, "/invite new")
	alice.err.wait(t, `^a new invite; the old one no longer admits anybody$`)
	bob.typeLine(t, "/connect "+invite)
	bob.err.wait(t, `host refused the join secret.*ask the host for a fresh /invite$`)
	alice.typeLine(t, "/quit")
	alice.waitExit(t)
	bob.typeLine(t, "/quit")
	bob.waitExit(t)
}

func TestInitAndBadFile(t *testing.T) {
	bin := buildNetpak(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "s.toml")
	if out, err := exec.Command(bin, "init", file).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "init", file).CombinedOutput(); err == nil {
		t.Errorf("init overwrote a file: %s", out)
	}
	if err := os.WriteFile(file, []byte("name = \"Zed\"\nlag = 999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-c", file).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), file+":2: lag: 999 is not a number from 0 to 255") {
		t.Errorf("bad file: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "bogus").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), `unknown command "bogus"`) {
		t.Errorf("unknown subcommand: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "--help").CombinedOutput()
	for _, want := range []string{"netpak join", "netpak host", "netpak demo", "netpak init", "-lag"} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("--help lacks %q: %v\n%s", want, err, out)
		}
	}
}

func TestDemoCommand(t *testing.T) {
	bin := buildNetpak(t)
	out, err := exec.Command(bin, "demo", "--players", "3", "--polls", "200", "--rate", "0", "--loss", "0.1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "all 3 finished poll 200 in the same state") {
		t.Errorf("demo: %v\n%s", err, out)
	}
}

// TestHeadlessHost runs `netpak host`, lets a console join it, and stops it
// with SIGTERM.
func TestHeadlessHost(t *testing.T) {
	bin := buildNetpak(t)
	h := startConsole(t, bin, "host", "host", "--bind", "127.0.0.1", "--port", "0", "--autostart", "2", "--lag", "4")
	port := h.out.wait(t, `hosting on port (\d+) \(TCP and UDP\): lag 4 \(autolag off\), golf off, starts when 2 players have joined`)[1]
	bob := startConsole(t, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	h.out.wait(t, `^\d\d:\d\d:\d\d Bob joined on port 1$`)
	bob.typeLine(t, "/who")
	bob.out.wait(t, `lobby, lag 4 \(autolag off\), golf off`)
	if runtime.GOOS == "windows" {
		h.cmd.Process.Kill()
		bob.err.wait(t, `^lost the host`)
		t.Skip("Windows has no SIGTERM: the clean stop is not tested (a killed host was)")
	}
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	h.waitExit(t)
	h.out.wait(t, `stopping$`)
	bob.err.wait(t, `^lost the host`)
}

// TestHeadlessVPNHost runs `netpak host --vpn` as a real process and plays
// a simulated game with two players who come in through its tunnel.
func TestHeadlessVPNHost(t *testing.T) {
	bin := buildNetpak(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	vpnPort := fmt.Sprint(pc.LocalAddr().(*net.UDPAddr).Port) // free a moment ago
	pc.Close()
	h := startConsole(t, bin, "host", "host", "--bind", "127.0.0.1", "--vpn", "--vpn-only", "--vpn-port", vpnPort,
		"--vpn-endpoint", "127.0.0.1", "--autostart", "2", "--lag", "3")
	invite := h.out.wait(t, `players join with: netpak join (netpak1\S+)$`)[1]
	var clients []*client.Client
	for _, name := range []string{"Ann", "Ben"} {
		ctx := testCtx(t, 30*time.Second)
		tun, err := testTunnels(t).Join(ctx, invite, commands.TunnelJoinConfig{})
		if err != nil {
			t.Fatalf("%s joins the tunnel: %v", name, err)
		}
		t.Cleanup(func() { tun.Close() })
		c, err := client.Dial(ctx, tun.HostAddress(commands.TunnelSessionPort), client.Config{Name: name, Dial: tun.DialContext})
		if err != nil {
			t.Fatalf("%s joins the session: %v", name, err)
		}
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	h.out.wait(t, `the game started at poll 0$`)
	ctx := testCtx(t, 60*time.Second)
	res := make([]sim.Result, len(clients))
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { res[i], errs[i] = sim.Run(ctx, c, sim.Config{Polls: 600, Script: sim.Script{Seed: 9}}) })
	}
	wg.Wait()
	for i := range clients {
		if errs[i] != nil {
			t.Fatalf("player %d: %v", i+1, errs[i])
		}
	}
	if res[0].State != res[1].State || res[0].State.Polls != 600 {
		t.Fatalf("states %v and %v", res[0].State, res[1].State)
	}
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no SIGTERM: the clean stop is not tested (the game through the tunnel was)")
	}
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	h.waitExit(t)
}

// TestHeadlessHostGameAfterGame: `netpak host --autostart 2` serves three
// games in a row without a restart: two players join, play, leave (the
// game is over when every player left), and join again for the next.
func TestHeadlessHostGameAfterGame(t *testing.T) {
	bin := buildNetpak(t)
	h := startConsole(t, bin, "host", "host", "--bind", "127.0.0.1", "--port", "0", "--autostart", "2")
	port := h.out.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]
	bob := startConsole(t, bin, "bob", "--name", "Bob")
	carol := startConsole(t, bin, "carol", "--name", "Carol")
	for game := 1; game <= 3; game++ {
		for _, c := range []*consoleProc{bob, carol} {
			c.typeLine(t, "/connect 127.0.0.1 "+port)
			c.err.waitN(t, `^joined the session at`, game)
		}
		for _, c := range []*consoleProc{bob, carol} {
			c.err.waitN(t, `^the game started at poll 0$`, game)
		}
		h.out.waitN(t, `^\d\d:\d\d:\d\d the game started at poll 0$`, game)
		bob.typeLine(t, "/who")
		bob.out.waitN(t, `, playing, lag \d+`, game)
		for _, c := range []*consoleProc{bob, carol} {
			c.typeLine(t, "/leave")
		}
		h.out.waitN(t, `the game is over: every player has left it`, game)
	}
}
