package vpn

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

func encodeBody(body []byte) string {
	body = binary.BigEndian.AppendUint32(body, crc32.ChecksumIEEE(body))
	return InvitePrefix + inviteEncoding.EncodeToString(body)
}

func decodeBody(t testing.TB, s string) []byte {
	b, err := inviteEncoding.DecodeString(s[len(InvitePrefix):])
	if err != nil {
		t.Fatal(err)
	}
	return b[:len(b)-4]
}

// FuzzParseInvite checks that any text either fails cleanly or parses to
// an invite that encodes back to the same invite. Bodies get a valid
// checksum so the fuzzer reaches the field parser.
func FuzzParseInvite(f *testing.F) {
	f.Add(goldenInviteText, false)
	f.Add(string(decodeBody(f, goldenInviteText)), true)
	f.Add("netpak1", false)
	f.Add(string(appendField(nil, tagEndpoint, []byte{1, 2, 3, 4, 0, 1})), true)
	f.Fuzz(func(t *testing.T, s string, rawBody bool) {
		if rawBody {
			s = encodeBody([]byte(s))
		}
		inv, err := ParseInvite(s)
		if err != nil {
			return
		}
		again, err := ParseInvite(inv.String())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", inv.String(), err)
		}
		if again.String() != inv.String() {
			t.Fatalf("round trip changed the invite: %q -> %q", inv.String(), again.String())
		}
	})
}

// FuzzControlMessages feeds any datagram to every control-message parser
// and to the host's handler; accepted messages must re-encode to the same
// bytes.
func FuzzControlMessages(f *testing.F) {
	secret := [secretLen]byte(seq(secretLen, 0xb0))
	hostPub := Key(seq(KeyLen, 1))
	join := joinMsg{Session: SessionID(seq(sessionLen, 0xa0)), Player: Key(seq(KeyLen, 0x40))}
	f.Add(appendJoin(nil, join, secret, hostPub))
	f.Add(appendAccept(nil, acceptMsg{Addr: HostAddr.Next(), Host: HostAddr}, secret))
	f.Add(appendReject(nil, rejectMsg{Reason: rejectBadSecret}))
	f.Add([]byte{0xFE, 'N', 'P', 'K', 1})
	h := &Host{mac1: mac1Key(hostPub), joins: make(chan joinRequest, 1)}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		orig := bytes.Clone(pkt)
		classify(pkt)
		h.onControl(pkt, loopback)
		select {
		case <-h.joins:
		default:
		}
		if m, err := parseJoin(pkt); err == nil && joinAuthOK(pkt, secret) && joinMAC1OK(pkt, h.mac1) {
			if !bytes.Equal(appendJoin(nil, m, secret, hostPub), pkt) {
				t.Fatal("join does not re-encode to the same bytes")
			}
		}
		if m, err := parseAccept(pkt, secret); err == nil {
			if !bytes.Equal(appendAccept(nil, m, secret), pkt) {
				t.Fatal("accept does not re-encode to the same bytes")
			}
		}
		if m, err := parseReject(pkt); err == nil {
			if !bytes.Equal(appendReject(nil, m), pkt) {
				t.Fatal("reject does not re-encode to the same bytes")
			}
		}
		if !bytes.Equal(pkt, orig) {
			t.Fatal("a parser modified its input")
		}
	})
}
