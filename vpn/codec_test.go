package vpn

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/netpak/netpak/vpn/natmsg"
)

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func goldenInvite() Invite {
	return Invite{
		HostKey:   Key(seq(KeyLen, 1)),
		Session:   SessionID(seq(sessionLen, 0xa0)),
		Secret:    [secretLen]byte(seq(secretLen, 0xb0)),
		Endpoints: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:6464"), netip.MustParseAddrPort("[2001:db8::1]:6464")},
	}
}

const goldenInviteText = "netpak1" +
	"ASABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fIAIIoKGio6SlpqcDELCxsrO0tba3uLm6u7y9vr8EBsAAAgEZQAQSIAENuAAAAAAAAAAAAAAAARlAIHyUrA"

func TestInviteGolden(t *testing.T) {
	inv := goldenInvite()
	if got := inv.String(); got != goldenInviteText {
		t.Fatalf("String =\n%s\nwant\n%s", got, goldenInviteText)
	}
	back, err := ParseInvite("  " + goldenInviteText + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, inv) {
		t.Fatalf("round trip = %+v, want %+v", back, inv)
	}
}

func TestParseInviteErrors(t *testing.T) {
	withBody := func(body []byte) string { return encodeBody(body) }
	inv := goldenInvite()
	noSecret, noEndpoint := inv, inv
	noSecret.Secret = [secretLen]byte{}
	noEndpoint.Endpoints = nil
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "does not start"},
		{"other prefix", "n64net1AAAA", "does not start"},
		{"too long", InvitePrefix + strings.Repeat("A", MaxInviteLen), "characters"},
		{"not base64", InvitePrefix + "!!!!", "base64url"},
		{"short", InvitePrefix + "AAA", "too short"},
		{"cut off", goldenInviteText[:len(goldenInviteText)-4], "checksum"},
		{"typo", strings.Replace(goldenInviteText, "ASAB", "ASAC", 1), "checksum"},
		{"no secret", noSecret.String(), "no join secret"},
		{"no endpoint", noEndpoint.String(), "no host endpoint"},
		{"truncated field", withBody([]byte{tagHostKey, 32, 1}), "truncated"},
		{"short key", withBody([]byte{tagHostKey, 1, 1}), "host key of 1 bytes"},
		{"twice", withBody(append(appendField(nil, tagSession, seq(8, 0)), appendField(nil, tagSession, seq(8, 0))...)), "twice"},
		{"port zero", withBody(appendField(nil, tagEndpoint, []byte{1, 2, 3, 4, 0, 0})), "port 0"},
		{"odd endpoint", withBody(appendField(nil, tagEndpoint, []byte{1, 2, 3})), "endpoint of 3 bytes"},
		{"lobby port zero", withBody(appendField(nil, tagLobby, []byte{0, 0})), "bad lobby port"},
		{"lobby port short", withBody(appendField(nil, tagLobby, []byte{1})), "bad lobby port"},
		{"lobby twice", withBody(append(appendField(nil, tagLobby, []byte{1, 2}), appendField(nil, tagLobby, []byte{1, 2})...)), "bad lobby port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseInvite(tt.text)
			if !errors.Is(err, ErrBadInvite) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseInvite = %v, want ErrBadInvite with %q", err, tt.want)
			}
		})
	}
}

// A server's invite names its lobby; an older netpak skips the field and
// joins the tunnel all the same.
func TestInviteCarriesTheLobby(t *testing.T) {
	inv := goldenInvite()
	inv.Lobby = 45000
	text := inv.String()
	back, err := ParseInvite(text)
	if err != nil || back.Lobby != 45000 || !reflect.DeepEqual(back, inv) {
		t.Fatalf("ParseInvite = %+v, %v; want %+v", back, err, inv)
	}
	if len(text) <= len(goldenInviteText) {
		t.Fatalf("the invite with a lobby is no longer than without: %q", text)
	}
}

func TestInviteSkipsUnknownFields(t *testing.T) {
	inv := goldenInvite()
	body := decodeBody(t, inv.String())
	body = append(appendField(nil, 0x77, []byte("rendezvous.example:3478")), body...)
	got, err := ParseInvite(encodeBody(body))
	if err != nil || !reflect.DeepEqual(got, inv) {
		t.Fatalf("ParseInvite = %+v, %v", got, err)
	}
}

func TestControlMessagesGolden(t *testing.T) {
	secret := [secretLen]byte(seq(secretLen, 0xb0))
	hostPub := Key(seq(KeyLen, 1))
	join := joinMsg{Session: SessionID(seq(sessionLen, 0xa0)), Player: Key(seq(KeyLen, 0x40)), Nonce: [natmsg.NonceLen]byte(seq(natmsg.NonceLen, 0x80))}
	acc := acceptMsg{Session: join.Session, Nonce: join.Nonce, Addr: netip.MustParseAddr("10.64.0.2"), Host: HostAddr}
	rej := rejectMsg{Session: join.Session, Nonce: join.Nonce, Reason: rejectFull}
	tests := []struct {
		name string
		pkt  []byte
		want string
	}{
		{"join", appendJoin(nil, join, secret, hostPub), "fe4e504b0101" + "a0a1a2a3a4a5a6a7" +
			hex.EncodeToString(seq(KeyLen, 0x40)) + hex.EncodeToString(seq(natmsg.NonceLen, 0x80)) +
			"0f4d50b92bd2efb6acb49c1f5da1692aefa66aa865dd034aee060246a5b66374" + "f9ce6c3b3cf8a2f4c6d18b6aeb73572d"},
		{"accept", appendAccept(nil, acc, secret), "fe4e504b0102" + "a0a1a2a3a4a5a6a7" + hex.EncodeToString(seq(natmsg.NonceLen, 0x80)) +
			"0a4000020a400001" + "6e3f8f544bcffe7f15c1645afc1ffad503e624d8d1a3484f6f805b09d60da79b"},
		{"reject", appendReject(nil, rej), "fe4e504b0103" + "a0a1a2a3a4a5a6a7" + hex.EncodeToString(seq(natmsg.NonceLen, 0x80)) + "02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.pkt); got != tt.want {
				t.Fatalf("encoded\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	pkt := appendJoin(nil, join, secret, hostPub)
	if got, err := parseJoin(pkt); err != nil || got != join || !joinMAC1OK(pkt, mac1Key(hostPub)) || !joinAuthOK(pkt, secret) {
		t.Fatalf("parseJoin = %+v, %v", got, err)
	}
	if got, err := parseAccept(appendAccept(nil, acc, secret), secret); err != nil || got != acc {
		t.Fatalf("parseAccept = %+v, %v", got, err)
	}
	if got, err := parseReject(appendReject(nil, rej)); err != nil || got != rej {
		t.Fatalf("parseReject = %+v, %v", got, err)
	}
	other := secret
	other[0] ^= 1
	if _, err := parseAccept(appendAccept(nil, acc, secret), other); err == nil {
		t.Fatal("parseAccept took an accept made with another secret")
	}
	if joinAuthOK(pkt, other) || joinMAC1OK(pkt, mac1Key(Key{})) {
		t.Fatal("join verified with the wrong secret or host key")
	}
}

func TestClassify(t *testing.T) {
	stun := []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	// A WireGuard transport message whose receiver index equals the STUN
	// cookie must still go to WireGuard.
	wgLikeSTUN := append([]byte{4, 0, 0, 0, 0x21, 0x12, 0xA4, 0x42}, make([]byte, 24)...)
	tests := []struct {
		name string
		pkt  []byte
		want packetKind
	}{
		{"wg initiation", append([]byte{1, 0, 0, 0}, make([]byte, 144)...), kindWireGuard},
		{"wg transport like stun", wgLikeSTUN, kindWireGuard},
		{"control", appendReject(nil, rejectMsg{}), kindControl},
		{"stun", stun, kindSTUN},
		{"empty", nil, kindOther},
		{"type 5", []byte{5, 0, 0, 0}, kindOther},
		{"short magic", natmsg.Magic[:3], kindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.pkt); got != tt.want {
				t.Fatalf("classify = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestInviteRefusesNonUnicast checks that an invite cannot aim players at
// a broadcast or multicast address, or at no one: ParseInvite refuses it,
// and so does JoinInvite, which also knows this machine's subnets and so
// its directed broadcasts.
func TestInviteRefusesNonUnicast(t *testing.T) {
	for _, ep := range []string{
		"255.255.255.255:6464",
		"224.0.0.1:6464",
		"239.255.255.250:1900",
		"[ff02::1]:6464",
		"[ff0e::1]:6464",
		"0.0.0.0:6464",
		"0.1.2.3:6464",
		"[::]:6464",
		"[::ffff:224.0.0.1]:6464",
		"[::ffff:255.255.255.255]:6464",
		"192.0.2.1:0",
	} {
		t.Run(ep, func(t *testing.T) {
			inv := goldenInvite()
			inv.Endpoints = []netip.AddrPort{netip.MustParseAddrPort(ep)}
			_, err := ParseInvite(inv.String())
			if !errors.Is(err, ErrBadInvite) || !errors.Is(err, ErrNotUnicast) {
				t.Fatalf("ParseInvite = %v, want ErrBadInvite and ErrNotUnicast", err)
			}
			if _, err := JoinInvite(testContext(t), inv, JoinConfig{Listen: loopback}); !errors.Is(err, ErrNotUnicast) {
				t.Fatalf("JoinInvite = %v, want ErrNotUnicast", err)
			}
		})
	}
	t.Run("directed broadcast", func(t *testing.T) {
		inv := goldenInvite()
		inv.Endpoints = []netip.AddrPort{netip.MustParseAddrPort("127.255.255.255:6464")} // lo is 127.0.0.1/8
		if _, err := ParseInvite(inv.String()); err != nil {
			t.Fatalf("ParseInvite = %v; only the local subnet tells a directed broadcast", err)
		}
		if _, err := JoinInvite(testContext(t), inv, JoinConfig{Listen: loopback}); !errors.Is(err, ErrNotUnicast) || !errors.Is(err, ErrBadInvite) {
			t.Fatalf("JoinInvite = %v, want ErrBadInvite and ErrNotUnicast", err)
		}
	})
	t.Run("unicast", func(t *testing.T) {
		inv := goldenInvite()
		inv.Endpoints = []netip.AddrPort{netip.MustParseAddrPort("192.0.2.255:6464"), netip.MustParseAddrPort("[2001:db8::ff]:6464")}
		if _, err := ParseInvite(inv.String()); err != nil {
			t.Fatalf("ParseInvite of unicast endpoints = %v", err)
		}
	})
}

// TestUnicastHere checks that candidates a rendezvous server or an answer
// code hands over cannot aim punching at a directed broadcast of a
// network this machine is on.
func TestUnicastHere(t *testing.T) {
	cands := []Candidate{
		{Addr: netip.MustParseAddrPort("127.255.255.255:6464"), Kind: CandPublic}, // lo is 127.0.0.1/8
		{Addr: netip.MustParseAddrPort("127.0.0.1:6464"), Kind: CandLocal},
	}
	got := unicastHere(cands)
	if len(got) != 1 || got[0] != cands[1] {
		t.Fatalf("unicastHere = %v, want only %v", got, cands[1])
	}
}
