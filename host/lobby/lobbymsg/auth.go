package lobbymsg

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
)

// AuthWindow is how far authTime may be from the server's clock, in
// milliseconds, as the simple64 servers allow (15 minutes).
const AuthWindow = 15 * 60 * 1000

// ErrAuth means a request's auth does not prove the emulator's secret.
var ErrAuth = errors.New("authentication failed")

// CheckAuth reports whether r proves secret: auth must be the hex SHA-256
// of authTime's digits followed by secret, and authTime within AuthWindow
// of nowMillis. RMG's secret is "RMG"; the check keeps out clients that
// do not know their emulator's secret, nothing more.
func CheckAuth(r *Request, secret string, nowMillis int64) error {
	t, ok := r.AuthTime.Millis()
	if !ok {
		return fmt.Errorf("no authTime: %w", ErrAuth)
	}
	if d := nowMillis - t; d > AuthWindow || d < -AuthWindow {
		return fmt.Errorf("authTime is %d s from the server's clock: %w", d/1000, ErrAuth)
	}
	want := AuthHash(r.AuthTime, secret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(r.Auth)) != 1 {
		return fmt.Errorf("wrong auth: %w", ErrAuth)
	}
	return nil
}

// AuthHash returns the auth a client sends with authTime t.
func AuthHash(t AuthTime, secret string) string {
	h := sha256.New()
	h.Write([]byte(t))
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}
