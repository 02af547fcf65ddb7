package main

import (
	"net"
	"runtime"
	"syscall"
	"testing"
)

// TestConsoleSIGTERM stops a hosting console with SIGTERM, as a service
// manager or a closing terminal would: it leaves the session cleanly, so
// the joiner hears the host go, and exits with status 0.
func TestConsoleSIGTERM(t *testing.T) {
	skipWithoutSIGTERM(t)
	bin := buildNetpak(t)
	alice := startConsole(t, bin, "alice", "--name", "Alice", "--bind", "127.0.0.1", "--port", "0", "--server")
	port := alice.err.wait(t, `hosting on port (\d+) \(TCP and UDP\)`)[1]
	bob := startConsole(t, bin, "bob", "join", "127.0.0.1:"+port, "--name", "Bob")
	alice.err.wait(t, `^Bob joined on port 2$`)

	bob.typeLine(t, "/connect 127.0.0.1:1") // refused: bob is in a session
	bob.err.wait(t, `/leave first$`)
	if err := alice.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	alice.waitExit(t)
	bob.err.wait(t, `^lost the host`)

	if err := bob.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	bob.waitExit(t)
}

// TestConsoleSIGTERMWhileJoining stops a console with SIGTERM while
// /connect waits for a host that never answers: it exits with status 0.
func TestConsoleSIGTERMWhileJoining(t *testing.T) {
	skipWithoutSIGTERM(t)
	bin := buildNetpak(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	bob := startConsole(t, bin, "bob", "--name", "Bob")
	bob.err.wait(t, `^netpak console: you are Bob`)
	bob.typeLine(t, "/connect "+ln.Addr().String())
	c := <-accepted
	defer c.Close()
	if err := bob.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	bob.waitExit(t)
}

// skipWithoutSIGTERM skips on Windows, which cannot send a process
// SIGTERM.
func skipWithoutSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no SIGTERM to send a console")
	}
}
