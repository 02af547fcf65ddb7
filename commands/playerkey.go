package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/netpak/netpak/host/client"
)

// PlayerKeyFile is the name of the file, in netpak's folder, that keeps
// this player's key (client.Config.PlayerKey): a host gives a player who
// left a running game its ports back only for its name and this key, so a
// netpak that crashed and started again can rejoin, and nobody else can.
const PlayerKeyFile = "player.key"

// errNoPlayerKey reports a key file that is missing or holds no key.
var errNoPlayerKey = errors.New("no player key")

// LoadOrCreatePlayerKey returns the player key kept in dir, making dir
// (0700) and the key file (0600) the first time. A damaged file is
// replaced: it can serve no rejoin anyway. Two netpaks that start at once
// agree on the first file made.
func LoadOrCreatePlayerKey(dir string) ([16]byte, error) {
	path := filepath.Join(dir, PlayerKeyFile)
	key, err := readPlayerKey(path)
	if !errors.Is(err, errNoPlayerKey) {
		return key, err
	}
	rand.Read(key[:]) // never fails (crypto/rand)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return key, fmt.Errorf("make a player key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+PlayerKeyFile+".tmp*")
	if err != nil {
		return key, fmt.Errorf("make a player key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key[:]) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return key, fmt.Errorf("write %s: %w", path, err)
	}
	// A link never replaces a file another netpak made meanwhile; where it
	// fails for another reason (no links on that disk, a damaged file in
	// the way), the rename does.
	if err := os.Link(tmp.Name(), path); err != nil {
		if _, rerr := readPlayerKey(path); rerr != nil {
			if err := os.Rename(tmp.Name(), path); err != nil {
				return key, fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	return readPlayerKey(path)
}

// readPlayerKey reads the key file at path; a missing or damaged one is
// errNoPlayerKey.
func readPlayerKey(path string) ([16]byte, error) {
	var key [16]byte
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return key, errNoPlayerKey
	} else if err != nil {
		return key, fmt.Errorf("read the player key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64)) // a key is 32 characters
	if err != nil {
		return key, fmt.Errorf("read the player key: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) != 2*len(key) {
		return key, errNoPlayerKey
	}
	if _, err := hex.Decode(key[:], []byte(s)); err != nil || key == [16]byte{} {
		return [16]byte{}, errNoPlayerKey
	}
	return key, nil
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
