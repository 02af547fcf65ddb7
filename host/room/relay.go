package room

import (
	"net"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
	"github.com/netpak/netpak/host/wire"
)

// udpSilence is how long a member's datagrams may stay away before the
// host sends it inputs over TCP instead.
const udpSilence = time.Second

// Stats counts what the host dropped; the console's /status shows them.
type Stats struct {
	DroppedDatagrams uint64 // malformed, from strangers, or with a bad token
	RelayedInputs    uint64 // inputs stored and offered to every other member
	RefusedInputs    uint64 // inputs for polls further ahead than lockstep allows
	// RepeatedInputs are inputs of direct cores' ports the host made up
	// as repeats of the port's last input, the core's keys lost.
	RepeatedInputs uint64
	// Poll is how far the running game has come: the first poll some
	// player's input has not reached the host for (0 in the lobby).
	Poll    uint32
	Playing bool
	// Lag and Golf are the lag policy in force at Poll; in the lobby, the
	// one the next game starts with.
	Lag     uint8
	Golf    bool
	AutoLag bool // the host follows the network with the lag
}

// Stats returns the session's counters.
func (r *Room) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.RepeatedInputs = r.cores.Repeated()
	e := r.game.Sched.Last()
	if r.state == statePlaying {
		st.Poll, st.Playing = r.game.Poll(), true
		e = r.game.Sched.At(st.Poll)
	}
	st.Lag, st.Golf, st.AutoLag = e.Lag, e.Golf, r.autoLagOn
	return st
}

// HandleDatagram handles one datagram of netpak's protocol; bt is the
// caller's scratch. Anything that is not a well-formed datagram from a
// member's registered address is dropped and counted.
func (r *Room) HandleDatagram(sock *udpsock.Socket, p []byte, from netip.AddrPort, bt *wire.Batch) {
	kind, token, body, err := wire.ParseDgramHeader(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.byToken[token]
	if err != nil || m == nil {
		r.stats.DroppedDatagrams++
		return
	}
	switch kind {
	case wire.DgramHello:
		if !m.mayBindUDP(from) {
			r.stats.DroppedDatagrams++
			return
		}
		if m.udpAddr != from {
			m.udpNet = net.UDPAddrFromAddrPort(from)
		}
		m.sock, m.udpAddr = sock, from
		m.udpSeen.Store(r.nowNanos())
		_ = sock.WriteTo(wire.AppendDgramHeader(m.dgram[:0], wire.DgramHelloAck, m.token), from)
	case wire.DgramInputs:
		if m.udpAddr != from || m.sock != sock || wire.ParseBatch(body, bt) != nil {
			r.stats.DroppedDatagrams++
			return
		}
		m.udpSeen.Store(r.nowNanos())
		r.handleBatchLocked(m, bt)
	default:
		r.stats.DroppedDatagrams++
	}
}

func (r *Room) handleInputsFrameLocked(m *Member, p []byte) error {
	var bt wire.Batch
	if err := wire.ParseBatch(p, &bt); err != nil {
		return err
	}
	r.handleBatchLocked(m, &bt)
	return nil
}

// handleBatchLocked stores m's inputs, notes what m holds, and relays at
// once: every other member gets the new inputs, m gets its acks.
func (r *Room) handleBatchLocked(m *Member, bt *wire.Batch) {
	if r.state != statePlaying {
		return
	}
	added := false
	limit := r.authorLimitLocked(m)
	for i := range bt.NRuns {
		run := &bt.Runs[i]
		k := int(run.Port)
		if r.owner[k] != m || !r.game.Active.Has(k) || r.game.Vacant.Has(k) {
			continue
		}
		before := r.game.Streams[k].Have
		for j := range int(run.N) {
			if run.First+uint32(j) >= limit {
				r.stats.RefusedInputs++
				break // not acknowledged: an honest author sends it again later
			}
			if r.game.Streams[k].Add(run.First+uint32(j), run.Input(j)) {
				added = true
				r.stats.RelayedInputs++
			}
		}
		r.arrivedLocked(k, before, m)
	}
	for k := range session.NumPorts {
		if bt.AckMask.Has(k) && (!m.ports.Has(k) || r.game.Vacant.Has(k)) {
			m.acked[k] = max(m.acked[k], min(bt.Acks[k], r.game.Streams[k].Have))
		}
	}
	if !added {
		r.sendBatchLocked(m, false)
		return
	}
	r.game.FillVacant(r.nowNanos())
	r.game.RaiseGrant()
	r.relayLocked(m)
}

// authorLimitLocked is the first poll m may not publish input for yet;
// see ledger.Ledger.AuthorLimit.
func (r *Room) authorLimitLocked(m *Member) uint32 {
	var own session.PortMask
	for i := range session.NumPorts {
		if r.owner[i] == m {
			own |= 1 << i
		}
	}
	return r.game.AuthorLimit(own)
}

// relayLocked sends every member what it lacks, at once, in one sendmmsg
// per socket where the system has it. The author of the new inputs is
// answered only when nobody else will: in a game with other authors their
// relays bring it its acks and grants within a poll, and it saves a
// datagram per input.
func (r *Room) relayLocked(author *Member) {
	alone := r.game.AuthorsLeft() <= author.ports.Count()
	for _, o := range r.members {
		switch {
		case o == author:
			if alone {
				r.sendBatchLocked(o, true)
			}
		case r.sendBatchLocked(o, true):
			r.copyLaterLocked(author, o)
		}
	}
	for _, sock := range r.touched {
		sock.Flush()
	}
	r.touched = r.touched[:0]
	r.cores.Push()
}

// sendBatchLocked sends m the inputs it lacks and the acks of its own
// ports, over UDP when its datagrams arrive, else over TCP. With queue,
// the datagram waits in its socket's batch for relayLocked to flush. It
// reports whether the batch went as a datagram.
func (r *Room) sendBatchLocked(m *Member, queue bool) bool {
	if m.left || m.core != nil {
		return false // cores ask for their inputs
	}
	far := r.farBehindLocked(m)
	if r.udpFreshLocked(m) && !far {
		r.sendDatagramLocked(m, queue)
		return true
	}
	for range catchUpFrames {
		if len(m.out) > outQueueLen/2 {
			// Its TCP queue is backed up: what is not sent now goes with a
			// later batch (tcpSent stays), so nothing is lost by waiting.
			return false
		}
		b := wire.AppendFrameHeader(make([]byte, 0, 512), wire.FrameInputs, 0)
		b, complete := r.appendBatchForLocked(b, m, false)
		if !complete {
			r.dropLocked(m, session.LeaveBehind)
			return false
		}
		n := len(b) - wire.FrameHeaderLen
		b[1], b[2] = byte(n>>8), byte(n)
		if !m.sendFrameLocked(b) {
			r.dropLocked(m, session.LeaveBehind)
			return false
		}
		if !far || !r.farBehindLocked(m) {
			return false
		}
	}
	return false
}

// viaUDPLocked reports whether m gets its inputs by datagram: its
// datagrams arrive, and it is not so far behind that only TCP catches it
// up.
func (r *Room) viaUDPLocked(m *Member) bool {
	return r.udpFreshLocked(m) && !r.farBehindLocked(m)
}

// udpFreshLocked reports whether m's datagrams arrive.
func (r *Room) udpFreshLocked(m *Member) bool {
	return m.udpAddr.IsValid() && r.nowNanos()-m.udpSeen.Load() < int64(udpSilence)
}

// sendDatagramLocked sends m its batch in one datagram. With queue, it
// waits in its socket's batch for relayLocked to flush.
func (r *Room) sendDatagramLocked(m *Member, queue bool) {
	b := wire.AppendDgramHeader(m.dgram[:0], wire.DgramInputs, m.token)
	b, complete := r.appendBatchForLocked(b, m, true)
	switch {
	case !complete:
		r.dropLocked(m, session.LeaveBehind)
	case queue && m.udpNet != nil:
		if !m.sock.Pending() {
			r.touched = append(r.touched, m.sock)
		}
		m.sock.Queue(b, m.udpAddr, m.udpNet)
	default:
		_ = m.sock.WriteTo(b, m.udpAddr)
	}
}

// catchUpFrames bounds the frames one relay sends a member far behind.
const catchUpFrames = 32

// farBehindLocked reports whether m lacks more than ledger.FarBehind
// inputs of a port it does not author.
func (r *Room) farBehindLocked(m *Member) bool {
	return r.game.Lacks(m.ports, &m.acked, &m.tcpSent)
}

// appendBatchForLocked appends the batch body for m. It reports false if m
// lacks inputs the host no longer holds.
func (r *Room) appendBatchForLocked(b []byte, m *Member, viaUDP bool) ([]byte, bool) {
	return r.game.AppendBatch(b, m.ports, &m.acked, &m.tcpSent, viaUDP)
}

// nowNanos is the room's clock in unix nanoseconds.
func (r *Room) nowNanos() int64 { return r.now().UnixNano() }
