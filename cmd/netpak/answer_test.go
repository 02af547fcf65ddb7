package main

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netpak/netpak/commands"
	"github.com/netpak/netpak/vpn"
	rdvserver "github.com/netpak/netpak/vpn/rendezvous"
)

// natSession is a console Session on loopback with the real tunnel whose
// event lines arrive on a channel.
func natSession(t *testing.T, name string) (*commands.Session, chan string) {
	ev := make(chan string, 64)
	s := &commands.Session{Settings: commands.Defaults(), Tunnels: testTunnels(t), Logf: t.Logf}
	s.Settings.Name, s.Settings.VPNPort, s.Settings.Bind = name, 0, "127.0.0.1"
	s.Events = func(line string) {
		select {
		case ev <- line:
		default:
		}
	}
	t.Cleanup(func() { s.Leave() })
	return s, ev
}

// TestSessionAnswerCode is the copy-paste fallback: the invite names an
// address where nothing answers and there is no rendezvous server, so the
// player's /connect prints an answer code; the host's /answer takes it,
// both punch, and the player joins.
func TestSessionAnswerCode(t *testing.T) {
	ctx := testCtx(t, 40*time.Second)
	alice, _ := natSession(t, "Alice")
	alice.Settings.VPNEndpoint = "127.0.0.1:9" // discard: the invite leads nowhere
	hosted, err := alice.Serve(ctx, commands.Server{VPN: true})
	if err != nil {
		t.Fatal(err)
	}
	bob, bobEv := natSession(t, "Bob")
	joined := make(chan error, 1)
	go func() { joined <- bob.Connect(ctx, hosted.Invite) }()
	var code string
	for code == "" {
		select {
		case l := <-bobEv:
			if strings.HasPrefix(l, vpn.AnswerPrefix) {
				code = l
			}
		case err := <-joined:
			t.Fatalf("joined without an answer code: %v", err)
		case <-ctx.Done():
			t.Fatal("no answer code")
		}
	}
	if err := alice.AcceptAnswer(code); err != nil {
		t.Fatal(err)
	}
	if err := <-joined; err != nil {
		t.Fatalf("join after /answer: %v", err)
	}
	if st := bob.State(); !strings.HasPrefix(st.Path, "direct") {
		t.Errorf("path after the answer code: %q", st.Path)
	}
}

// TestSessionSTUN: a STUN server from the session file tells the host its
// public address, which the advice then names the copy-paste way for.
func TestSessionSTUN(t *testing.T) {
	rdv, err := rdvserver.Listen(rdvserver.Config{Listen: netip.MustParseAddrPort("127.0.0.1:0"), NoRelay: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdv.Close() })
	alice, _ := natSession(t, "Alice")
	alice.Settings.STUN = []string{rdv.Addr().String()}
	hosted, err := alice.Serve(context.Background(), commands.Server{VPN: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hosted.Reach, "answer code") {
		t.Errorf("advice with a STUN server: %q", hosted.Reach)
	}
}
