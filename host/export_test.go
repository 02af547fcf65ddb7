package host

import "github.com/netpak/netpak/host/lockstep"

import "time"

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
	b, at := appendBatchHead(nil, &batch{})
	b = appendRun(b, k, first, n, &st)
	b[at] = 1
	return c.send(frameInputs, b)
}

// SendChecksum makes c report a checksum of polls [from, from+count).
func SendChecksum(c *Client, from, count uint32, hash uint64) error {
	return c.send(frameChecksum, appendChecksum(nil, checksumMsg{From: from, Count: count, Hash: hash}))
}

// RawHello is what a client writes first: the stream magic and a hello
// frame for name, announcing no manifest.
func RawHello(name string, spectator bool) []byte {
	p := appendHello(nil, hello{Version: ProtocolVersion, Spectator: spectator, Name: name})
	b := append(streamMagic[:], appendFrameHeader(nil, frameHello, len(p))...)
	return append(b, p...)
}

// RawPing is a ping frame.
func RawPing() []byte {
	p := appendPing(nil, ping{Clock: 1})
	return append(appendFrameHeader(nil, framePing, len(p)), p...)
}

// RawChat is a chat frame saying text.
func RawChat(text string) []byte {
	p := appendText(nil, textMsg{Text: text})
	return append(appendFrameHeader(nil, frameChat, len(p)), p...)
}
