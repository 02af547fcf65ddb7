package vpn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateHostKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "netpak")
	k, err := LoadOrCreateHostKey(dir)
	if err != nil || k.IsZero() {
		t.Fatalf("create: %v, %v", k, err)
	}
	path := filepath.Join(dir, HostKeyFile)
	fi, err := os.Stat(path)
	if err != nil || !ownerOnly(fi) {
		t.Fatalf("key file mode %v (%v), want 0600", fi.Mode(), err)
	}
	again, err := LoadOrCreateHostKey(dir)
	if err != nil || again != k {
		t.Fatalf("reload = %v, %v; want the same key", again, err)
	}
}

func TestDamagedKeyFile(t *testing.T) {
	tests := []struct{ name, content string }{
		{"empty", ""},
		{"garbage", "not a key\n"},
		{"short", "AAAA\n"},
		{"zero", strings.Repeat("A", 43) + "=\n"},
		{"huge", strings.Repeat("A", 4096)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, HostKeyFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateHostKey(dir); !errors.Is(err, ErrBadKeyFile) {
				t.Fatalf("LoadOrCreateHostKey = %v, want ErrBadKeyFile", err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.content {
				t.Fatal("damaged key file was changed")
			}
		})
	}
}

func TestKeyEncoding(t *testing.T) {
	// Test vector from RFC 7748 section 6.1 (Alice).
	priv, err := ParseKey("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := priv.Public().String(), "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="; got != want {
		t.Fatalf("Public = %s, want %s", got, want)
	}
	for _, bad := range []string{"", "hSDw", strings.Repeat("!", 44)} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

// TestInvitesSurviveRestart checks that a host with a key directory hands
// out the same invite after a restart, and that a rotation is kept.
func TestInvitesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	first := newTestHost(t, HostConfig{Dir: dir})
	inv := first.Invite()
	first.Close()
	second := newTestHost(t, HostConfig{Dir: dir})
	if got := second.Invite(); got.HostKey != inv.HostKey || got.Session != inv.Session || got.Secret != inv.Secret {
		t.Fatalf("invite after restart = %+v, want %+v", got, inv)
	}
	rotated, err := second.RotateSecret()
	if err != nil {
		t.Fatal(err)
	}
	second.Close()
	third := newTestHost(t, HostConfig{Dir: dir})
	serveEcho(t, third)
	if got := third.Invite(); got.Secret != rotated.Secret {
		t.Fatal("rotated secret was not kept")
	}
	inv.Endpoints = third.Invite().Endpoints // port 0 in tests: a new port each run
	if _, err := joinTest(t, inv); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("join with the invite from before the rotation = %v, want ErrBadSecret", err)
	}
	checkUDPEcho(t, mustJoin(t, third.Invite()))
	if fi, err := os.Stat(filepath.Join(dir, InviteStateFile)); err != nil || !ownerOnly(fi) {
		t.Fatalf("invite state file: %v, %v; want mode 0600", fi.Mode(), err)
	}
}

func TestDamagedInviteState(t *testing.T) {
	for _, content := range []string{"", "zz zz\n", "0011223344556677\n", "0011223344556677 00000000000000000000000000000000\n"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, InviteStateFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := NewHost(HostConfig{Dir: dir, Listen: loopback}); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("NewHost with invite state %q = %v, want ErrBadKeyFile", content, err)
		}
	}
}
