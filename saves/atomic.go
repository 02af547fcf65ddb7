package saves

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// backupStamp is the time format in backup names; sortable, no ":" (Windows).
const backupStamp = "20060102-150405.000"

// maxBackupTries bounds the search for an unused backup name.
const maxBackupTries = 100

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
// Missing folders are created.
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
	return backup, nil
}

// RemoveWithBackup moves path to a timestamped backup beside it and returns
// the backup's name; a missing path is not an error and gives "".
func RemoveWithBackup(path string, now time.Time) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	for i := range maxBackupTries {
		b := backupName(path, now, i)
		if _, err := os.Lstat(b); err == nil {
			continue
		}
		if err := os.Rename(path, b); err != nil {
			return "", fmt.Errorf("back up save %s: %w", path, err)
		}
		syncDir(filepath.Dir(path))
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
	for i := range maxBackupTries {
		b := backupName(path, now, i)
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

func backupName(path string, now time.Time, try int) string {
	name := path + "." + now.UTC().Format(backupStamp)
	if try > 0 {
		name += "-" + strconv.Itoa(try)
	}
	return name + ".bak"
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
