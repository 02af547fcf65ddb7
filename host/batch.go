package host

import (
	"encoding/binary"
	"fmt"
	"github.com/netpak/netpak/host/lockstep"
)

// run is a contiguous sequence of inputs of one port, starting at poll
// First. Data holds N inputs of inputLen bytes each and is a view into the
// message it was parsed from.
type run struct {
	Port  uint8
	First uint32
	N     uint8
	Data  []byte
}

// input returns the i-th input of the run.
func (r *run) input(i int) Input {
	d := r.Data[i*inputLen:]
	return Input{Keys: binary.BigEndian.Uint32(d), Pak: d[4]}
}

// batch is the body of an inputs datagram or frame. The sender says, for
// some ports, how many inputs it holds (Acks, which tell the receiver what
// to resend), and carries runs of inputs the receiver lacks. Host-to-client
// batches also carry the grant and the schedule epoch it is valid for.
// Parsing fills a batch without allocating.
type batch struct {
	Grant   uint32
	Epoch   uint16
	AckMask PortMask
	Acks    [NumPorts]uint32
	NRuns   int
	Runs    [NumPorts]run
}

// appendBatchHead appends everything but the runs; appendRun then adds runs
// and finishBatch writes their count at runCountAt.
func appendBatchHead(b []byte, bt *batch) (out []byte, runCountAt int) {
	b = appendU32(b, bt.Grant)
	b = appendU16(b, bt.Epoch)
	b = append(b, byte(bt.AckMask))
	for i := range NumPorts {
		if bt.AckMask.Has(i) {
			b = appendU32(b, bt.Acks[i])
		}
	}
	return append(b, 0), len(b)
}

// appendRun appends a run of inputs of port from s, polls [first, first+n).
func appendRun(b []byte, port int, first uint32, n int, s *lockstep.Stream) []byte {
	b = append(b, byte(port))
	b = appendU32(b, first)
	b = append(b, byte(n))
	for i := range n {
		in := s.At(first + uint32(i))
		b = appendU32(b, in.Keys)
		b = append(b, in.Pak)
	}
	return b
}

// runLen is the encoded size of a run of n inputs.
func runLen(n int) int { return 6 + n*inputLen }

func parseBatch(p []byte, bt *batch) error {
	r := reader{b: p}
	bt.Grant = r.u32()
	bt.Epoch = r.u16()
	bt.AckMask = PortMask(r.u8())
	if bt.AckMask&^0x0f != 0 {
		return fmt.Errorf("parse batch: ack mask %#x: %w", uint8(bt.AckMask), errBadValue)
	}
	for i := range NumPorts {
		bt.Acks[i] = 0
		if bt.AckMask.Has(i) {
			bt.Acks[i] = r.u32()
		}
	}
	bt.NRuns = int(r.u8())
	if r.err == nil && bt.NRuns > NumPorts {
		return fmt.Errorf("parse batch: %d runs: %w", bt.NRuns, errBadValue)
	}
	var seen PortMask
	for i := range bt.NRuns {
		rn := &bt.Runs[i]
		rn.Port = r.u8()
		rn.First = r.u32()
		rn.N = r.u8()
		if r.err == nil && (rn.Port >= NumPorts || seen.Has(int(rn.Port)) || rn.N == 0 || rn.N > maxRunLen) {
			return fmt.Errorf("parse batch: run %d: %w", i, errBadValue)
		}
		seen |= 1 << rn.Port
		rn.Data = r.take(int(rn.N) * inputLen)
	}
	if err := r.done(); err != nil {
		return fmt.Errorf("parse batch: %w", err)
	}
	return nil
}

// appendDgramHeader appends the header of a datagram.
func appendDgramHeader(b []byte, kind dgramKind, token uint64) []byte {
	b = append(b, magic0, ProtocolVersion, byte(kind), 0)
	return appendU64(b, token)
}

// parseDgramHeader checks the header of a datagram and returns its kind,
// token and body.
func parseDgramHeader(p []byte) (dgramKind, uint64, []byte, error) {
	if len(p) < dgramHeaderLen {
		return 0, 0, nil, errShort
	}
	if p[0] != magic0 {
		return 0, 0, nil, errBadMagic
	}
	if p[1] != ProtocolVersion {
		return 0, 0, nil, errVersion
	}
	kind := dgramKind(p[2])
	if kind < dgramHello || kind > dgramInputs || p[3] != 0 {
		return 0, 0, nil, errBadValue
	}
	return kind, binary.BigEndian.Uint64(p[4:]), p[dgramHeaderLen:], nil
}

// IsNetpakDatagram reports whether a datagram looks like netpak's own
// protocol rather than mupen64plus-core's.
func IsNetpakDatagram(p []byte) bool { return len(p) > 0 && p[0] == magic0 }

// IsNetpakStream reports whether the first byte of a TCP stream is netpak's
// own protocol rather than mupen64plus-core's.
func IsNetpakStream(first byte) bool { return first == magic0 }
