package wire

import (
	"fmt"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// Player 1's emulator settings and saves travel between the host and
// bridges as core-data frames. Kind 0 is the settings, kind 1+f save f.

const (
	CoreKindSettings = 0
	CoreKinds        = 5
	CoreChunk        = 8192 // bytes of data per core-data frame
)

// CoreKindSize is the exact size of each kind's data.
func CoreKindSize(kind uint8) int {
	if kind == CoreKindSettings {
		return 24
	}
	return m64p.SaveFile(kind - 1).Size()
}

// CoreData is one chunk.
type CoreData struct {
	Kind   uint8
	Offset uint32
	Total  uint32
	Data   []byte // a view into the frame
}

func AppendCoreData(b []byte, d CoreData) []byte {
	b = append(b, d.Kind)
	b = AppendU32(b, d.Offset)
	b = AppendU32(b, d.Total)
	return append(b, d.Data...)
}

func ParseCoreData(p []byte) (CoreData, error) {
	r := Reader{B: p}
	d := CoreData{Kind: r.U8(), Offset: r.U32(), Total: r.U32()}
	if r.Err != nil {
		return CoreData{}, fmt.Errorf("parse core-data: %w", r.Err)
	}
	d.Data = r.B
	if d.Kind >= CoreKinds || int(d.Total) != CoreKindSize(d.Kind) ||
		uint64(d.Offset)+uint64(len(d.Data)) > uint64(d.Total) || len(d.Data) > CoreChunk {
		return CoreData{}, fmt.Errorf("parse core-data: %w", ErrBadValue)
	}
	return d, nil
}

// CoreChunks calls send for each chunk of kind's data.
func CoreChunks(kind uint8, data []byte, send func(payload []byte)) {
	total := CoreKindSize(kind)
	if data == nil {
		data = make([]byte, total)
	}
	for off := 0; off < total; off += CoreChunk {
		end := min(off+CoreChunk, total)
		send(AppendCoreData(nil, CoreData{Kind: kind, Offset: uint32(off), Total: uint32(total), Data: data[off:end]}))
	}
}

// CoreAssembly collects one kind's chunks in order.
type CoreAssembly struct {
	buf [CoreKinds][]byte
}

// Add takes a chunk and returns the whole data once the last chunk came.
func (a *CoreAssembly) Add(d CoreData) ([]byte, error) {
	if int(d.Offset) != len(a.buf[d.Kind]) {
		return nil, fmt.Errorf("core-data chunk at %d, expected %d: %w", d.Offset, len(a.buf[d.Kind]), ErrBadValue)
	}
	a.buf[d.Kind] = append(a.buf[d.Kind], d.Data...)
	if len(a.buf[d.Kind]) < int(d.Total) {
		return nil, nil
	}
	whole := a.buf[d.Kind]
	a.buf[d.Kind] = nil
	return whole, nil
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
	SyncChunk     = 8192
	MaxSyncSave   = 128 << 10 // the largest save component
	MaxSyncCheats = 1 << 20   // above any cheat set the cheats package encodes
)

func (k SyncKind) MaxSize() int {
	if k == SyncCheats {
		return MaxSyncCheats
	}
	return MaxSyncSave
}

// SyncData is one chunk: Peer is the target (client to host) or the sender
// (host to client).
type SyncData struct {
	Peer   uint16
	Kind   SyncKind
	Offset uint32
	Total  uint32
	Data   []byte
}

func AppendSyncData(b []byte, d SyncData) []byte {
	b = AppendU16(b, d.Peer)
	b = append(b, byte(d.Kind))
	b = AppendU32(b, d.Offset)
	b = AppendU32(b, d.Total)
	return append(b, d.Data...)
}

func ParseSyncData(p []byte) (SyncData, error) {
	r := Reader{B: p}
	d := SyncData{Peer: r.U16(), Kind: SyncKind(r.U8()), Offset: r.U32(), Total: r.U32()}
	if r.Err != nil {
		return SyncData{}, fmt.Errorf("parse sync-data: %w", r.Err)
	}
	d.Data = r.B
	if d.Kind > SyncCheats || int64(d.Total) > int64(d.Kind.MaxSize()) || len(d.Data) > SyncChunk ||
		uint64(d.Offset)+uint64(len(d.Data)) > uint64(d.Total) {
		return SyncData{}, fmt.Errorf("parse sync-data: %w", ErrBadValue)
	}
	return d, nil
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
