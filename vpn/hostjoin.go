package vpn

import (
	"errors"
	"net/netip"

	"github.com/netpak/netpak/vpn/natmsg"
)

// onControl runs on the socket's reader goroutine. It drops, without an
// answer, anything that is not a join made with the host's public key, so
// the host stays silent to senders that do not have the invite. Verified
// joins go to joinLoop; when it is behind, they are dropped and the player
// retries.
func (h *Host) onControl(pkt []byte, from netip.AddrPort) {
	t, err := natmsg.TypeOf(pkt)
	if err != nil {
		return
	}
	if t != natmsg.TypeJoin {
		if h.nat != nil {
			h.nat.onControl(t, pkt, from)
		}
		return
	}
	if len(pkt) != joinLen || !joinMAC1OK(pkt, h.mac1) {
		return
	}
	req := joinRequest{pkt: [joinLen]byte(pkt), from: from}
	select {
	case h.joins <- req:
	default:
	}
}

func (h *Host) joinLoop() {
	defer h.loops.Done()
	for {
		select {
		case req := <-h.joins:
			h.handleJoin(req)
		case <-h.done:
			return
		}
	}
}

// handleJoin answers one join whose mac1 already verified.
func (h *Host) handleJoin(req joinRequest) {
	m, err := parseJoin(req.pkt[:])
	if err != nil {
		return
	}
	h.mu.Lock()
	secret := h.secret
	h.mu.Unlock()
	reject := func(r rejectReason) {
		h.refused.Add(1) // a counter, not a log line: anyone with the invite can send many
		h.reply(appendReject(nil, rejectMsg{Session: m.Session, Nonce: m.Nonce, Reason: r}), req.from)
	}
	switch {
	case m.Session != h.session:
		reject(rejectSession)
		return
	case !joinAuthOK(req.pkt[:], secret):
		reject(rejectBadSecret)
		return
	}
	addr, err := h.admit(m.Player, presharedKey(secret, m.Player), false)
	if errors.Is(err, ErrSessionFull) {
		reject(rejectFull)
		return
	}
	if err != nil {
		h.logf("vpn: join from %v: %v", req.from, err)
		return
	}
	h.admitted.Add(1)
	h.logf("vpn: admitted %v from %v", addr, req.from)
	h.reply(appendAccept(nil, acceptMsg{Session: m.Session, Nonce: m.Nonce, Addr: addr, Host: HostAddr}, secret), req.from)
}

func (h *Host) reply(pkt []byte, to netip.AddrPort) {
	if err := h.bind.WriteTo(pkt, to); err != nil {
		h.logf("vpn: %v", err)
	}
}

// HostStats counts the joins the host answered.
type HostStats struct {
	Admitted uint64 // accepted joins, repeats included
	Refused  uint64 // joins refused for a wrong secret or session, or a full session
}

// Stats returns the join counters.
func (h *Host) Stats() HostStats {
	return HostStats{Admitted: h.admitted.Load(), Refused: h.refused.Load()}
}
