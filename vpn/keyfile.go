package vpn

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HostKeyFile is the name of the host's private key file inside the key
// directory.
const HostKeyFile = "host.key"

// ErrBadKeyFile reports a key file that exists but does not hold a key.
// netpak never replaces such a file on its own: the key behind every
// invite already handed out would be lost.
var ErrBadKeyFile = errors.New("damaged key file")

// DefaultDir returns the directory where netpak keeps its keys:
// os.UserConfigDir()/netpak.
func DefaultDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w", err)
	}
	return filepath.Join(dir, "netpak"), nil
}

// LoadOrCreateHostKey returns the host's private key stored in dir,
// creating dir (0700) and the key file (0600) the first time. A persistent
// key keeps invites valid across restarts. A file that exists but is
// damaged is an error wrapping [ErrBadKeyFile]; it is left untouched.
func LoadOrCreateHostKey(dir string) (Key, error) {
	path := filepath.Join(dir, HostKeyFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseKeyFile(path, data)
	case !errors.Is(err, os.ErrNotExist):
		return Key{}, fmt.Errorf("read host key: %w", err)
	}
	k, err := NewPrivateKey()
	if err != nil {
		return Key{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, fmt.Errorf("create key directory: %w", err)
	}
	if err := writeFileAtomic(path, []byte(k.String()+"\n"), false); err != nil {
		return Key{}, fmt.Errorf("write host key: %w", err)
	}
	return k, nil
}

func parseKeyFile(path string, data []byte) (Key, error) {
	if len(data) > 256 {
		return Key{}, fmt.Errorf("%s: %w: %d bytes, want one base64 key", path, ErrBadKeyFile, len(data))
	}
	k, err := ParseKey(strings.TrimSpace(string(data)))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w: %v (move it away to make a new key; old invites stop working)", path, ErrBadKeyFile, err)
	}
	if k.IsZero() {
		return Key{}, fmt.Errorf("%s: %w: all-zero key", path, ErrBadKeyFile)
	}
	return k, nil
}

// writeFileAtomic writes data to path with mode 0600 through a temporary
// file and a rename, so a crash never leaves half a file. Unless replace is
// set, an existing file is an error.
func writeFileAtomic(path string, data []byte, replace bool) error {
	if !replace {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w", path, os.ErrExist)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// InviteStateFile is the name of the file, next to the host key, that
// keeps the session id and join secret so invites survive a restart.
const InviteStateFile = "host.invite"

// loadOrCreateInviteState returns the session id and join secret stored in
// dir, creating them the first time. A damaged file wraps [ErrBadKeyFile].
func loadOrCreateInviteState(dir string) (SessionID, [secretLen]byte, error) {
	var session SessionID
	var secret [secretLen]byte
	path := filepath.Join(dir, InviteStateFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseInviteState(path, data)
	case !errors.Is(err, os.ErrNotExist):
		return session, secret, fmt.Errorf("read invite state: %w", err)
	}
	if _, err := rand.Read(session[:]); err != nil {
		return session, secret, fmt.Errorf("make session id: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return session, secret, fmt.Errorf("make join secret: %w", err)
	}
	return session, secret, saveInviteState(dir, session, secret)
}

// saveInviteState replaces the stored session id and join secret.
func saveInviteState(dir string, session SessionID, secret [secretLen]byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	line := hex.EncodeToString(session[:]) + " " + hex.EncodeToString(secret[:]) + "\n"
	if err := writeFileAtomic(filepath.Join(dir, InviteStateFile), []byte(line), true); err != nil {
		return fmt.Errorf("write invite state: %w", err)
	}
	return nil
}

func parseInviteState(path string, data []byte) (SessionID, [secretLen]byte, error) {
	var session SessionID
	var secret [secretLen]byte
	bad := func(why string) (SessionID, [secretLen]byte, error) {
		return SessionID{}, [secretLen]byte{}, fmt.Errorf("%s: %w: %s (move it away to start a new invite)", path, ErrBadKeyFile, why)
	}
	if len(data) > 256 {
		return bad("too long")
	}
	s, t, ok := strings.Cut(strings.TrimSpace(string(data)), " ")
	if !ok {
		return bad("want session id and secret")
	}
	if n, err := hex.Decode(session[:], []byte(s)); err != nil || n != sessionLen || len(s) != 2*sessionLen {
		return bad("bad session id")
	}
	if n, err := hex.Decode(secret[:], []byte(t)); err != nil || n != secretLen || len(t) != 2*secretLen {
		return bad("bad join secret")
	}
	if secret == [secretLen]byte{} {
		return bad("empty join secret")
	}
	return session, secret, nil
}
