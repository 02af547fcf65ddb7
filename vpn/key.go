package vpn

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// KeyLen is the length of a WireGuard (Curve25519) key in bytes.
const KeyLen = 32

// Key is a Curve25519 private or public key as WireGuard uses it. The zero
// Key means "no key".
type Key [KeyLen]byte

// NewPrivateKey returns a fresh, clamped Curve25519 private key.
func NewPrivateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("generate private key: %w", err)
	}
	k.clamp()
	return k, nil
}

// clamp applies the Curve25519 scalar clamping that wg genkey applies.
func (k *Key) clamp() {
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
}

// Public returns the public key of the private key k.
func (k Key) Public() Key {
	var pub Key
	curve25519.ScalarBaseMult((*[32]byte)(&pub), (*[32]byte)(&k))
	return pub
}

// IsZero reports whether k is the zero key.
func (k Key) IsZero() bool { return k == Key{} }

// String returns k in standard base64, the form wg(8) and wg-quick use.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// hex returns k in lowercase hex, the form WireGuard's UAPI wants.
func (k Key) hex() string { return hex.EncodeToString(k[:]) }

// ParseKey parses a key in standard base64 (44 characters), as printed by
// [Key.String] and wg(8).
func ParseKey(s string) (Key, error) {
	var k Key
	if len(s) != base64.StdEncoding.EncodedLen(KeyLen) {
		return Key{}, fmt.Errorf("parse key: %d characters, want %d", len(s), base64.StdEncoding.EncodedLen(KeyLen))
	}
	n, err := base64.StdEncoding.Decode(k[:], []byte(s))
	if err != nil {
		return Key{}, fmt.Errorf("parse key: %w", err)
	}
	if n != KeyLen {
		return Key{}, fmt.Errorf("parse key: %d bytes, want %d", n, KeyLen)
	}
	return k, nil
}
