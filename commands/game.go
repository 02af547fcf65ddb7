package commands

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/netpak/netpak/cheats"
	"github.com/netpak/netpak/host/launcher/emucfg"
	"github.com/netpak/netpak/saves"
	"github.com/netpak/netpak/saves/rom"
)

// game is what a console announces about the game it will play: the ROM,
// the save files and the agreed cheat set. Every player compares its
// manifest with the host's before /start. Its methods are safe for
// concurrent use.
type game struct {
	// Immutable after loadGame.
	sha256 [32]byte
	key    cheats.GameKey
	family saves.Family

	mu     sync.Mutex // guards store writes and cheats
	store  saves.Store
	cheats *cheats.CodeSet // nil: no cheats
}

// loadGame reads the ROM and resolves the enabled cheats. Without a ROM
// it returns nil: the simulated game has nothing to compare.
func (e *Emulator) loadGame() (*game, error) {
	if e.ROM == "" {
		return nil, nil
	}
	r, err := rom.Open(e.ROM)
	if err != nil {
		return nil, fmt.Errorf("rom: %w", err)
	}
	emu, err := saves.ParseEmulator(e.Saves)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	dir := e.SaveDir
	if dir == "" {
		if dir, err = dataDir(); err != nil {
			return nil, fmt.Errorf("save directory: %w", err)
		}
	}
	db, err := loadROMDB(e.CoreLib, e.DataDir)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(e.ROM)
	g := &game{
		sha256: r.SHA256, family: emu.Family(),
		store: saves.Store{Dir: dir, Emulator: emu, Game: db.Game(r, strings.TrimSuffix(name, filepath.Ext(name)))},
	}
	if g.key, err = cheats.ParseGameKey(r.CheatKey()); err != nil {
		return nil, fmt.Errorf("rom: cheat key: %w", err)
	}
	if g.cheats, err = e.resolveCheats(g.key); err != nil {
		return nil, err
	}
	return g, nil
}

// loadROMDB reads mupen64plus.ini from the data directory the emulator
// will use, which names the game's save files; a missing one is an empty
// database.
func loadROMDB(coreLib, dataDir string) (*saves.ROMDB, error) {
	dataDir = emucfg.Locate(emucfg.Config{CoreLib: coreLib, DataDir: dataDir}).DataDir
	path := filepath.Join(dataDir, "mupen64plus.ini")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &saves.ROMDB{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rom database: %w", err)
	}
	defer f.Close()
	db, err := saves.ParseROMDB(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("rom database %s: %w", path, err)
	}
	return db, nil
}

// resolveCheats turns the enabled cheats into the canonical code set of
// the game; nil when none are enabled.
func (e *Emulator) resolveCheats(key cheats.GameKey) (*cheats.CodeSet, error) {
	if len(e.Cheats) == 0 {
		return nil, nil
	}
	files := e.CheatFiles
	if len(files) == 0 {
		def, err := e.defaultCheatFile()
		if err != nil {
			return nil, err
		}
		files = []string{def}
	}
	var dbs []*cheats.Database
	for _, f := range files {
		db, err := loadCheatFile(f)
		if err != nil {
			return nil, err
		}
		dbs = append(dbs, db)
	}
	sels := make([]cheats.Selection, len(e.Cheats))
	for i, c := range e.Cheats {
		sels[i] = cheats.Selection{Game: key, Name: c.Name, Option: c.Option}
	}
	set, err := cheats.Resolve(key, sels, dbs...)
	if err != nil {
		return nil, fmt.Errorf("cheat: %w (cheat_files: %s)", err, strings.Join(files, ", "))
	}
	return set, nil
}

// loadCheatFile reads one cheat database, telling the format from its
// contents: the extension does not (Project64 1.x, 2.x and 3.x all write
// .cht).
func loadCheatFile(path string) (*cheats.Database, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cheat_files: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, cheats.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cheat_files: %s: %w", path, err)
	}
	db, err := parseCheatFile(b)
	if err != nil {
		return nil, fmt.Errorf("cheat_files: %s: %w", path, err)
	}
	return db, nil
}

func parseCheatFile(b []byte) (*cheats.Database, error) {
	r := bytes.NewReader(b)
	switch t := bytes.TrimSpace(b); {
	case bytes.HasPrefix(t, []byte("{")):
		return cheats.ParseSimple64(r)
	case hasLinePrefix(b, "crc "):
		return cheats.ParseMupencheat(r)
	case hasLinePrefix(b, "$"):
		return cheats.ParseProject64v3(r)
	}
	return cheats.ParseProject64v2(r) // 1.x and 2.x: the same layout
}

// hasLinePrefix reports whether a line of b starts with p.
func hasLinePrefix(b []byte, p string) bool {
	for line := range bytes.Lines(b) {
		if bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(p)) {
			return true
		}
	}
	return false
}

// manifest reads the save files and builds what the player announces.
func (g *game) manifest() (saves.Manifest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	set, err := g.store.Read()
	if err != nil {
		return saves.Manifest{}, fmt.Errorf("read your save files: %w", err)
	}
	return saves.NewManifest(g.family, g.sha256, &set, g.cheatHashLocked()), nil
}

// cheatHashLocked is the manifest's cheat text: the set's hash in hex, ""
// without cheats.
func (g *game) cheatHashLocked() string {
	if g.cheats == nil || len(g.cheats.Cheats) == 0 {
		return ""
	}
	h := g.cheats.Hash(cheats.Family(g.family.String()))
	return hex.EncodeToString(h[:])
}

// cheatNames returns the names of the enabled cheats, for the others'
// /check.
func (g *game) cheatNames() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cheats == nil {
		return []string{}
	}
	names := make([]string, 0, len(g.cheats.Cheats))
	for _, c := range g.cheats.Cheats {
		names = append(names, c.Name)
	}
	return names
}

// saves returns the game's save components in canonical form.
func (g *game) saves() (saves.Set, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.store.Read()
}

// cheatBytes returns the cheat set in its wire form; nil without cheats.
func (g *game) cheatBytes() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cheats == nil || len(g.cheats.Cheats) == 0 {
		return nil, nil
	}
	return g.cheats.MarshalBinary()
}

// launcherCheats returns the agreed cheats as the launcher takes them.
func (g *game) launcherCheats() []emucfg.Cheat {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cheats == nil {
		return nil
	}
	var out []emucfg.Cheat
	for _, c := range g.cheats.CoreCheats() {
		lc := emucfg.Cheat{Name: c.Name}
		for _, code := range c.Codes {
			lc.Codes = append(lc.Codes, emucfg.CheatCode{Addr: code.Address, Value: uint16(code.Value)})
		}
		out = append(out, lc)
	}
	return out
}

// receiveSave checks a save component the host sent and writes it over
// this player's own, keeping backups. It returns a line for the console.
func (g *game) receiveSave(from string, k saves.Kind, data []byte) (string, error) {
	c := saves.Component{Kind: k, Data: data}
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("refused %s from %s: %w", k.Label(), from, err)
	}
	g.mu.Lock()
	changes, err := g.store.Write(c)
	g.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("write %s from %s: %w", k.Label(), from, err)
	}
	return describeChanges(from, k, changes), nil
}

func describeChanges(from string, k saves.Kind, changes []saves.Change) string {
	parts := changeParts(changes)
	if len(parts) == 0 {
		return fmt.Sprintf("%s from %s: no save, and you had none", k.Label(), from)
	}
	return fmt.Sprintf("%s from %s: %s", k.Label(), from, strings.Join(parts, "; "))
}

// changeParts says what each change did to the player's files.
func changeParts(changes []saves.Change) []string {
	var parts []string
	for _, ch := range changes {
		switch {
		case ch.Removed && ch.Backup != "":
			parts = append(parts, fmt.Sprintf("moved %s to %s", ch.Path, ch.Backup))
		case ch.Backup != "":
			parts = append(parts, fmt.Sprintf("wrote %s (your old file is %s)", ch.Path, ch.Backup))
		case !ch.Removed:
			parts = append(parts, "wrote "+ch.Path)
		}
	}
	return parts
}

// receiveCheats checks the cheat set the host sent and makes it this
// player's: the launcher gets it at /start. nil data means no cheats.
func (g *game) receiveCheats(from string, data []byte) (string, error) {
	var set *cheats.CodeSet
	if data != nil {
		var err error
		if set, err = cheats.ParseCodeSet(data); err != nil {
			return "", fmt.Errorf("refused the cheats from %s: %w", from, err)
		}
		if set.Game != g.key {
			return "", fmt.Errorf("refused the cheats from %s: they are for game %v, your ROM is %v", from, set.Game, g.key)
		}
	}
	g.mu.Lock()
	g.cheats = set
	g.mu.Unlock()
	if set == nil || len(set.Cheats) == 0 {
		return fmt.Sprintf("cheats from %s: none; yours are off for this session", from), nil
	}
	names := make([]string, len(set.Cheats))
	for i, c := range set.Cheats {
		names[i] = c.Name
	}
	return fmt.Sprintf("cheats from %s for this session: %s", from, strings.Join(names, ", ")), nil
}

// defaultCheatFile is Debian's mupencheat.txt on Linux, and elsewhere the
// one beside the core's mupen64plus.ini (a release folder, RMG's Data).
func (e *Emulator) defaultCheatFile() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat(debianCheats); err != nil {
			return "", fmt.Errorf("cheat: no cheat_files, and Debian's %s is not installed (mupen64plus-data)", debianCheats)
		}
		return debianCheats, nil
	}
	dir := emucfg.Locate(emucfg.Config{CoreLib: e.CoreLib, DataDir: e.DataDir}).DataDir
	path := filepath.Join(dir, "mupencheat.txt")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("cheat: no cheat_files, and no mupencheat.txt beside the core (%s): set cheat_files", path)
	}
	return path, nil
}
