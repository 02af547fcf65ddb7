package m64p

import "testing"

// The host answers one PLAYER_INPUT_REQUEST per player per poll from every
// core, every 5 ms while one stalls: these are its hot path.

func BenchmarkAppendKeyInfoServer(b *testing.B) {
	m := KeyInfoServer{Player: 2, Lag: 1, Events: make([]Event, MaxEvents)}
	buf := make([]byte, 0, MaxDatagram)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendTo(buf[:0])
	}
}

func BenchmarkParseClientDatagram(b *testing.B) {
	req, _ := InputRequest{Player: 1, RegID: 0x1002, Count: 99, BufferSize: 2}.AppendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseClientDatagram(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseKeyInfoServer(b *testing.B) {
	pkt, _ := KeyInfoServer{Player: 2, Events: make([]Event, 8)}.AppendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKeyInfoServer(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
