//go:build !windows

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A player whose netpak freezes (SIGSTOP) for 6 s, twice the host's drop
// timeout, is dropped; when it wakes it rejoins by itself, gets its port
// back, replays the game from poll 0 while the others play on, and plays
// on as a player. Every console's inputs are checked against the others'
// by the host's desync detection, the rejoined player's replay included:
// nobody may report a desync.
func TestFrozenPlayerRejoins(t *testing.T) {
	t.Parallel()
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--port", "0", "--server", "--lag", "2")
	port := alice.err.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]
	bob := startConsole(t, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	alice.err.wait(t, `^Bob joined on port 2$`)
	carol := startConsole(t, bin, "carol", "join", "127.0.0.1:"+port, "--name", "Carol")
	alice.err.wait(t, `^Carol joined on port 3$`)
	alice.typeLine(t, "/start")
	consoles := []*consoleProc{alice, bob, carol}
	for _, c := range consoles {
		c.err.wait(t, `^the game started at poll 0$`)
	}
	time.Sleep(time.Second) // a game of some length to replay

	bob.cmd.Process.Signal(syscall.SIGSTOP)
	alice.err.wait(t, `^Bob left \(timed out\); port 2 reads empty from poll`)
	time.Sleep(6*time.Second - 3*time.Second)
	bob.cmd.Process.Signal(syscall.SIGCONT)

	bob.err.wait(t, `^rejoined$`)
	bob.err.wait(t, `^you rejoined the running game: replaying it from poll 0 to catch up`)
	for _, c := range []*consoleProc{alice, carol} {
		c.err.wait(t, `^Bob rejoined on port 2 at poll [\d,]+: catching up by replaying the game`)
		c.err.wait(t, `^Bob caught up and plays again from poll [\d,]+$`)
	}
	bob.err.wait(t, `^Bob caught up and plays again from poll [\d,]+$`)
	bob.typeLine(t, "/who")
	bob.out.wait(t, `^  Bob +2 +\d+ ms +player \(you\)$`)
	time.Sleep(5 * time.Second) // Bob's replay and play since are judged in 256-poll ranges
	for _, c := range consoles {
		c.err.mu.Lock()
		t.Logf("%s printed:\n%s", c.name, strings.Join(c.err.lines, "\n"))
		for _, l := range c.err.lines {
			if strings.Contains(l, "desync") {
				t.Errorf("%s printed %q", c.name, l)
			}
		}
		c.err.mu.Unlock()
	}
}

// While a console rejoins a session whose host went silent, its prompt
// says so, it starts no other session (which the rejoin would then find
// in its way), and /leave stops the rejoin.
func TestRejoiningConsoleSaysSo(t *testing.T) {
	t.Parallel()
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--port", "0", "--server")
	port := alice.err.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]
	bob := startConsole(t, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	alice.err.wait(t, `^Bob joined on port 2$`)
	bob.err.wait(t, `^joined the session at 127\.0\.0\.1:`+port) // else a frozen host fails the join itself
	alice.cmd.Process.Signal(syscall.SIGSTOP)
	defer alice.cmd.Process.Signal(syscall.SIGCONT)
	bob.err.wait(t, `^rejoining 127\.0\.0\.1:`+port+` \(for up to 30s; /leave stops\)$`)
	bob.typeLine(t, "/server 0")
	bob.err.wait(t, `^rejoining 127\.0\.0\.1:`+port+`; /leave stops that first$`)
	bob.typeLine(t, "/who")
	bob.err.wait(t, `while netpak rejoins 127\.0\.0\.1:`+port+` \(/leave stops that\)$`)
	bob.typeLine(t, "/leave")
	bob.err.wait(t, `^stopped rejoining 127\.0\.0\.1:`+port+`$`)
	bob.typeLine(t, "/server 0")
	bob.err.wait(t, `hosting on port \d+ \(TCP and UDP\)`)
}

// A player whose netpak is killed in a game starts it again and gets its
// port back: its player key, kept in its configuration folder, proves it
// is the player who left. Someone who joins with its name from another
// netpak is refused, and the game goes on.
func TestRestartedPlayerRejoins(t *testing.T) {
	t.Parallel()
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--port", "0", "--server", "--lag", "2")
	port := alice.err.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]
	bobDir := t.TempDir()
	bob := startConsoleIn(t, bobDir, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	alice.err.wait(t, `^Bob joined on port 2$`)
	alice.typeLine(t, "/start")
	bob.err.wait(t, `^the game started at poll 0$`)
	time.Sleep(time.Second) // a game of some length to replay

	bob.cmd.Process.Kill()
	alice.err.wait(t, `^Bob left \(.*\); port 2 reads empty from poll`)
	mallory := startConsole(t, bin, "mallory", "join", "127.0.0.1:"+port, "--name", "Bob")
	mallory.err.wait(t, `the name "Bob" is kept for the player who left the game with it`)

	again := startConsoleIn(t, bobDir, bin, "bob again", "join", "127.0.0.1:"+port, "--name", "Bob")
	again.err.wait(t, `^you rejoined the running game: replaying it from poll 0 to catch up`)
	alice.err.wait(t, `^Bob rejoined on port 2 at poll [\d,]+: catching up by replaying the game`)
	alice.err.wait(t, `^Bob caught up and plays again from poll [\d,]+$`)
}
