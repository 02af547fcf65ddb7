package wire

import (
	"encoding/binary"
	"fmt"
	"github.com/netpak/netpak/host/lockstep"
)

// Run is a contiguous sequence of inputs of one port, starting at poll
// First. Data holds N inputs of inputLen bytes each and is a view into the
// message it was parsed from.
type Run struct {
	Port  uint8
	First uint32
	N     uint8
	Data  []byte
}

// Input returns the i-th Input of the run.
func (r *Run) Input(i int) lockstep.Input {
	d := r.Data[i*InputLen:]
	return lockstep.Input{Keys: binary.BigEndian.Uint32(d), Pak: d[4]}
}

// Batch is the body of an inputs datagram or frame. The sender says, for
// some ports, how many inputs it holds (Acks, which tell the receiver what
// to resend), and carries runs of inputs the receiver lacks. Host-to-client
// batches also carry the grant and the schedule epoch it is valid for.
// Parsing fills a Batch without allocating.
type Batch struct {
	Grant   uint32
	Epoch   uint16
	AckMask lockstep.PortMask
	Acks    [lockstep.NumPorts]uint32
	NRuns   int
	Runs    [lockstep.NumPorts]Run
}

// AppendBatchHead appends everything but the runs; appendRun then adds runs
// and finishBatch writes their count at runCountAt.
func AppendBatchHead(b []byte, bt *Batch) (out []byte, runCountAt int) {
	b = AppendU32(b, bt.Grant)
	b = AppendU16(b, bt.Epoch)
	b = append(b, byte(bt.AckMask))
	for i := range lockstep.NumPorts {
		if bt.AckMask.Has(i) {
			b = AppendU32(b, bt.Acks[i])
		}
	}
	return append(b, 0), len(b)
}

// AppendRun appends a run of inputs of port from s, polls [first, first+n).
func AppendRun(b []byte, port int, first uint32, n int, s *lockstep.Stream) []byte {
	b = append(b, byte(port))
	b = AppendU32(b, first)
	b = append(b, byte(n))
	for i := range n {
		in := s.At(first + uint32(i))
		b = AppendU32(b, in.Keys)
		b = append(b, in.Pak)
	}
	return b
}

// RunLen is the encoded size of a run of n inputs.
func RunLen(n int) int { return 6 + n*InputLen }

func ParseBatch(p []byte, bt *Batch) error {
	r := Reader{B: p}
	bt.Grant = r.U32()
	bt.Epoch = r.U16()
	bt.AckMask = lockstep.PortMask(r.U8())
	if bt.AckMask&^0x0f != 0 {
		return fmt.Errorf("parse batch: ack mask %#x: %w", uint8(bt.AckMask), ErrBadValue)
	}
	for i := range lockstep.NumPorts {
		bt.Acks[i] = 0
		if bt.AckMask.Has(i) {
			bt.Acks[i] = r.U32()
		}
	}
	bt.NRuns = int(r.U8())
	if r.Err == nil && bt.NRuns > lockstep.NumPorts {
		return fmt.Errorf("parse batch: %d runs: %w", bt.NRuns, ErrBadValue)
	}
	var seen lockstep.PortMask
	for i := range bt.NRuns {
		rn := &bt.Runs[i]
		rn.Port = r.U8()
		rn.First = r.U32()
		rn.N = r.U8()
		if r.Err == nil && (rn.Port >= lockstep.NumPorts || seen.Has(int(rn.Port)) || rn.N == 0 || rn.N > MaxRunLen) {
			return fmt.Errorf("parse batch: run %d: %w", i, ErrBadValue)
		}
		seen |= 1 << rn.Port
		rn.Data = r.Take(int(rn.N) * InputLen)
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("parse batch: %w", err)
	}
	return nil
}

// AppendDgramHeader appends the header of a datagram.
func AppendDgramHeader(b []byte, kind DgramKind, token uint64) []byte {
	b = append(b, Magic0, ProtocolVersion, byte(kind), 0)
	return AppendU64(b, token)
}

// ParseDgramHeader checks the header of a datagram and returns its kind,
// token and body.
func ParseDgramHeader(p []byte) (DgramKind, uint64, []byte, error) {
	if len(p) < DgramHeaderLen {
		return 0, 0, nil, ErrShort
	}
	if p[0] != Magic0 {
		return 0, 0, nil, ErrBadMagic
	}
	if p[1] != ProtocolVersion {
		return 0, 0, nil, ErrVersion
	}
	kind := DgramKind(p[2])
	if kind < DgramHello || kind > DgramInputs || p[3] != 0 {
		return 0, 0, nil, ErrBadValue
	}
	return kind, binary.BigEndian.Uint64(p[4:]), p[DgramHeaderLen:], nil
}

// IsNetpakDatagram reports whether a datagram looks like netpak's own
// protocol rather than mupen64plus-core's.
func IsNetpakDatagram(p []byte) bool { return len(p) > 0 && p[0] == Magic0 }

// IsNetpakStream reports whether the first byte of a TCP stream is netpak's
// own protocol rather than mupen64plus-core's.
func IsNetpakStream(first byte) bool { return first == Magic0 }
