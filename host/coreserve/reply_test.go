package coreserve_test

import (
	"math"
	"slices"
	"testing"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
)

// streamOf returns a stream holding n inputs: input i has keys i+1 and
// the mempak, except input 2, which has no pak byte (a netpak client's).
func streamOf(n uint32) *lockstep.Stream { return streamFrom(0, n) }

// streamFrom is streamOf of a stream that starts at poll from, as a
// player's who joined a running game.
func streamFrom(from, n uint32) *lockstep.Stream {
	var st lockstep.Stream
	st.Skip(from)
	for i := from; i < n; i++ {
		in := lockstep.Input{Keys: i + 1, Pak: uint8(m64p.PluginMempak)}
		if i == 2 {
			in.Pak = 0
		}
		st.Add(i, in)
	}
	return &st
}

// held is the event AppendEvents gives for input i of streamOf.
func held(i uint32, fallback m64p.Plugin) m64p.Event {
	p := m64p.PluginMempak
	if i == 2 {
		p = fallback
	}
	return m64p.Event{Count: i, Keys: i + 1, Plugin: p}
}

func TestAppendEvents(t *testing.T) {
	const plug = m64p.PluginRumblePak
	empty := func(from, to uint32) []m64p.Event { // [from, to)
		var evs []m64p.Event
		for i := from; i < to; i++ {
			evs = append(evs, m64p.Event{Count: i, Plugin: plug})
		}
		return evs
	}
	heldRange := func(from, to uint32) []m64p.Event {
		var evs []m64p.Event
		for i := from; i < to; i++ {
			evs = append(evs, held(i, plug))
		}
		return evs
	}
	tests := []struct {
		name      string
		from      uint32 // the stream's first poll
		have      uint32
		c         uint32
		emptyFrom uint32
		want      []m64p.Event
	}{
		{"all it holds", 0, 5, 0, lockstep.NotEmpty, heldRange(0, 5)},
		{"from the middle", 0, 5, 3, lockstep.NotEmpty, heldRange(3, 5)},
		{"nothing yet", 0, 5, 5, lockstep.NotEmpty, nil},
		{"beyond", 0, 5, 9, lockstep.NotEmpty, nil},
		{"empty stream", 0, 0, 0, lockstep.NotEmpty, nil},
		{"held then empty within the window", 0, 5, 0, 3, append(heldRange(0, 3), empty(3, 8)...)},
		{"held then empty from the middle", 0, 5, 2, 3, append(heldRange(2, 3), empty(3, 10)...)},
		{"left before the count", 0, 5, 100, 0, empty(100, 108)},
		{"left at the count", 0, 5, 4, 4, empty(4, 12)},
		{"left later than held", 0, 5, 0, 7, heldRange(0, 5)},
		{"cap", 0, 100, 0, lockstep.NotEmpty, heldRange(0, m64p.MaxEvents)},
		{"cap from 40", 0, 200, 40, lockstep.NotEmpty, heldRange(40, 40+m64p.MaxEvents)},
		{"before a joiner's first", 100, 200, 99, lockstep.NotEmpty, nil},
		{"a joiner's first", 100, 200, 100, lockstep.NotEmpty, heldRange(100, 100+m64p.MaxEvents)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := coreserve.AppendEvents(nil, streamFrom(tt.from, tt.have), tt.c, tt.emptyFrom, plug)
			if !slices.Equal(got, tt.want) {
				t.Errorf("AppendEvents(have %d, c %d, emptyFrom %d)\n got %v\nwant %v", tt.have, tt.c, tt.emptyFrom, got, tt.want)
			}
		})
	}
}

func TestAppendEventsCapCountsWhatIsThere(t *testing.T) {
	prefix := make([]m64p.Event, m64p.MaxEvents-3)
	got := coreserve.AppendEvents(prefix, streamOf(100), 0, lockstep.NotEmpty, m64p.PluginNone)
	if len(got) != m64p.MaxEvents {
		t.Fatalf("%d events after a prefix of %d, want %d", len(got), len(prefix), m64p.MaxEvents)
	}
	if want := held(0, m64p.PluginNone); got[len(prefix)] != want {
		t.Errorf("first appended event %+v, want %+v", got[len(prefix)], want)
	}
	full := make([]m64p.Event, m64p.MaxEvents)
	if got := coreserve.AppendEvents(full, streamOf(100), 0, lockstep.NotEmpty, m64p.PluginNone); len(got) != m64p.MaxEvents {
		t.Errorf("appending to a full reply gave %d events", len(got))
	}
}

func TestAppendEventsPluginFallback(t *testing.T) {
	st := streamOf(4)
	for _, plug := range []m64p.Plugin{m64p.PluginNone, m64p.PluginTransferPak, m64p.PluginRaw} {
		got := coreserve.AppendEvents(nil, st, 0, lockstep.NotEmpty, plug)
		if len(got) != 4 {
			t.Fatalf("%d events, want 4", len(got))
		}
		for _, e := range got {
			want := m64p.PluginMempak // the input's own pak wins
			if e.Count == 2 {
				want = plug
			}
			if e.Plugin != want {
				t.Errorf("registered %v: event %d has plugin %v, want %v", plug, e.Count, e.Plugin, want)
			}
		}
	}
}

func TestStatus(t *testing.T) {
	ne := lockstep.NotEmpty
	tests := []struct {
		name      string
		desync    bool
		active    lockstep.PortMask
		emptyFrom [lockstep.NumPorts]uint32
		want      m64p.Status
	}{
		{"nothing", false, 0b1111, [4]uint32{ne, ne, ne, ne}, 0},
		{"desync", true, 0b0011, [4]uint32{ne, ne, ne, ne}, m64p.StatusDesync},
		{"port 2 left", false, 0b0111, [4]uint32{ne, ne, 50, ne}, m64p.PlayerGone(2)},
		{"left at 0", false, 0b0011, [4]uint32{0, ne, ne, ne}, m64p.PlayerGone(0)},
		{"inactive ports are not gone", false, 0b0001, [4]uint32{ne, 7, 7, 7}, 0},
		{"all", true, 0b1111, [4]uint32{1, 2, 3, 4},
			m64p.StatusDesync | m64p.PlayerGone(0) | m64p.PlayerGone(1) | m64p.PlayerGone(2) | m64p.PlayerGone(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := coreserve.Status(tt.desync, tt.active, &tt.emptyFrom)
			if got != tt.want {
				t.Errorf("Status = %08b, want %08b", got, tt.want)
			}
			if got.Desynced() != tt.desync {
				t.Errorf("Desynced() = %v", got.Desynced())
			}
		})
	}
}

func TestSpeedLag(t *testing.T) {
	tests := []struct {
		have, c uint32
		lag     uint8
		want    uint8
	}{
		{10, 7, 2, 0},  // lead 7: caught up
		{10, 6, 2, 1},  // one behind
		{10, 0, 2, 7},  // lead 7
		{10, 9, 2, 0},  // ahead of the lead
		{0, 0, 0, 0},   // nothing yet: lead -1
		{0, 0, 255, 0}, // lead far below zero
		{300, 0, 0, 255},
		{256, 0, 0, 255},
		{257, 1, 0, 255},
		{258, 1, 0, 255},
		{256, 1, 0, 254},
		{math.MaxUint32, 0, 0, 255},
		{0, math.MaxUint32, 0, 0},
		{math.MaxUint32, math.MaxUint32, 255, 0},
	}
	for _, tt := range tests {
		if got := coreserve.SpeedLag(tt.have, tt.c, tt.lag); got != tt.want {
			t.Errorf("SpeedLag(have %d, c %d, lag %d) = %d, want %d", tt.have, tt.c, tt.lag, got, tt.want)
		}
	}
}

func TestWaits(t *testing.T) {
	var w coreserve.Waits
	st := streamOf(3)
	ne := lockstep.NotEmpty

	for k := range lockstep.NumPorts {
		if _, ok := w.Due(k, st, 0); ok {
			t.Fatalf("zero Waits: port %d due", k)
		}
	}

	w.Note(1, 5, 0) // asked for 5, got nothing
	if _, ok := w.Due(1, st, ne); ok {
		t.Fatal("due before the stream holds 5")
	}
	if _, ok := w.Due(0, streamOf(10), ne); ok {
		t.Fatal("port 0 due: it never waited")
	}
	st4 := streamOf(5)
	if _, ok := w.Due(1, st4, ne); ok {
		t.Fatal("due while the stream holds only up to 4")
	}
	st6 := streamOf(6)
	if c, ok := w.Due(1, st6, ne); !ok || c != 5 {
		t.Fatalf("Due = %d, %v; want 5, true", c, ok)
	}
	if _, ok := w.Due(1, st6, ne); ok {
		t.Fatal("due twice for one wait")
	}

	// An answer with events is not a wait.
	w.Note(2, 3, 4)
	if _, ok := w.Due(2, streamOf(10), ne); ok {
		t.Fatal("due after an answer that held events")
	}
	// A later empty answer replaces an earlier one.
	w.Note(2, 7, 0)
	w.Note(2, 8, 1)
	if _, ok := w.Due(2, streamOf(10), ne); ok {
		t.Fatal("due after the wait was answered")
	}

	// The port reads empty from the awaited count on: due at once.
	tests := []struct {
		emptyFrom uint32
		due       bool
	}{{9, false}, {8, true}, {3, true}, {0, true}}
	for _, tt := range tests {
		var w coreserve.Waits
		w.Note(3, 8, 0)
		c, ok := w.Due(3, st, tt.emptyFrom)
		if ok != tt.due || (ok && c != 8) {
			t.Errorf("emptyFrom %d: Due = %d, %v; want due %v", tt.emptyFrom, c, ok, tt.due)
		}
	}
}

// Ahead names the first input a core has not been sent, once the stream
// holds it, whether or not the core waits; never an empty port's.
func TestWaitsAhead(t *testing.T) {
	var w coreserve.Waits
	ne := lockstep.NotEmpty
	if c, ok := w.Ahead(0, streamOf(3), ne); !ok || c != 0 {
		t.Fatalf("nothing sent yet: Ahead = %d, %v; want 0, true", c, ok)
	}
	w.Note(0, 4, 3) // asked for 4, sent 4, 5, 6
	if w.Asked(0) != 4 {
		t.Fatalf("Asked = %d, want 4", w.Asked(0))
	}
	if _, ok := w.Ahead(0, streamOf(7), ne); ok {
		t.Fatal("ahead although everything held was sent")
	}
	if c, ok := w.Ahead(0, streamOf(9), ne); !ok || c != 7 {
		t.Fatalf("Ahead = %d, %v; want 7, true", c, ok)
	}
	w.Sent(0, 7, 2)
	if _, ok := w.Ahead(0, streamOf(9), ne); ok {
		t.Fatal("ahead after the push")
	}
	// A stale request does not take back what was sent.
	w.Note(0, 5, 4)
	if c, ok := w.Ahead(0, streamOf(12), ne); !ok || c != 9 {
		t.Fatalf("after a stale request: Ahead = %d, %v; want 9, true", c, ok)
	}
	// A port read as empty is never pushed ahead.
	if _, ok := w.Ahead(0, streamOf(12), 9); ok {
		t.Fatal("ahead on a port that reads empty there")
	}
}

// A core is pushed every new input while its last request is within
// PushWindow of the live edge, and a push never says it is behind unless
// it must run unthrottled.
func TestLiveAndPushLag(t *testing.T) {
	const lag = 9
	edge := coreserve.PushWindow + lag + 1 // a stream this long is PushWindow ahead of count 0
	if !coreserve.Live(uint32(edge), 0, lag) || coreserve.Live(uint32(edge+1), 0, lag) {
		t.Errorf("Live at the edge of the window: %v, one past it: %v; want true, false",
			coreserve.Live(uint32(edge), 0, lag), coreserve.Live(uint32(edge+1), 0, lag))
	}
	if coreserve.PushLag(false, false, 17) != 0 || coreserve.PushLag(true, false, 17) != 255 {
		t.Errorf("PushLag = %d, %d; want 0 and 255", coreserve.PushLag(false, false, 17), coreserve.PushLag(true, false, 17))
	}
}

// A port whose player left measures a core against the game's lead, not
// against its own stream, which stopped: a core replaying the game past
// the departure must still hear it is behind.
func TestSpeedHave(t *testing.T) {
	var streams [lockstep.NumPorts]lockstep.Stream
	for k, n := range []uint32{500, 200, 900, 0} {
		for p := range n {
			streams[k].Add(p, lockstep.Input{})
		}
	}
	emptyFrom := [lockstep.NumPorts]uint32{lockstep.NotEmpty, 200, 900, lockstep.NotEmpty}
	const active = 0b0111 // port 4 is not in the game
	for _, tc := range []struct {
		k    int
		want uint32
	}{
		{0, 500}, // played: its own stream
		{1, 500}, // left at 200: the lead of the ports still played
		{2, 500}, // left at 900, ahead of the live game: the live game
	} {
		if got := coreserve.SpeedHave(&streams, active, &emptyFrom, tc.k); got != tc.want {
			t.Errorf("SpeedHave(port %d) = %d, want %d", tc.k+1, got, tc.want)
		}
	}
	if lag := coreserve.SpeedLag(coreserve.SpeedHave(&streams, active, &emptyFrom, 1), 300, 2); lag != 197 {
		t.Errorf("a core at poll 300 reads the empty port 2 with lag byte %d, want 197 behind the lead", lag)
	}
}
