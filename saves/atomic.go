package saves

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// backupStamp is the time format in backup names; sortable, no ":" (Windows).
const backupStamp = "20060102-150405.000"

// maxBackupTries bounds the search for an unused backup name when another
// process takes the one chosen.
const maxBackupTries = 100

// MaxBackups is how many of the newest backups of a save file
// [ReplaceFile] and [RemoveWithBackup] keep besides the oldest one, which
// they never remove: it holds the player's own save from before the first
// write. Older backups beyond these are removed, so a host that sends saves
// without end cannot fill the disk.
const MaxBackups = 5

// ReplaceFile atomically replaces path with data and returns the backup
// that holds the previous contents ("" if there was no previous file).
// It never loses data, even if killed at any point:
//
//  1. data goes to a temporary file in the same folder, which is synced;
//  2. the current file gets a second name, "<name>.<time>.bak" (a hard
//     link, or a synced copy where links are not supported);
//  3. the temporary file is renamed over path, and the folder synced.
//
// Before step 3 path is untouched; after it the backup holds the old bytes.
// A crash may leave a ".netpak-*.tmp" file behind, never a damaged save.
// Missing folders are created. Then backups beyond [MaxBackups] are
// removed, see there.
func ReplaceFile(path string, data []byte, now time.Time) (backup string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write save: %w", err)
	}
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return "", fmt.Errorf("write save %s: %w", path, err)
	}
	defer os.Remove(tmp) // no-op after the rename
	backup, err = keepBackup(path, now)
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return backup, fmt.Errorf("write save %s: %w", path, err)
	}
	syncDir(dir)
	if backup != "" {
		pruneBackups(path)
	}
	return backup, nil
}

// RemoveWithBackup moves path to a timestamped backup beside it and returns
// the backup's name; a missing path is not an error and gives "". Backups
// beyond [MaxBackups] are removed, see there.
func RemoveWithBackup(path string, now time.Time) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	next, err := nextBackup(path, now)
	if err != nil {
		return "", fmt.Errorf("back up save %s: %w", path, err)
	}
	for range maxBackupTries {
		b := next.name(path)
		next.try++
		if _, err := os.Lstat(b); err == nil {
			continue
		}
		if err := os.Rename(path, b); err != nil {
			return "", fmt.Errorf("back up save %s: %w", path, err)
		}
		syncDir(filepath.Dir(path))
		pruneBackups(path)
		return b, nil
	}
	return "", fmt.Errorf("back up save %s: no free backup name", path)
}

// writeTemp writes data to a new synced temporary file in dir.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".netpak-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// keepBackup gives the current file at path a backup name without
// touching path itself, and returns that name ("" if path does not exist).
func keepBackup(path string, now time.Time) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	next, err := nextBackup(path, now)
	if err != nil {
		return "", fmt.Errorf("back up save %s: %w", path, err)
	}
	for range maxBackupTries {
		b := next.name(path)
		next.try++
		err := os.Link(path, b)
		if err == nil {
			syncDir(filepath.Dir(path))
			return b, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err := copyFile(path, b); err != nil {
			return "", fmt.Errorf("back up save %s: %w", path, err)
		}
		return b, nil
	}
	return "", fmt.Errorf("back up save %s: no free backup name", path)
}

// backup is the variable part of a backup name,
// "<file>.<stamp>[-<try>].bak": try 0 is left out of the name.
type backup struct {
	stamp string // backupStamp in UTC
	try   int
}

func (b backup) name(path string) string {
	name := path + "." + b.stamp
	if b.try > 0 {
		name += "-" + strconv.Itoa(b.try)
	}
	return name + ".bak"
}

func compareBackups(a, b backup) int {
	return cmp.Or(strings.Compare(a.stamp, b.stamp), cmp.Compare(a.try, b.try))
}

// parseBackup parses the name of one of path's backups.
func parseBackup(path, name string) (backup, bool) {
	rest, ok := strings.CutPrefix(name, filepath.Base(path)+".")
	if !ok {
		return backup{}, false
	}
	rest, ok = strings.CutSuffix(rest, ".bak")
	if !ok || len(rest) < len(backupStamp) {
		return backup{}, false
	}
	b := backup{stamp: rest[:len(backupStamp)]}
	if _, err := time.Parse(backupStamp, b.stamp); err != nil {
		return backup{}, false
	}
	if try := rest[len(backupStamp):]; try != "" {
		n, err := strconv.Atoi(try[1:])
		if try[0] != '-' || err != nil || n <= 0 || strconv.Itoa(n) != try[1:] {
			return backup{}, false
		}
		b.try = n
	}
	return b, true
}

// listBackups returns path's backups, oldest first. Names sort in the
// order the backups were made, as [nextBackup] chooses them.
func listBackups(path string) ([]backup, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	var out []backup
	for _, e := range entries {
		if b, ok := parseBackup(path, e.Name()); ok && e.Type().IsRegular() {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, compareBackups)
	return out, nil
}

// nextBackup returns the name for a new backup of path made at now. It
// sorts after every existing backup even if the clock went back: then it
// takes the newest backup's time with the next try number.
func nextBackup(path string, now time.Time) (backup, error) {
	next := backup{stamp: now.UTC().Format(backupStamp)}
	have, err := listBackups(path)
	if err != nil {
		return backup{}, err
	}
	if len(have) > 0 {
		if last := have[len(have)-1]; last.stamp >= next.stamp {
			next = backup{stamp: last.stamp, try: last.try + 1}
		}
	}
	return next, nil
}

// pruneBackups removes path's backups other than the oldest and the
// [MaxBackups] newest. The save is already written, so a backup that
// cannot be removed is left for the next write to try again.
func pruneBackups(path string) {
	have, err := listBackups(path)
	if err != nil || len(have) <= 1+MaxBackups {
		return
	}
	for _, b := range have[1 : len(have)-MaxBackups] {
		os.Remove(b.name(path))
	}
	syncDir(filepath.Dir(path))
}

// copyFile copies src to a new file dst (which must not exist) through a
// synced temporary file, for file systems without hard links.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.CreateTemp(filepath.Dir(dst), ".netpak-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, in)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fs.ErrExist
	}
	return os.Rename(f.Name(), dst)
}

// syncDir makes a rename in dir durable. Failure is ignored: some systems
// (Windows) cannot sync a folder, and the rename itself has succeeded.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
