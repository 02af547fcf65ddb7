package wire

import (
	"bytes"
	"github.com/netpak/netpak/host/lockstep"
	"testing"
)

// Every decoder either fails or returns a value that encodes back to what
// it parsed; none panics.

func FuzzParseHello(f *testing.F) {
	f.Add(AppendHello(nil, Hello{Version: ProtocolVersion, Ports: 3, Name: "Bob"}))
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseHello(p)
		if err == nil && !bytes.Equal(AppendHello(nil, h), p) {
			t.Fatalf("round trip of %x gave %x", p, AppendHello(nil, h))
		}
	})
}

func FuzzParseWelcome(f *testing.F) {
	f.Add(AppendWelcome(nil, Welcome{ID: 1, Token: 5, Ports: 1}))
	f.Fuzz(func(t *testing.T, p []byte) {
		w, err := ParseWelcome(p)
		if err == nil && !bytes.Equal(AppendWelcome(nil, w), p) {
			t.Fatalf("round trip of %x", p)
		}
	})
}

func FuzzParseRoster(f *testing.F) {
	f.Add(AppendRoster(nil, []Member{{ID: 1, Name: "A", Ports: 1}, {ID: 2, Name: "B", Spectator: true}}))
	f.Fuzz(func(t *testing.T, p []byte) {
		ms, err := ParseRoster(p)
		if err == nil && !bytes.Equal(AppendRoster(nil, ms), p) {
			t.Fatalf("round trip of %x", p)
		}
	})
}

func FuzzParseSmallFrames(f *testing.F) {
	f.Add(uint8(0), AppendText(nil, TextMsg{ID: 1, Text: "hi"}))
	f.Add(uint8(1), AppendSched(nil, SchedMsg{Epoch: 1, Entry: lockstep.SchedEntry{From: 3}}))
	f.Add(uint8(2), AppendLeft(nil, LeftMsg{ID: 1, Ports: 1}))
	f.Add(uint8(3), AppendStarted(nil, Started{Grant: 4}))
	f.Add(uint8(4), AppendChecksum(nil, ChecksumMsg{From: 1}))
	f.Add(uint8(5), AppendPing(nil, Ping{Clock: 1}))
	f.Add(uint8(6), AppendGameOver(nil, GameOver{Why: GameStopped, Actor: 2}))
	f.Add(uint8(7), AppendCatchUp(nil, CatchUp{Poll: 9, Done: true}))
	f.Add(uint8(8), AppendHandover(nil, Handover{Ports: 1, From: 9}))
	f.Fuzz(func(t *testing.T, which uint8, p []byte) {
		var out []byte
		var err error
		switch which % 9 {
		case 0:
			var v TextMsg
			if v, err = ParseText(p); err == nil {
				out = AppendText(nil, v)
			}
		case 1:
			var v SchedMsg
			if v, err = ParseSched(p); err == nil {
				out = AppendSched(nil, v)
			}
		case 2:
			var v LeftMsg
			if v, err = ParseLeft(p); err == nil {
				out = AppendLeft(nil, v)
			}
		case 3:
			var v Started
			if v, err = ParseStarted(p); err == nil {
				out = AppendStarted(nil, v)
			}
		case 4:
			var v ChecksumMsg
			if v, err = ParseChecksum(p); err == nil {
				out = AppendChecksum(nil, v)
			}
		case 5:
			var v Ping
			if v, err = ParsePing(p); err == nil {
				out = AppendPing(nil, v)
			}
		case 6:
			var v GameOver
			if v, err = ParseGameOver(p); err == nil {
				out = AppendGameOver(nil, v)
			}
		case 7:
			var v CatchUp
			if v, err = ParseCatchUp(p); err == nil {
				out = AppendCatchUp(nil, v)
			}
		case 8:
			var v Handover
			if v, err = ParseHandover(p); err == nil {
				out = AppendHandover(nil, v)
			}
		}
		if err == nil && !bytes.Equal(out, p) {
			t.Fatalf("round trip of %x gave %x", p, out)
		}
	})
}

func FuzzParseDatagram(f *testing.F) {
	var s lockstep.Stream
	s.Add(0, lockstep.Input{Keys: 1})
	b := AppendDgramHeader(nil, DgramInputs, 9)
	b, at := AppendBatchHead(b, &Batch{AckMask: 1, Acks: [4]uint32{1}})
	b = AppendRun(b, 2, 0, 1, &s)
	b[at] = 1
	f.Add(b)
	f.Add(AppendDgramHeader(nil, DgramHello, 1))
	f.Fuzz(func(t *testing.T, p []byte) {
		_, _, body, err := ParseDgramHeader(p)
		if err != nil {
			return
		}
		var bt Batch
		if ParseBatch(body, &bt) != nil {
			return
		}
		n := 0
		for i := range bt.NRuns {
			n += RunLen(int(bt.Runs[i].N))
			for j := range int(bt.Runs[i].N) {
				bt.Runs[i].Input(j)
			}
		}
		if n > len(body) {
			t.Fatalf("runs claim %d bytes of a %d-byte body", n, len(body))
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add(append(AppendFrameHeader(nil, FrameChat, 4), 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, p []byte) {
		buf := make([]byte, MaxFramePayload)
		typ, payload, err := ReadFrame(bytes.NewReader(p), buf)
		if err == nil && (len(payload) > MaxFramePayload || !bytes.Equal(p[:3], AppendFrameHeader(nil, typ, len(payload)))) {
			t.Fatalf("frame %v of %d bytes from %x", typ, len(payload), p)
		}
	})
}

func FuzzParseTransfers(f *testing.F) {
	f.Add(uint8(0), AppendCoreData(nil, Chunk{Kind: 0, Total: 24, Data: make([]byte, 24)}))
	f.Add(uint8(1), AppendSyncData(nil, SyncData{Peer: 2, Chunk: Chunk{Kind: 1, Total: 4, Data: []byte{1, 2, 3, 4}}}))
	f.Add(uint8(2), AppendMemberManifest(nil, 3, true, nil))
	f.Fuzz(func(t *testing.T, which uint8, p []byte) {
		switch which % 3 {
		case 0:
			d, err := ParseCoreData(p)
			if err == nil && (!bytes.Equal(AppendCoreData(nil, d), p) || int(d.Offset)+len(d.Data) > CoreKindSize(d.Kind)) {
				t.Fatalf("core-data %x", p)
			}
		case 1:
			d, err := ParseSyncData(p)
			if err == nil && (!bytes.Equal(AppendSyncData(nil, d), p) || int(d.Total) > d.Item().MaxSize()) {
				t.Fatalf("sync-data %x", p)
			}
		case 2:
			ParseMemberManifest(p)
		}
	})
}
