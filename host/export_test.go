package host

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// SetRelayObserver lets the external load benchmark see the time each
// inputs datagram spends in the host. Test builds only.
func SetRelayObserver(h *Host, f func(time.Duration)) { h.relayObserver = f }

// RawInputs is an inputs frame carrying n (n <= 64) inputs of port k from
// poll first, as a hostile author might send them.
func RawInputs(k int, first uint32, n int) []byte {
	var st lockstep.Stream
	st.Skip(first)
	for i := range n {
		st.Add(first+uint32(i), session.Input{Keys: 0xdead0000 | uint32(i)})
	}
	b, at := wire.AppendBatchHead(wire.AppendFrameHeader(nil, wire.FrameInputs, 0), &wire.Batch{})
	b = wire.AppendRun(b, k, first, n, &st)
	b[at] = 1
	n = len(b) - wire.FrameHeaderLen
	b[1], b[2] = byte(n>>8), byte(n)
	return b
}

// RawChecksum is a checksum frame for polls [from, from+count).
func RawChecksum(from, count uint32, hash uint64) []byte {
	p := wire.AppendChecksum(nil, wire.ChecksumMsg{From: from, Count: count, Hash: hash})
	return append(wire.AppendFrameHeader(nil, wire.FrameChecksum, len(p)), p...)
}

// RawHello is what a client writes first: the stream magic and a hello
// frame for name, announcing no manifest.
func RawHello(name string, spectator bool) []byte {
	return rawHello(wire.Hello{Version: session.ProtocolVersion, Spectator: spectator, Name: name})
}

// RawHelloReplay is RawHello for a spectator whose emulator starts at
// power-on: joining a running game, it is sent the game from poll 0.
func RawHelloReplay(name string) []byte {
	return rawHello(wire.Hello{Version: session.ProtocolVersion, Spectator: true, Replay: true, Name: name})
}

// RawHelloNoROM is RawHello for a player that announces no ROM (the
// simulated game), as netpak's clients without a ROM do.
func RawHelloNoROM(name string) []byte {
	noROM, _ := saves.Manifest{}.MarshalBinary()
	return rawHello(wire.Hello{Version: session.ProtocolVersion, Name: name, Manifest: noROM})
}

func rawHello(hl wire.Hello) []byte {
	p := wire.AppendHello(nil, hl)
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

// RawFrame is a frame of type typ with payload p, as a hostile client
// writes it.
func RawFrame(typ wire.FrameType, p []byte) []byte {
	return append(wire.AppendFrameHeader(nil, typ, len(p)), p...)
}
