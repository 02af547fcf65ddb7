package vpn

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// AnswerPrefix starts every answer code: a player's reply to an invite
// when no rendezvous server can pair the two, carrying the player's
// addresses so both sides can punch at once.
const AnswerPrefix = "netpak-answer1"

// maxAnswerLen bounds an answer code's text.
const maxAnswerLen = 400

// answerWindow is how long the host punches after accepting an answer
// code; the player has been punching since it made the code.
const answerWindow = 30 * time.Second

// ErrBadAnswer wraps every reason [Host.AcceptAnswer] refuses a code.
var ErrBadAnswer = errors.New("bad answer code")

// answerCode encodes a player's pairing nonce and candidates, sealed with
// the punch key so that only someone with the invite can make one.
func answerCode(nonce [natmsg.NonceLen]byte, cands []Candidate, punch []byte) string {
	b := append([]byte{}, nonce[:]...)
	b = natmsg.AppendCands(b, cands, false)
	b = append(b, natmsg.MAC(punch, b)[:natmsg.ShortMAC]...)
	return AnswerPrefix + inviteEncoding.EncodeToString(b)
}

func parseAnswer(s string, punch []byte) ([natmsg.NonceLen]byte, []Candidate, error) {
	var nonce [natmsg.NonceLen]byte
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, AnswerPrefix)
	if !ok || len(s) > maxAnswerLen {
		return nonce, nil, fmt.Errorf("%w: does not start with %q or is too long", ErrBadAnswer, AnswerPrefix)
	}
	b, err := inviteEncoding.DecodeString(rest)
	if err != nil || len(b) < natmsg.NonceLen+1+natmsg.ShortMAC {
		return nonce, nil, fmt.Errorf("%w: damaged (incomplete copy?)", ErrBadAnswer)
	}
	body := b[:len(b)-natmsg.ShortMAC]
	if !natmsg.EqualMAC(b[len(body):], natmsg.MAC(punch, body)[:natmsg.ShortMAC]) {
		return nonce, nil, fmt.Errorf("%w: not made for this invite (old invite, or a damaged copy)", ErrBadAnswer)
	}
	copy(nonce[:], body)
	cands, tail, err := natmsg.ParseCands(body[natmsg.NonceLen:])
	if err != nil || len(tail) != 0 || len(cands) == 0 {
		return nonce, nil, fmt.Errorf("%w: no usable address in it", ErrBadAnswer)
	}
	return nonce, cands, nil
}

// AcceptAnswer takes an answer code a player sent back and punches toward
// the addresses in it, while the player punches toward the invite's.
func (h *Host) AcceptAnswer(code string) error {
	_, _, punch := h.nat.keys()
	nonce, cands, err := parseAnswer(code, punch)
	if err != nil {
		return err
	}
	h.nat.startPunch([natmsg.TxLen]byte(nonce[:natmsg.TxLen]), cands, answerWindow)
	return nil
}
