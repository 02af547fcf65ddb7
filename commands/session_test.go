package commands

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/host/session"
)

// lines collects printed lines and lets a test wait for one.
type lines struct {
	mu    sync.Mutex
	got   []string
	added chan struct{}
}

func newLines() *lines { return &lines{added: make(chan struct{}, 1)} }

func (l *lines) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

// has reports whether a line printed so far contains sub.
func (l *lines) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.got, func(s string) bool { return strings.Contains(s, sub) })
}

// wait returns the first line containing sub, failing after 5 s.
func (l *lines) wait(t *testing.T, sub string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		for _, s := range l.got {
			if strings.Contains(s, sub) {
				l.mu.Unlock()
				return s
			}
		}
		all := strings.Join(l.got, "\n")
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("no line containing %q in:\n%s", sub, all)
		}
	}
}

// waitAny returns the first line containing any of subs, failing after d.
func (l *lines) waitAny(t *testing.T, d time.Duration, subs ...string) string {
	t.Helper()
	deadline := time.After(d)
	for {
		l.mu.Lock()
		for _, s := range l.got {
			for _, sub := range subs {
				if strings.Contains(s, sub) {
					l.mu.Unlock()
					return s
				}
			}
		}
		all := strings.Join(l.got, "\n")
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("no line containing any of %q in:\n%s", subs, all)
		}
	}
}

func newTestSession(t *testing.T, name string) (*Session, *lines) {
	l := newLines()
	s := &Session{Settings: Defaults(), Events: l.add, Logf: t.Logf}
	s.Settings.Name, s.Settings.Bind = name, "127.0.0.1"
	t.Cleanup(func() { s.Leave() })
	return s, l
}

// TestSessionOnLoopback drives two real Sessions, a host and a joiner,
// through the Controller interface over loopback sockets.
func TestSessionOnLoopback(t *testing.T) {
	ctx := context.Background()
	alice, aliceEv := newTestSession(t, "Alice")
	bob, bobEv := newTestSession(t, "Bob")

	if err := alice.SetLag(2); err != nil {
		t.Fatal(err)
	}
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	port := hosted.Port
	if err := bob.Connect(ctx, loopbackFor("127.0.0.1", port)); err != nil {
		t.Fatal(err)
	}
	aliceEv.wait(t, "Bob joined on port 2")
	// /name in a session: everyone hears it, and the session's name is it.
	if err := alice.SetName("Alicia"); err != nil {
		t.Fatal(err)
	}
	bobEv.wait(t, "Alice is now called Alicia")
	aliceEv.wait(t, "Alice is now called Alicia")
	hosttest.WaitFor(t, "Alice's name to be Alicia", func() bool { return alice.State().Name == "Alicia" })
	if err := bob.SetName("alicia"); err != nil {
		t.Fatal(err)
	}
	bobEv.wait(t, `your name stays Bob: "alicia" is taken in this session`)

	st := alice.State()
	if st.Phase != Lobby || !st.Hosting || st.Lag != 2 || len(st.Members) != 2 {
		t.Errorf("host state %+v", st)
	}
	if bs := bob.State(); bs.Hosting || bs.Phase != Lobby || bs.Name != "Bob" {
		t.Errorf("joiner state %+v", bs)
	}

	bob.Chat("hi")
	aliceEv.wait(t, "<Bob> hi")
	bob.SetLag(4)
	aliceEv.wait(t, "Bob set the lag to 4")
	bobEv.wait(t, "Bob set the lag to 4")
	bob.Start()
	bobEv.wait(t, "only the host can start the game")
	alice.Start()
	bobEv.wait(t, "the game started at poll 0")
	hosttest.WaitFor(t, "bob playing", func() bool { return bob.State().Phase == Playing && bob.State().Poll > 10 })

	bob.Leave()
	aliceEv.wait(t, "Bob left (quit); port 2 reads empty from poll")
	if bob.State().Phase != Offline {
		t.Errorf("bob still in a session after Leave")
	}
	alice.Leave()
	if _, err := alice.Serve(ctx, Server{Port: port}); err != nil {
		t.Errorf("host again on the same port: %v", err)
	}
}

// serveAndJoin hosts a session at host and joins it from each of others
// over loopback; it returns the address they joined.
func serveAndJoin(t *testing.T, host *Session, others ...*Session) string {
	t.Helper()
	hosted, err := host.Serve(context.Background(), Server{})
	if err != nil {
		t.Fatal(err)
	}
	addr := loopbackFor("127.0.0.1", hosted.Port)
	for _, s := range others {
		if err := s.Connect(context.Background(), addr); err != nil {
			t.Fatal(err)
		}
	}
	return addr
}

func TestSessionHostGone(t *testing.T) {
	alice, _ := newTestSession(t, "Alice")
	bob, bobEv := newTestSession(t, "Bob")
	serveAndJoin(t, alice, bob)
	alice.Leave()
	bobEv.wait(t, "lost the host")
	hosttest.WaitFor(t, "bob offline", func() bool { return bob.State().Phase == Offline })
}

func TestSessionRefusals(t *testing.T) {
	ctx := context.Background()
	alice, _ := newTestSession(t, "Alice")
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	port := hosted.Port
	twin, _ := newTestSession(t, "Alice")
	if err := twin.Connect(ctx, loopbackFor("", port)); !errors.Is(err, session.ErrRejected) {
		t.Errorf("same name joined: %v", err)
	}
	if err := twin.Chat("x"); err == nil {
		t.Error("chat outside a session worked")
	}
	if _, err := twin.Serve(ctx, Server{Port: port}); err == nil {
		t.Error("a second host on a busy port")
	}
	if twin.State().Phase != Offline {
		t.Error("failed joins left a session behind")
	}
}

func TestDemo(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    DemoConfig
	}{
		{"clean", DemoConfig{Players: 2, Spectators: 1, Polls: 300, Lag: 3, Seed: 1}},
		{"lossy golf", DemoConfig{Players: 4, Polls: 300, Lag: 5, Golf: true, Loss: 0.2, Seed: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tc.d.StatusEvery = 50 * time.Millisecond
			if err := RunDemo(context.Background(), tc.d, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "finished poll 300 in the same state") || !strings.Contains(out.String(), "poll 300/300") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
	if err := RunDemo(context.Background(), DemoConfig{Players: 5, Polls: 1}, &bytes.Buffer{}); err == nil {
		t.Error("5 players accepted")
	}
}

func TestRunHost(t *testing.T) {
	s := Defaults()
	s.Bind, s.Port = "127.0.0.1", 0
	if err := RunHost(context.Background(), s, nil, func(string) {}, nil); err == nil || !strings.Contains(err.Error(), "--autostart") {
		t.Errorf("a headless host without autostart: %v", err)
	}
	s.AutoStart, s.VPN = 1, true
	if err := RunHost(context.Background(), s, nil, func(string) {}, nil); err == nil || !strings.Contains(err.Error(), "no built-in VPN") {
		t.Errorf("a headless host with the vpn: %v", err)
	}
	s.VPN = false
	ctx, cancel := context.WithCancel(context.Background())
	out := newLines()
	done := make(chan error, 1)
	go func() { done <- RunHost(ctx, s, nil, out.add, t.Logf) }()
	out.wait(t, "hosting on port")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunHost did not stop")
	}
	out.wait(t, "stopping")
}

// Every console's /lag says whether autolag is on: it starts as the host
// set it, a player's /lag N turns it off for all, and /autolag on again.
func TestEveryoneSeesAutoLag(t *testing.T) {
	alice, _ := newTestSession(t, "Alice")
	bob, bobEv := newTestSession(t, "Bob")
	if !alice.State().AutoLag {
		t.Fatal("offline, a new console does not host with autolag on")
	}
	serveAndJoin(t, alice, bob)
	autoLag := func(want bool) func() bool {
		return func() bool { return alice.State().AutoLag == want && bob.State().AutoLag == want }
	}
	hosttest.WaitFor(t, "autolag on at both", autoLag(true))
	if err := bob.SetLag(4); err != nil {
		t.Fatal(err)
	}
	bobEv.wait(t, "autolag is off: Bob chose the lag")
	hosttest.WaitFor(t, "autolag off at both", autoLag(false))
	if got := LagText(alice.State()); got != "lag 4 (autolag off), golf off" {
		t.Errorf("alice's /lag: %q", got)
	}
	if err := alice.SetAutoLag(true); err != nil {
		t.Fatal(err)
	}
	hosttest.WaitFor(t, "autolag on again at both", autoLag(true))
}
