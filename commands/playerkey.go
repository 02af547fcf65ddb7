package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netpak/netpak/host/client"
)

// PlayerKeyFile is the name of the file, in netpak's folder, that keeps
// this player's key (client.Config.PlayerKey): a host gives a player who
// left a running game its ports back only for its name and this key, so a
// netpak that crashed and started again can rejoin, and nobody else can.
const PlayerKeyFile = "player.key"

// errNoPlayerKey reports a key file that is missing or holds no key.
var errNoPlayerKey = errors.New("no player key")

const (
	// keyWriteTime is how long another netpak may take to write the key
	// file it made: a file younger than that which holds no key yet is
	// waited for, an older one is damaged and replaced.
	keyWriteTime = 2 * time.Second
	keyRetry     = 20 * time.Millisecond
)

// LoadOrCreatePlayerKey returns the player key kept in dir, making dir
// (0700) and the key file (0600) the first time. Netpaks that start at
// once agree on one key: only one can make the file. A damaged file (a
// crash while it was written) is replaced: it can serve no rejoin anyway.
func LoadOrCreatePlayerKey(dir string) ([16]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return [16]byte{}, fmt.Errorf("make a player key: %w", err)
	}
	path := filepath.Join(dir, PlayerKeyFile)
	for start := time.Now(); time.Since(start) < 2*keyWriteTime; time.Sleep(keyRetry) {
		key, mtime, err := readPlayerKey(path)
		switch {
		case !errors.Is(err, errNoPlayerKey):
			return key, err // the key, or a file netpak may not read
		case !mtime.IsZero() && time.Since(mtime) >= 0 && time.Since(mtime) < keyWriteTime:
			continue // another netpak is writing it
		case !mtime.IsZero():
			if fi, err := os.Stat(path); err == nil && !fi.ModTime().Equal(mtime) {
				continue // another netpak replaced it since: read that
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return key, fmt.Errorf("replace the damaged %s: %w", path, err)
			}
		}
		key, err = makePlayerKey(path)
		if !errors.Is(err, fs.ErrExist) {
			return key, err
		}
	}
	return [16]byte{}, fmt.Errorf("%s: %w", path, errNoPlayerKey)
}

// makePlayerKey makes a new key and writes it to path, unless a file is
// there already (fs.ErrExist).
func makePlayerKey(path string) ([16]byte, error) {
	var key [16]byte
	rand.Read(key[:]) // never fails (crypto/rand)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return key, err
	}
	_, err = f.WriteString(hex.EncodeToString(key[:]) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return key, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// readPlayerKey reads the key file at path, and returns when it was last
// written; a missing or damaged one is errNoPlayerKey.
func readPlayerKey(path string) ([16]byte, time.Time, error) {
	var key [16]byte
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return key, time.Time{}, errNoPlayerKey
	} else if err != nil {
		return key, time.Time{}, fmt.Errorf("read the player key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return key, time.Time{}, fmt.Errorf("read the player key: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64)) // a key is 32 characters
	if err != nil {
		return key, time.Time{}, fmt.Errorf("read the player key: %w", err)
	}
	key, ok := parsePlayerKey(b)
	if !ok {
		return key, fi.ModTime(), errNoPlayerKey
	}
	return key, fi.ModTime(), nil
}

// parsePlayerKey parses a key file's contents: 32 hex digits, not all
// zero, and white space around them.
func parsePlayerKey(b []byte) ([16]byte, bool) {
	var key [16]byte
	s := strings.TrimSpace(string(b))
	if len(s) != 2*len(key) {
		return key, false
	}
	if _, err := hex.Decode(key[:], []byte(s)); err != nil || key == [16]byte{} {
		return [16]byte{}, false
	}
	return key, true
}

// clientConfig is the client configuration of s's settings, with s's
// player key.
func (s *Session) clientConfig() client.Config {
	s.keyOnce.Do(func() {
		if s.PlayerKey == [16]byte{} {
			rand.Read(s.PlayerKey[:]) // never fails (crypto/rand)
		}
	})
	cfg := s.Settings.ClientConfig()
	cfg.PlayerKey = s.PlayerKey
	return cfg
}
