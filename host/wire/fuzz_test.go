package wire

import (
	"bytes"
	"encoding/binary"
	"github.com/netpak/netpak/host/lockstep"
	"reflect"
	"testing"

	"github.com/netpak/netpak/host/m64p"
)

// Every decoder either fails or returns a value that encodes back to what
// it parsed; none panics.

func FuzzParseHello(f *testing.F) {
	f.Add(AppendHello(nil, Hello{Version: ProtocolVersion, Ports: 3, Name: "Bob"}))
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseHello(p)
		if err == nil && h.Version != ProtocolVersion {
			if !reflect.DeepEqual(h, Hello{Version: h.Version}) || p[0] != h.Version {
				t.Fatalf("a hello of version %d gave %+v", p[0], h)
			}
			return
		}
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
	f.Add(AppendRoster(nil, []Member{{ID: 3, Name: "C", Ports: 2, Core: true, PaceTenths: 600, PaceKnown: true, NeedLag: 2, NeedKnown: true}}))
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
	f.Add(uint8(1), AppendSched(nil, SchedMsg{Epoch: 1, Entry: lockstep.SchedEntry{From: 3, Lag: 4, Golf: true, Seat: 2, SeatLag: 2}}))
	f.Add(uint8(2), AppendLeft(nil, LeftMsg{ID: 1, Ports: 1}))
	f.Add(uint8(3), AppendStarted(nil, Started{Grant: 4}))
	f.Add(uint8(4), AppendChecksum(nil, ChecksumMsg{From: 1}))
	f.Add(uint8(5), AppendPing(nil, Ping{Clock: 1}))
	f.Add(uint8(6), AppendGameOver(nil, GameOver{Why: GameStopped, Actor: 2}))
	f.Add(uint8(7), AppendCatchUp(nil, CatchUp{Poll: 9, Done: true}))
	f.Add(uint8(8), AppendHandover(nil, Handover{Ports: 1, From: 9}))
	f.Add(uint8(9), AppendRevive(nil, Revive{Ports: 1, From: 9, Epoch: 2}))
	f.Add(uint8(10), AppendEmulator(nil, Emulator{ID: 1, OK: true, Text: "can start"}))
	f.Add(uint8(11), AppendCheatNames(nil, CheatNames{ID: 1, Names: []string{"Moon Jump"}}))
	f.Add(uint8(12), AppendBye(nil, LeaveSpectate))
	f.Add(uint8(13), []byte{1})
	f.Fuzz(func(t *testing.T, which uint8, p []byte) {
		var out []byte
		var err error
		switch which % 14 {
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
		case 9:
			var v Revive
			if v, err = ParseRevive(p); err == nil {
				out = AppendRevive(nil, v)
			}
		case 10:
			var v Emulator
			if v, err = ParseEmulator(p); err == nil {
				out = AppendEmulator(nil, v)
			}
		case 11:
			var v CheatNames
			if v, err = ParseCheatNames(p); err == nil {
				out = AppendCheatNames(nil, v)
			}
		case 12:
			var v LeaveReason
			if v, err = ParseBye(p); err == nil {
				out = AppendBye(nil, v)
			}
		case 13:
			var v bool
			if v, err = ParseBool(p); err == nil {
				out = []byte{BoolByte(v)}
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

// FuzzAssembly feeds chunks to Assemblies the way a peer's stream does:
// each operation of the input becomes a sync-data or core-data frame,
// and what its parser accepts goes to Add. Whatever the frames, nothing
// panics; an Assembly never holds more than its kinds' largest items;
// Add takes exactly the chunks that continue their item in order; and a
// completed item is Total bytes, those of the chunks taken, and comes back
// whole from a correct sender's chunks.
//
// An operation is 13 bytes: flags (bit 0 core-data, bit 1 offset = where
// the item stands, bit 2 total = the item's), kind, u32 offset, u32
// total, u16 data length, data seed. An input runs at most maxOps of
// them: enough for two of the largest saves, few enough to keep each run
// fast.
func FuzzAssembly(f *testing.F) {
	const maxOps = 2*MaxSyncSave/ChunkSize + 16
	pat := make([]byte, ChunkSize+2+256)
	for i := range pat {
		pat[i] = byte(i) ^ byte(i>>8)
	}
	op := func(b []byte, flags, kind uint8, off, total uint32, n int, seed byte) []byte {
		b = append(b, flags, kind)
		b = AppendU32(b, off)
		b = AppendU32(b, total)
		b = AppendU16(b, uint16(n))
		return append(b, seed)
	}
	var seq []byte
	const n = 2*ChunkSize + 5
	Chunks(uint8(SyncCheats), make([]byte, n), func(c Chunk) {
		seq = op(seq, 0, c.Kind, c.Offset, c.Total, len(c.Data), 1)
	})
	f.Add(seq)
	f.Add(op(op(nil, 0, 3, 0, n, ChunkSize, 2), 6, 3, 0, 0, ChunkSize, 3))
	f.Add(op(op(nil, 0, 3, 0, n, ChunkSize, 2), 0, 3, 2*ChunkSize, n, 5, 3)) // out of order
	f.Add(op(op(nil, 0, 3, 0, n, ChunkSize, 2), 2, 3, 0, n+1, ChunkSize, 3)) // total disagrees
	f.Add(op(op(nil, 1, CoreKindSettings, 0, 24, 24, 4), 0, uint8(SyncCheats)+1, 0, 0, 0, 5))
	f.Add(op(nil, 1, 3, 0, uint32(m64p.SaveFlashRAM.Size()), ChunkSize, 6))
	f.Fuzz(func(t *testing.T, ops []byte) {
		type item struct {
			buf   []byte
			total uint32
		}
		var frame []byte
		var given [][2][]byte // items Add returned, and copies
		var asm [2]Assembly   // sync-data, core-data
		var model [2][maxChunkKinds]item
		maxSize := [2]func(uint8) int{
			func(k uint8) int { return SyncKind(k).MaxSize() },
			CoreKindSize,
		}
		ops = ops[:min(len(ops), 13*maxOps)]
		for ; len(ops) >= 13; ops = ops[13:] {
			flags, kind := ops[0], ops[1]
			off, total := binary.BigEndian.Uint32(ops[2:]), binary.BigEndian.Uint32(ops[6:])
			size, seed := int(binary.BigEndian.Uint16(ops[10:]))%(ChunkSize+2), ops[12]
			w := int(flags & 1)
			if kind < maxChunkKinds && flags&2 != 0 {
				off = uint32(len(model[w][kind].buf))
			}
			if kind < maxChunkKinds && flags&4 != 0 {
				total = model[w][kind].total
			}
			data := pat[seed : int(seed)+size]
			sent := Chunk{Kind: kind, Offset: off, Total: total, Data: data}
			var c Chunk
			var err error
			if w == 1 {
				frame = AppendCoreData(frame[:0], sent)
				c, err = ParseCoreData(frame)
			} else {
				var d SyncData
				frame = AppendSyncData(frame[:0], SyncData{Peer: 1, Chunk: sent})
				d, err = ParseSyncData(frame)
				c = d.Chunk
			}
			if err != nil {
				continue
			}

			m := &model[w][c.Kind]
			if c.Offset == 0 {
				m.buf, m.total = m.buf[:0], c.Total
			}
			take := int(c.Offset) == len(m.buf) && c.Total == m.total
			whole, done, err := asm[w].Add(c)
			if take != (err == nil) {
				t.Fatalf("Add(kind %d, %d bytes at %d of %d) with %d of %d held: %v",
					c.Kind, len(c.Data), c.Offset, c.Total, len(m.buf), m.total, err)
			}
			if err == nil {
				m.buf = append(m.buf, c.Data...)
				if done != (len(m.buf) == int(m.total)) {
					t.Fatalf("kind %d: done %v with %d of %d", c.Kind, done, len(m.buf), m.total)
				}
			}
			if done {
				if whole == nil || len(whole) != int(c.Total) || !bytes.Equal(whole, m.buf) {
					t.Fatalf("kind %d: completed %d bytes of %d, not those taken", c.Kind, len(whole), c.Total)
				}
				var again Assembly
				var got []byte
				Chunks(c.Kind, whole, func(c Chunk) {
					if w, done, err := again.Add(c); err != nil {
						t.Fatalf("a correct sender's chunk: %v", err)
					} else if done {
						got = w
					}
				})
				if !bytes.Equal(got, whole) {
					t.Fatalf("kind %d: a correct sender's chunks gave %d bytes of %d", c.Kind, len(got), len(whole))
				}
				m.buf = nil
				given = append(given, [2][]byte{whole, bytes.Clone(whole)})
			}
			for k := range uint8(maxChunkKinds) {
				if b, lim := asm[w].buf[k], maxSize[w](k); len(b) > lim || cap(b) > 2*lim+64 {
					t.Fatalf("kind %d holds %d bytes (cap %d); its largest item has %d", k, len(b), cap(b), lim)
				}
			}
		}
		for i, g := range given {
			if !bytes.Equal(g[0], g[1]) {
				t.Fatalf("item %d changed after Add returned it", i)
			}
		}
	})
}
