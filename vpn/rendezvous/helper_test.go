package rendezvous

import (
	"crypto/ecdh"

	"github.com/netpak/netpak/vpn/natmsg"
)

// hostPort is where test hosts listen, as vpn's DefaultPort.
const hostPort = 6464

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// testKey returns an X25519 private key made from b.
func testKey(b byte) natmsg.Key {
	k := natmsg.Key(seq(natmsg.KeyLen, b))
	k[0] &= 248
	k[31] = k[31]&127 | 64
	return k
}

// public returns the public key of priv.
func public(priv natmsg.Key) natmsg.Key {
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		panic(err)
	}
	return natmsg.Key(k.PublicKey().Bytes())
}
