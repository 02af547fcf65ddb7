package vpn

import (
	"net/netip"
	"testing"

	"github.com/netpak/netpak/vpn/natmsg"
)

// FuzzParseAnswer feeds any text to the answer-code parser: no panic, and
// an accepted code names at least one candidate.
func FuzzParseAnswer(f *testing.F) {
	secret := [secretLen]byte(seq(secretLen, 0xb0))
	punch := natmsg.PunchKey(secret)
	cands := []Candidate{{Addr: netip.MustParseAddrPort("192.0.2.1:6464"), Kind: CandPublic}}
	f.Add(answerCode([natmsg.NonceLen]byte{1}, cands, punch))
	f.Add(AnswerPrefix + "AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if _, got, err := parseAnswer(s, punch); err == nil && len(got) == 0 {
			t.Fatalf("parseAnswer(%q) accepted no candidates", s)
		}
	})
}
