package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"github.com/netpak/netpak/host/lockstep"
	"reflect"
	"testing"

	"github.com/netpak/netpak/host/m64p"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGolden pins the byte layout of every message documented in doc.go
// and checks that parsing gives back what was encoded.
func TestGolden(t *testing.T) {
	key, pkey := [16]byte{15: 7}, [16]byte{0: 9}
	tests := []struct {
		name  string
		bytes []byte
		hex   string
		parse func([]byte) (any, error)
		want  any
	}{
		{"hello", AppendHello(nil, Hello{Version: ProtocolVersion, Spectator: true, Ports: 5, NumPorts: 2, OwnerKey: key, PlayerKey: pkey, Name: "Bob", Manifest: []byte("NPM1")}),
			"0801050200000000000000000000000000000007" + "09000000000000000000000000000000" + "0003426f62" + "0004" + "4e504d31",
			func(p []byte) (any, error) { return ParseHello(p) },
			Hello{Version: ProtocolVersion, Spectator: true, Ports: 5, NumPorts: 2, OwnerKey: key, PlayerKey: pkey, Name: "Bob", Manifest: []byte("NPM1")}},
		{"welcome", AppendWelcome(nil, Welcome{ID: 2, Token: 0x0102030405060708, Ports: 2, Playing: true, GolfMask: 0x20, DropTimeout: 3000}),
			"0002" + "0102030405060708" + "02" + "01" + "00000020" + "00000bb8",
			func(p []byte) (any, error) { return ParseWelcome(p) },
			Welcome{ID: 2, Token: 0x0102030405060708, Ports: 2, Playing: true, GolfMask: 0x20, DropTimeout: 3000}},
		{"game-over", AppendGameOver(nil, GameOver{Why: GameStopped, Actor: 2}), "01" + "0002",
			func(p []byte) (any, error) { return ParseGameOver(p) }, GameOver{Why: GameStopped, Actor: 2}},
		{"chat", AppendText(nil, TextMsg{ID: 3, Text: "hi"}), "0003" + "00026869",
			func(p []byte) (any, error) { return ParseText(p) }, TextMsg{ID: 3, Text: "hi"}},
		{"joined", AppendMember(nil, Member{ID: 1, Name: "A", Ports: 1, Host: true, RTTMillis: 12, PaceTenths: 599, PaceKnown: true}),
			"0001" + "01" + "0a" + "000c" + "0000" + "00000000" + "0257" + "00" + "000141",
			func(p []byte) (any, error) { return ParseJoined(p) }, Member{ID: 1, Name: "A", Ports: 1, Host: true, RTTMillis: 12, PaceTenths: 599, PaceKnown: true}},
		{"joined core", AppendMember(nil, Member{ID: 2, Name: "c", Ports: 2, Core: true, NeedLag: 3, NeedKnown: true}),
			"0002" + "02" + "14" + "0000" + "0000" + "00000000" + "0000" + "03" + "000163",
			func(p []byte) (any, error) { return ParseJoined(p) }, Member{ID: 2, Name: "c", Ports: 2, Core: true, NeedLag: 3, NeedKnown: true}},
		{"started", AppendStarted(nil, Started{First: 0, Grant: 32, Active: 0x03, Slots: m64p.Registration{{RegID: 0x1001, Plugin: 2}, {RegID: 0x2002, Plugin: 1, RawData: true}}}),
			"00000000" + "00000020" + "03" + "00" + "00001001" + "0200" + "00002002" + "0101" + "000000000000" + "000000000000",
			func(p []byte) (any, error) { return ParseStarted(p) },
			Started{Grant: 32, Active: 0x03, Slots: m64p.Registration{{RegID: 0x1001, Plugin: 2}, {RegID: 0x2002, Plugin: 1, RawData: true}}}},
		{"sched", AppendSched(nil, SchedMsg{Epoch: 2, Entry: lockstep.SchedEntry{From: 100, Lag: 3, Golf: true, Seat: 4, SeatLag: 2, Cause: lockstep.CauseGolfSeat, Actor: 4}}),
			"0002" + "00000064" + "03" + "01" + "0004" + "04" + "0004" + "02",
			func(p []byte) (any, error) { return ParseSched(p) },
			SchedMsg{Epoch: 2, Entry: lockstep.SchedEntry{From: 100, Lag: 3, Golf: true, Seat: 4, SeatLag: 2, Cause: lockstep.CauseGolfSeat, Actor: 4}}},
		{"left", AppendLeft(nil, LeftMsg{ID: 5, Reason: LeaveTimeout, Ports: 8, From: 77}), "0005" + "01" + "08" + "0000004d",
			func(p []byte) (any, error) { return ParseLeft(p) }, LeftMsg{ID: 5, Reason: LeaveTimeout, Ports: 8, From: 77}},
		{"checksum", AppendChecksum(nil, ChecksumMsg{From: 256, Count: 256, Hash: 0xabcdef, ID: 0}), "00000100" + "00000100" + "0000000000abcdef" + "0000",
			func(p []byte) (any, error) { return ParseChecksum(p) }, ChecksumMsg{From: 256, Count: 256, Hash: 0xabcdef}},
		{"ping", AppendPing(nil, Ping{Clock: 9, RTT: 250}), "0000000000000009" + "000000fa",
			func(p []byte) (any, error) { return ParsePing(p) }, Ping{Clock: 9, RTT: 250}},
		{"catch-up", AppendCatchUp(nil, CatchUp{Poll: 4200, Done: true}), "00001068" + "01",
			func(p []byte) (any, error) { return ParseCatchUp(p) }, CatchUp{Poll: 4200, Done: true}},
		{"handover", AppendHandover(nil, Handover{Ports: 2, From: 9000}), "02" + "00002328",
			func(p []byte) (any, error) { return ParseHandover(p) }, Handover{Ports: 2, From: 9000}},
		{"emulator", AppendEmulator(nil, Emulator{ID: 2, OK: false, Text: "no"}), "0002" + "00" + "0002" + "6e6f",
			func(p []byte) (any, error) { return ParseEmulator(p) }, Emulator{ID: 2, Text: "no"}},
		{"cheats", AppendCheatNames(nil, CheatNames{ID: 1, Names: []string{"A", "Bc"}}), "0001" + "02" + "000141" + "00024263",
			func(p []byte) (any, error) { return ParseCheatNames(p) }, CheatNames{ID: 1, Names: []string{"A", "Bc"}}},
		{"revive", AppendRevive(nil, Revive{Ports: 4, From: 300, Epoch: 7}), "04" + "0000012c" + "0007",
			func(p []byte) (any, error) { return ParseRevive(p) }, Revive{Ports: 4, From: 300, Epoch: 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Equal(tc.bytes, mustHex(t, tc.hex)) {
				t.Fatalf("encoded %x, want %s", tc.bytes, tc.hex)
			}
			got, err := tc.parse(tc.bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parsed %+v, want %+v", got, tc.want)
			}
			for n := range len(tc.bytes) {
				if _, err := tc.parse(tc.bytes[:n]); err == nil {
					t.Errorf("truncated to %d bytes: no error", n)
				}
			}
			if _, err := tc.parse(append(tc.bytes, 0)); err == nil {
				t.Error("trailing byte: no error")
			}
		})
	}
}

func TestGoldenBatch(t *testing.T) {
	var s lockstep.Stream
	s.Add(0, lockstep.Input{Keys: 0x20, Pak: 1})
	s.Add(1, lockstep.Input{Keys: 0xffff0000})
	bt := Batch{Grant: 40, Epoch: 1, AckMask: 0b0101, Acks: [4]uint32{7, 0, 9, 0}}
	b := AppendDgramHeader(nil, DgramInputs, 0x1122334455667788)
	b, at := AppendBatchHead(b, &bt)
	b = AppendRun(b, 1, 0, 2, &s)
	b[at] = 1
	want := "e4080300" + "1122334455667788" + "00000028" + "0001" + "05" + "00000007" + "00000009" + "01" +
		"01" + "00000000" + "02" + "0000002001" + "ffff000000"
	if !bytes.Equal(b, mustHex(t, want)) {
		t.Fatalf("encoded %x\nwant    %s", b, want)
	}
	kind, token, body, err := ParseDgramHeader(b)
	if err != nil || kind != DgramInputs || token != 0x1122334455667788 {
		t.Fatalf("header: %v %v %x", kind, err, token)
	}
	var got Batch
	if err := ParseBatch(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Grant != 40 || got.Epoch != 1 || got.AckMask != 5 || got.Acks != bt.Acks || got.NRuns != 1 {
		t.Fatalf("parsed %+v", got)
	}
	r := got.Runs[0]
	if r.Port != 1 || r.First != 0 || r.N != 2 || r.Input(0) != (lockstep.Input{Keys: 0x20, Pak: 1}) || r.Input(1) != (lockstep.Input{Keys: 0xffff0000}) {
		t.Fatalf("run %+v", r)
	}
	for n := range len(body) {
		if err := ParseBatch(body[:n], &got); err == nil {
			t.Errorf("batch truncated to %d bytes: no error", n)
		}
	}
}

func TestParseBatchRejects(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"ack mask beyond 4 ports", "00000000" + "0000" + "10" + "00"},
		{"five runs", "00000000" + "0000" + "00" + "05"},
		{"port 4", "00000000" + "0000" + "00" + "01" + "04" + "00000000" + "01" + "0000000000"},
		{"empty run", "00000000" + "0000" + "00" + "01" + "00" + "00000000" + "00"},
		{"run of 65", "00000000" + "0000" + "00" + "01" + "00" + "00000000" + "41"},
		{"same port twice", "00000000" + "0000" + "00" + "02" + "00" + "00000000" + "01" + "0000000000" + "00" + "00000001" + "01" + "0000000000"},
	} {
		var bt Batch
		if err := ParseBatch(mustHex(t, tc.hex), &bt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestReadFrameBounds(t *testing.T) {
	buf := make([]byte, MaxFramePayload)
	big := AppendFrameHeader(nil, FrameChat, MaxFramePayload+1)
	if _, _, err := ReadFrame(bytes.NewReader(big), buf); !errors.Is(err, ErrLong) {
		t.Errorf("oversized frame: %v", err)
	}
	short := append(AppendFrameHeader(nil, FrameChat, 10), 1, 2)
	if _, _, err := ReadFrame(bytes.NewReader(short), buf); err == nil {
		t.Error("truncated frame: no error")
	}
}

func TestAuthorLag(t *testing.T) {
	var a lockstep.Author
	var emit lockstep.Stream
	press := func(p uint32) lockstep.Input { return lockstep.Input{Keys: p + 100} }
	for p := range uint32(10) {
		a.Publish(p, 2, press(p), &emit)
	}
	for p := uint32(10); p < 12; p++ { // lower the lag to 0: two presses are surplus
		if n := a.Publish(p, 0, press(p), &emit); n != 0 {
			t.Fatalf("poll %d published %d, want surplus", p, n)
		}
	}
	a.Publish(12, 0, press(12), &emit)
	a.Publish(13, 3, press(13), &emit) // raise to 3: polls 13-15 repeat press 12
	var got []lockstep.Input
	for i := range emit.Have {
		got = append(got, emit.At(i))
	}
	want := []lockstep.Input{{}, {}}
	for p := range uint32(10) {
		want = append(want, press(p))
	}
	want = append(want, press(12), press(12), press(12), press(12), press(13))
	if len(got) != len(want) {
		t.Fatalf("published %d polls, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("poll %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestScheduleAt(t *testing.T) {
	var s lockstep.Schedule
	s.Reset(lockstep.SchedEntry{Lag: 5})
	s.Add(lockstep.SchedEntry{From: 100, Lag: 2})
	s.Add(lockstep.SchedEntry{From: 200, Lag: 5, Golf: true, Seat: 3})
	s.Add(lockstep.SchedEntry{From: 300, Lag: 5, Golf: true, Seat: 3, SeatLag: 2}) // a direct core's seat
	s.Add(lockstep.SchedEntry{From: 400, Lag: 1, Golf: true, Seat: 3, SeatLag: 2}) // never above the lag
	for _, tc := range []struct {
		p    uint32
		id   uint16
		want uint8
	}{{0, 1, 5}, {99, 1, 5}, {100, 1, 2}, {199, 3, 2}, {200, 3, 0}, {200, 1, 5}, {300, 3, 2}, {300, 1, 5}, {400, 3, 1}} {
		if got := s.At(tc.p).LagOf(tc.id); got != tc.want {
			t.Errorf("lag of %d at poll %d: %d, want %d", tc.id, tc.p, got, tc.want)
		}
	}
	if err := s.Add(lockstep.SchedEntry{From: 150}); err == nil {
		t.Error("entry before the newest: no error")
	}
	s.Prune(450)
	if len(s.Entries) != 1 || s.At(0).Seat != 3 {
		t.Errorf("after prune: %+v", s.Entries)
	}
}

// A schedule entry whose golf seat plays a higher lag than everyone else is
// refused: the seat only ever shortens a lag.
func TestParseSchedRejectsSeatAboveLag(t *testing.T) {
	p := AppendSched(nil, SchedMsg{Entry: lockstep.SchedEntry{Lag: 2, Golf: true, Seat: 1, SeatLag: 3}})
	if _, err := ParseSched(p); !errors.Is(err, ErrBadValue) {
		t.Fatalf("seat lag 3 at lag 2: %v, want ErrBadValue", err)
	}
}
