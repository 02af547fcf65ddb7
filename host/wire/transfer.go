package wire

import (
	"fmt"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// Items larger than a frame travel as chunks, in order: player 1's
// emulator settings and saves (core-data frames, between the host and
// bridges) and the host's saves and cheats for /sync (sync-data frames).
// Both are the same chunk; a sync-data frame puts the peer's id before it.

// Chunk is one piece of an item of some kind: its bytes [Offset,
// Offset+len(Data)) of Total.
type Chunk struct {
	Kind   uint8
	Offset uint32
	Total  uint32
	Data   []byte // a view into the frame
}

// ChunkSize is the most data one chunk carries.
const ChunkSize = 8192

// maxChunkKinds bounds the kinds one Assembly collects at once.
const maxChunkKinds = 16

func appendChunk(b []byte, c Chunk) []byte {
	b = append(b, c.Kind)
	b = AppendU32(b, c.Offset)
	b = AppendU32(b, c.Total)
	return append(b, c.Data...)
}

// readChunk reads the rest of r as a chunk no larger than max(kind) in
// total.
func readChunk(r *Reader, max func(kind uint8) int, what string) (Chunk, error) {
	c := Chunk{Kind: r.U8(), Offset: r.U32(), Total: r.U32()}
	if r.Err != nil {
		return Chunk{}, fmt.Errorf("parse %s: %w", what, r.Err)
	}
	c.Data = r.B
	if c.Kind >= maxChunkKinds || int64(c.Total) > int64(max(c.Kind)) || len(c.Data) > ChunkSize ||
		uint64(c.Offset)+uint64(len(c.Data)) > uint64(c.Total) {
		return Chunk{}, fmt.Errorf("parse %s: %w", what, ErrBadValue)
	}
	return c, nil
}

// Chunks calls send for each chunk of an item of kind; an empty item is
// one empty chunk.
func Chunks(kind uint8, data []byte, send func(Chunk)) {
	total := uint32(len(data))
	for off := 0; ; off += ChunkSize {
		end := min(off+ChunkSize, len(data))
		send(Chunk{Kind: kind, Offset: uint32(off), Total: total, Data: data[off:end]})
		if end == len(data) {
			return
		}
	}
}

// Assembly collects chunks, in order, into whole items: one item at a time
// per kind.
type Assembly struct {
	buf   [maxChunkKinds][]byte
	total [maxChunkKinds]uint32
}

// Add takes a chunk. When it completes its item, Add returns the item
// (never nil, even when empty) and done. A chunk out of order, or whose
// total disagrees with its item's first chunk, is an error.
func (a *Assembly) Add(c Chunk) (whole []byte, done bool, err error) {
	k := c.Kind
	if k >= maxChunkKinds {
		return nil, false, fmt.Errorf("chunk of kind %d: %w", k, ErrBadValue)
	}
	if c.Offset == 0 {
		a.buf[k], a.total[k] = a.buf[k][:0], c.Total
	}
	if int(c.Offset) != len(a.buf[k]) || c.Total != a.total[k] {
		return nil, false, fmt.Errorf("chunk at %d of %d, expected %d of %d: %w", c.Offset, c.Total, len(a.buf[k]), a.total[k], ErrBadValue)
	}
	a.buf[k] = append(a.buf[k], c.Data...)
	if len(a.buf[k]) < int(c.Total) {
		return nil, false, nil
	}
	whole, a.buf[k] = a.buf[k], nil
	if whole == nil {
		whole = []byte{}
	}
	return whole, true, nil
}

// Player 1's data: kind 0 is the settings, kind 1+f save f, each of an
// exact size.
const (
	CoreKindSettings = 0
	CoreKinds        = 5
)

// CoreKindSize is the exact size of each kind's data.
func CoreKindSize(kind uint8) int {
	switch {
	case kind == CoreKindSettings:
		return 24
	case kind < CoreKinds:
		return m64p.SaveFile(kind - 1).Size()
	}
	return 0
}

// AppendCoreData appends a core-data frame's payload.
func AppendCoreData(b []byte, c Chunk) []byte { return appendChunk(b, c) }

// ParseCoreData decodes a core-data frame: a chunk of one of player 1's
// items, whose total must be that item's exact size.
func ParseCoreData(p []byte) (Chunk, error) {
	r := Reader{B: p}
	c, err := readChunk(&r, CoreKindSize, "core-data")
	if err == nil && (c.Kind >= CoreKinds || int(c.Total) != CoreKindSize(c.Kind)) {
		return Chunk{}, fmt.Errorf("parse core-data: %w", ErrBadValue)
	}
	return c, err
}

// CoreChunks calls send for each core-data payload of kind's data; nil
// data is all zeros.
func CoreChunks(kind uint8, data []byte, send func(payload []byte)) {
	if data == nil {
		data = make([]byte, CoreKindSize(kind))
	}
	Chunks(kind, data, func(c Chunk) { send(AppendCoreData(nil, c)) })
}

// SyncKind names what a sync transfer carries: a save component (its
// saves.Kind) or the cheat set.
type SyncKind uint8

// SyncCheats is the cheat set in its wire form (cheats.CodeSet binary).
const SyncCheats = SyncKind(saves.NumKinds)

// SyncSave names a save component.
func SyncSave(k saves.Kind) SyncKind { return SyncKind(k) }

func (k SyncKind) String() string {
	if k == SyncCheats {
		return "cheats"
	}
	return saves.Kind(k).Label()
}

const (
	MaxSyncSave   = 128 << 10 // the largest save component
	MaxSyncCheats = 1 << 20   // above any cheat set the cheats package encodes
)

// MaxSize is the largest item of kind k; 0 for no kind.
func (k SyncKind) MaxSize() int {
	switch {
	case k == SyncCheats:
		return MaxSyncCheats
	case k < SyncCheats:
		return MaxSyncSave
	}
	return 0
}

// SyncData is one chunk of a /sync item; Chunk.Kind is its SyncKind.
// Peer is the target (client to host) or the sender (host to client).
type SyncData struct {
	Peer uint16
	Chunk
}

// Item is what the chunk is a piece of.
func (d SyncData) Item() SyncKind { return SyncKind(d.Kind) }

// AppendSyncData appends a sync-data frame's payload.
func AppendSyncData(b []byte, d SyncData) []byte {
	return appendChunk(AppendU16(b, d.Peer), d.Chunk)
}

// ParseSyncData decodes a sync-data frame.
func ParseSyncData(p []byte) (SyncData, error) {
	r := Reader{B: p}
	peer := r.U16()
	c, err := readChunk(&r, func(k uint8) int { return SyncKind(k).MaxSize() }, "sync-data")
	if err != nil {
		return SyncData{}, err
	}
	if SyncKind(c.Kind) > SyncCheats {
		return SyncData{}, fmt.Errorf("parse sync-data: %w", ErrBadValue)
	}
	return SyncData{Peer: peer, Chunk: c}, nil
}

// AppendMemberManifest appends a member-manifest frame: the member's id,
// a flag byte (1 = only its saves are known) and its encoded manifest.
func AppendMemberManifest(b []byte, id uint16, savesOnly bool, mf []byte) []byte {
	b = AppendU16(b, id)
	b = append(b, BoolByte(savesOnly))
	return append(b, mf...)
}

// ParseMemberManifest decodes a member-manifest frame.
func ParseMemberManifest(p []byte) (id uint16, savesOnly bool, mf saves.Manifest, err error) {
	r := Reader{B: p}
	id = r.U16()
	flag := r.U8()
	if r.Err != nil || flag > 1 || len(r.B) > MaxManifestLen {
		return 0, false, saves.Manifest{}, fmt.Errorf("parse member-manifest: %w", ErrBadValue)
	}
	mf, err = saves.ParseManifest(r.B)
	if err != nil {
		return 0, false, saves.Manifest{}, err
	}
	return id, flag == 1, mf, nil
}
