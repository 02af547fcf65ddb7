package wire

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// pattern is n bytes that differ from chunk to chunk.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i) + byte(i>>8)*3
	}
	return b
}

func chunksOf(kind uint8, data []byte) []Chunk {
	var cs []Chunk
	Chunks(kind, data, func(c Chunk) { cs = append(cs, c) })
	return cs
}

var chunkSizes = []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2*ChunkSize + 5, 128 << 10}

func TestChunks(t *testing.T) {
	for _, n := range chunkSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := pattern(n, 1)
			cs := chunksOf(3, data)
			want := max(1, (n+ChunkSize-1)/ChunkSize)
			if len(cs) != want {
				t.Fatalf("%d chunks, want %d", len(cs), want)
			}
			off := 0
			for i, c := range cs {
				if c.Kind != 3 || c.Total != uint32(n) || c.Offset != uint32(off) {
					t.Fatalf("chunk %d: kind %d offset %d total %d; want 3, %d, %d", i, c.Kind, c.Offset, c.Total, off, n)
				}
				if len(c.Data) > ChunkSize || (i < len(cs)-1 && len(c.Data) != ChunkSize) {
					t.Fatalf("chunk %d carries %d bytes", i, len(c.Data))
				}
				if !bytes.Equal(c.Data, data[off:off+len(c.Data)]) {
					t.Fatalf("chunk %d carries other bytes", i)
				}
				off += len(c.Data)
			}
			if off != n {
				t.Fatalf("chunks carry %d bytes of %d", off, n)
			}
		})
	}
}

// TestChunksAssemblyRoundTrip sends items through sync-data frames, as a
// peer does, and assembles them.
func TestChunksAssemblyRoundTrip(t *testing.T) {
	for _, n := range chunkSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := pattern(n, byte(n))
			var frames [][]byte
			Chunks(uint8(SyncCheats), data, func(c Chunk) {
				frames = append(frames, AppendSyncData(nil, SyncData{Peer: 7, Chunk: c}))
			})
			var a Assembly
			var got []byte
			for i, f := range frames {
				d, err := ParseSyncData(f)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if d.Peer != 7 || d.Item() != SyncCheats {
					t.Fatalf("frame %d: peer %d item %v", i, d.Peer, d.Item())
				}
				whole, done, err := a.Add(d.Chunk)
				if err != nil {
					t.Fatalf("Add of chunk %d: %v", i, err)
				}
				clear(f) // the reader reuses its frame buffer: Add must have copied
				if last := i == len(frames)-1; done != last {
					t.Fatalf("chunk %d of %d: done = %v", i, len(frames), done)
				}
				if done {
					if whole == nil {
						t.Fatal("a done item is nil")
					}
					got = whole
				}
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("assembled %d bytes, not the %d sent", len(got), n)
			}
		})
	}
}

func TestCoreChunksRoundTrip(t *testing.T) {
	for kind := range uint8(CoreKinds) {
		for _, data := range [][]byte{nil, pattern(CoreKindSize(kind), kind)} {
			var a Assembly
			var got []byte
			CoreChunks(kind, data, func(p []byte) {
				c, err := ParseCoreData(p)
				if err != nil {
					t.Fatalf("kind %d: %v", kind, err)
				}
				whole, done, err := a.Add(c)
				if err != nil {
					t.Fatalf("kind %d: %v", kind, err)
				}
				if done {
					got = whole
				}
			})
			want := data
			if want == nil {
				want = make([]byte, CoreKindSize(kind))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("kind %d (nil %v): assembled %d bytes, want %d", kind, data == nil, len(got), len(want))
			}
		}
	}
}

// addAll adds cs and fails unless they are taken and, if want is not
// nil, the last completes the item as want.
func addAll(t *testing.T, a *Assembly, want []byte, cs ...Chunk) {
	t.Helper()
	for i, c := range cs {
		whole, done, err := a.Add(c)
		if err != nil {
			t.Fatalf("chunk at %d: %v", c.Offset, err)
		}
		if last := i == len(cs)-1; done != (last && want != nil) {
			t.Fatalf("chunk at %d: done = %v", c.Offset, done)
		}
		if done && !bytes.Equal(whole, want) {
			t.Fatalf("assembled %d bytes, not the %d sent", len(whole), len(want))
		}
	}
}

// refused checks that a refuses c.
func refused(t *testing.T, a *Assembly, c Chunk) {
	t.Helper()
	whole, done, err := a.Add(c)
	if !errors.Is(err, ErrBadValue) || done || whole != nil {
		t.Fatalf("Add(kind %d, at %d of %d, %d bytes) = %d bytes, %v, %v; want ErrBadValue",
			c.Kind, c.Offset, c.Total, len(c.Data), len(whole), done, err)
	}
}

func TestAssemblyOutOfOrder(t *testing.T) {
	data := pattern(3*ChunkSize+5, 9)
	cs := chunksOf(2, data)
	var a Assembly
	addAll(t, &a, nil, cs[0])
	refused(t, &a, cs[2])     // skips one
	refused(t, &a, cs[3])     // skips two
	addAll(t, &a, nil, cs[1]) // still expected: nothing changed
	refused(t, &a, cs[1])     // a duplicate
	refused(t, &a, Chunk{Kind: 2, Offset: cs[2].Offset - 1, Total: cs[2].Total, Data: data[cs[2].Offset-1 : cs[2].Offset]})
	addAll(t, &a, data, cs[2], cs[3])
	refused(t, &a, cs[3]) // the item is done: only a new first chunk starts one
}

func TestAssemblyTotalDisagrees(t *testing.T) {
	data := pattern(2*ChunkSize+5, 4)
	cs := chunksOf(1, data)
	var a Assembly
	addAll(t, &a, nil, cs[0])
	for _, total := range []uint32{cs[1].Total + 1, cs[1].Total - 1, 0, ^uint32(0)} {
		c := cs[1]
		c.Total = total
		refused(t, &a, c)
	}
	addAll(t, &a, data, cs[1], cs[2])
}

// TestAssemblyRestart: a first chunk starts the item afresh; the bytes of
// the item it replaces are dropped.
func TestAssemblyRestart(t *testing.T) {
	old := chunksOf(5, pattern(3*ChunkSize, 1))
	data := pattern(ChunkSize+10, 2)
	var a Assembly
	addAll(t, &a, nil, old[0], old[1])
	addAll(t, &a, data, chunksOf(5, data)...)
	refused(t, &a, old[2])
}

func TestAssemblyKindsAreSeparate(t *testing.T) {
	x, y := pattern(2*ChunkSize+1, 1), pattern(ChunkSize+2, 2)
	cx, cy := chunksOf(0, x), chunksOf(maxChunkKinds-1, y)
	var a Assembly
	addAll(t, &a, nil, cx[0])
	addAll(t, &a, nil, cy[0])
	refused(t, &a, Chunk{Kind: 1, Offset: cx[1].Offset, Total: cx[1].Total, Data: cx[1].Data})
	addAll(t, &a, nil, cx[1])
	addAll(t, &a, y, cy[1])
	addAll(t, &a, x, cx[2])
}

func TestAssemblyRefuses(t *testing.T) {
	tests := []struct {
		name string
		c    Chunk
	}{
		{"kind 16", Chunk{Kind: maxChunkKinds, Total: 1, Data: []byte{1}}},
		{"kind 255", Chunk{Kind: 255}},
		{"no first chunk", Chunk{Kind: 1, Offset: ChunkSize, Total: 2 * ChunkSize, Data: make([]byte, ChunkSize)}},
		{"offset 1 of nothing", Chunk{Kind: 1, Offset: 1, Total: 2, Data: []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Assembly
			refused(t, &a, tt.c)
			// Nothing changed: a whole item still assembles.
			addAll(t, &a, []byte{7}, Chunk{Kind: 1, Total: 1, Data: []byte{7}})
		})
	}
}

func TestAssemblyEmptyItem(t *testing.T) {
	var a Assembly
	whole, done, err := a.Add(Chunk{Kind: 3})
	if err != nil || !done || whole == nil || len(whole) != 0 {
		t.Fatalf("Add(empty) = %v, %v, %v; want an empty, non-nil, done item", whole, done, err)
	}
	// Empty chunks within an item change nothing.
	data := pattern(ChunkSize+1, 3)
	cs := chunksOf(3, data)
	addAll(t, &a, nil, cs[0])
	addAll(t, &a, nil, Chunk{Kind: 3, Offset: cs[1].Offset, Total: cs[1].Total})
	addAll(t, &a, data, cs[1])
}

// TestAssemblyItemIsTheCallers: an item Add returned is the caller's; the
// items that follow do not write into it.
func TestAssemblyItemIsTheCallers(t *testing.T) {
	x, y := pattern(ChunkSize+3, 1), pattern(ChunkSize+3, 2)
	var a Assembly
	var got []byte
	for _, c := range chunksOf(4, x) {
		got, _, _ = a.Add(c)
	}
	kept := bytes.Clone(got)
	addAll(t, &a, y, chunksOf(4, y)...)
	if !bytes.Equal(got, kept) {
		t.Fatal("the next item of the kind overwrote the one returned before")
	}
}

// TestAssemblyOverlongChunk: a chunk with more bytes than its item has
// left is not a piece of that item. The parsers refuse one (readChunk);
// Assembly.Add, which says it takes a chunk, must too, or it returns an
// item longer than its Total.
func TestAssemblyOverlongChunk(t *testing.T) {
	tests := []struct {
		name  string
		first []Chunk
		c     Chunk
	}{
		{"one chunk", nil, Chunk{Kind: 0, Total: 24, Data: make([]byte, 25)}},
		{"empty item", nil, Chunk{Kind: 0, Total: 0, Data: []byte{1}}},
		{"last chunk", []Chunk{{Kind: 2, Total: ChunkSize + 1, Data: make([]byte, ChunkSize)}},
			Chunk{Kind: 2, Offset: ChunkSize, Total: ChunkSize + 1, Data: make([]byte, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Assembly
			for _, c := range tt.first {
				if _, _, err := a.Add(c); err != nil {
					t.Fatal(err)
				}
			}
			whole, done, err := a.Add(tt.c)
			if err == nil {
				t.Errorf("Add took %d bytes at %d of an item of %d: done %v with %d bytes",
					len(tt.c.Data), tt.c.Offset, tt.c.Total, done, len(whole))
			}
		})
	}
}

func TestParseSyncDataKinds(t *testing.T) {
	frame := func(kind uint8, total uint32, n int) []byte {
		return AppendSyncData(nil, SyncData{Peer: 1, Chunk: Chunk{Kind: kind, Total: total, Data: make([]byte, n)}})
	}
	tests := []struct {
		name string
		p    []byte
		ok   bool
		err  error // when !ok
	}{
		{"EEPROM", frame(uint8(saves.EEPROM), 2048, 2048), true, nil},
		{"largest save", frame(uint8(saves.Mempak4), MaxSyncSave, ChunkSize), true, nil},
		{"save over its max", frame(uint8(saves.SRAM), MaxSyncSave+1, 1), false, ErrBadValue},
		{"cheats, empty", frame(uint8(SyncCheats), 0, 0), true, nil},
		{"largest cheats", frame(uint8(SyncCheats), MaxSyncCheats, ChunkSize), true, nil},
		{"cheats over max", frame(uint8(SyncCheats), MaxSyncCheats+1, 0), false, ErrBadValue},
		{"kind above cheats, total 0", frame(uint8(SyncCheats)+1, 0, 0), false, ErrBadValue},
		{"kind 15, total 0", frame(maxChunkKinds-1, 0, 0), false, ErrBadValue},
		{"kind 16, total 0", frame(maxChunkKinds, 0, 0), false, ErrBadValue},
		{"kind 255, total 0", frame(255, 0, 0), false, ErrBadValue},
		{"chunk over ChunkSize", frame(uint8(SyncCheats), 2*ChunkSize, ChunkSize+1), false, ErrBadValue},
		{"data beyond total", frame(uint8(saves.EEPROM), 4, 5), false, ErrBadValue},
		{"offset beyond total", AppendSyncData(nil, SyncData{Chunk: Chunk{Kind: 0, Offset: 5, Total: 4}}), false, ErrBadValue},
		{"offset wraps", AppendSyncData(nil, SyncData{Chunk: Chunk{Kind: 0, Offset: ^uint32(0), Total: 4, Data: []byte{1}}}), false, ErrBadValue},
		{"short", frame(0, 0, 0)[:10], false, ErrShort},
		{"empty", nil, false, ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseSyncData(tt.p)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseSyncData = %+v, %v; want ok %v", d, err, tt.ok)
			}
			if err != nil && !errors.Is(err, tt.err) {
				t.Errorf("error %v does not wrap %v", err, tt.err)
			}
		})
	}
}

func TestParseCoreDataKinds(t *testing.T) {
	for kind := range uint8(maxChunkKinds + 1) {
		for _, total := range []uint32{0, 24, 2048, uint32(m64p.MaxSaveSize)} {
			c := Chunk{Kind: kind, Total: total}
			_, err := ParseCoreData(AppendCoreData(nil, c))
			ok := kind < CoreKinds && int(total) == CoreKindSize(kind)
			if ok != (err == nil) {
				t.Errorf("kind %d total %d: %v, want ok %v", kind, total, err, ok)
			}
		}
	}
}
