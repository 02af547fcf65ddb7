package host

import (
	"bytes"
	"github.com/netpak/netpak/host/lockstep"
	"testing"
)

// Every decoder either fails or returns a value that encodes back to what
// it parsed; none panics.

func FuzzParseHello(f *testing.F) {
	f.Add(appendHello(nil, hello{Version: ProtocolVersion, Ports: 3, Name: "Bob"}))
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := parseHello(p)
		if err == nil && !bytes.Equal(appendHello(nil, h), p) {
			t.Fatalf("round trip of %x gave %x", p, appendHello(nil, h))
		}
	})
}

func FuzzParseWelcome(f *testing.F) {
	f.Add(appendWelcome(nil, welcome{ID: 1, Token: 5, Ports: 1}))
	f.Fuzz(func(t *testing.T, p []byte) {
		w, err := parseWelcome(p)
		if err == nil && !bytes.Equal(appendWelcome(nil, w), p) {
			t.Fatalf("round trip of %x", p)
		}
	})
}

func FuzzParseRoster(f *testing.F) {
	f.Add(appendRoster(nil, []Member{{ID: 1, Name: "A", Ports: 1}, {ID: 2, Name: "B", Spectator: true}}))
	f.Fuzz(func(t *testing.T, p []byte) {
		ms, err := parseRoster(p)
		if err == nil && !bytes.Equal(appendRoster(nil, ms), p) {
			t.Fatalf("round trip of %x", p)
		}
	})
}

func FuzzParseSmallFrames(f *testing.F) {
	f.Add(uint8(0), appendText(nil, textMsg{ID: 1, Text: "hi"}))
	f.Add(uint8(1), appendSched(nil, schedMsg{Epoch: 1, Entry: lockstep.SchedEntry{From: 3}}))
	f.Add(uint8(2), appendLeft(nil, leftMsg{ID: 1, Ports: 1}))
	f.Add(uint8(3), appendStarted(nil, started{Grant: 4}))
	f.Add(uint8(4), appendChecksum(nil, checksumMsg{From: 1}))
	f.Add(uint8(5), appendPing(nil, ping{Clock: 1}))
	f.Fuzz(func(t *testing.T, which uint8, p []byte) {
		var out []byte
		var err error
		switch which % 6 {
		case 0:
			var v textMsg
			if v, err = parseText(p); err == nil {
				out = appendText(nil, v)
			}
		case 1:
			var v schedMsg
			if v, err = parseSched(p); err == nil {
				out = appendSched(nil, v)
			}
		case 2:
			var v leftMsg
			if v, err = parseLeft(p); err == nil {
				out = appendLeft(nil, v)
			}
		case 3:
			var v started
			if v, err = parseStarted(p); err == nil {
				out = appendStarted(nil, v)
			}
		case 4:
			var v checksumMsg
			if v, err = parseChecksum(p); err == nil {
				out = appendChecksum(nil, v)
			}
		case 5:
			var v ping
			if v, err = parsePing(p); err == nil {
				out = appendPing(nil, v)
			}
		}
		if err == nil && !bytes.Equal(out, p) {
			t.Fatalf("round trip of %x gave %x", p, out)
		}
	})
}

func FuzzParseDatagram(f *testing.F) {
	var s lockstep.Stream
	s.Add(0, Input{Keys: 1})
	b := appendDgramHeader(nil, dgramInputs, 9)
	b, at := appendBatchHead(b, &batch{AckMask: 1, Acks: [4]uint32{1}})
	b = appendRun(b, 2, 0, 1, &s)
	b[at] = 1
	f.Add(b)
	f.Add(appendDgramHeader(nil, dgramHello, 1))
	f.Fuzz(func(t *testing.T, p []byte) {
		_, _, body, err := parseDgramHeader(p)
		if err != nil {
			return
		}
		var bt batch
		if parseBatch(body, &bt) != nil {
			return
		}
		n := 0
		for i := range bt.NRuns {
			n += runLen(int(bt.Runs[i].N))
			for j := range int(bt.Runs[i].N) {
				bt.Runs[i].input(j)
			}
		}
		if n > len(body) {
			t.Fatalf("runs claim %d bytes of a %d-byte body", n, len(body))
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add(append(appendFrameHeader(nil, frameChat, 4), 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, p []byte) {
		buf := make([]byte, maxFramePayload)
		typ, payload, err := readFrame(bytes.NewReader(p), buf)
		if err == nil && (len(payload) > maxFramePayload || !bytes.Equal(p[:3], appendFrameHeader(nil, typ, len(payload)))) {
			t.Fatalf("frame %v of %d bytes from %x", typ, len(payload), p)
		}
	})
}

func FuzzParseTransfers(f *testing.F) {
	f.Add(uint8(0), appendCoreData(nil, coreData{Kind: 0, Total: 24, Data: make([]byte, 24)}))
	f.Add(uint8(1), appendSyncData(nil, syncData{Peer: 2, Kind: 1, Total: 4, Data: []byte{1, 2, 3, 4}}))
	f.Add(uint8(2), appendMemberManifest(nil, 3, true, nil))
	f.Fuzz(func(t *testing.T, which uint8, p []byte) {
		switch which % 3 {
		case 0:
			d, err := parseCoreData(p)
			if err == nil && (!bytes.Equal(appendCoreData(nil, d), p) || int(d.Offset)+len(d.Data) > coreKindSize(d.Kind)) {
				t.Fatalf("core-data %x", p)
			}
		case 1:
			d, err := parseSyncData(p)
			if err == nil && (!bytes.Equal(appendSyncData(nil, d), p) || int(d.Total) > d.Kind.maxSize()) {
				t.Fatalf("sync-data %x", p)
			}
		case 2:
			parseMemberManifest(p)
		}
	})
}
