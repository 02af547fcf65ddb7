package host

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/wire"
)

// SetRelayObserver lets the external load benchmark see the time each
// inputs datagram spends in the host. Test builds only.
func SetRelayObserver(h *Host, f func(time.Duration)) { h.relayObserver = f }

// SendInputs makes c send its host n inputs (n <= 64) of port k from poll
// first in one inputs frame, as a hostile author might.
func SendInputs(c *Client, k int, first uint32, n int) error {
	var st lockstep.Stream
	st.Have = first
	for i := range n {
		st.Add(first+uint32(i), Input{Keys: 0xdead0000 | uint32(i)})
	}
	b, at := wire.AppendBatchHead(nil, &wire.Batch{})
	b = wire.AppendRun(b, k, first, n, &st)
	b[at] = 1
	return c.send(wire.FrameInputs, b)
}

// SendChecksum makes c report a checksum of polls [from, from+count).
func SendChecksum(c *Client, from, count uint32, hash uint64) error {
	return c.send(wire.FrameChecksum, wire.AppendChecksum(nil, wire.ChecksumMsg{From: from, Count: count, Hash: hash}))
}

// RawHello is what a client writes first: the stream magic and a hello
// frame for name, announcing no manifest.
func RawHello(name string, spectator bool) []byte {
	p := wire.AppendHello(nil, wire.Hello{Version: ProtocolVersion, Spectator: spectator, Name: name})
	b := append(wire.StreamMagic[:], wire.AppendFrameHeader(nil, wire.FrameHello, len(p))...)
	return append(b, p...)
}

// RawPing is a ping frame.
func RawPing() []byte {
	p := wire.AppendPing(nil, wire.Ping{Clock: 1})
	return append(wire.AppendFrameHeader(nil, wire.FramePing, len(p)), p...)
}

// RawChat is a chat frame saying text.
func RawChat(text string) []byte {
	p := wire.AppendText(nil, wire.TextMsg{Text: text})
	return append(wire.AppendFrameHeader(nil, wire.FrameChat, len(p)), p...)
}
