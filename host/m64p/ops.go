package m64p

import (
	"errors"
	"fmt"
)

// tcpOp is the first byte of every client-to-server TCP message.
type tcpOp byte

const (
	opSendSave         tcpOp = 1 // [1][ext NUL][u32 size][size bytes]
	opReceiveSave      tcpOp = 2 // [2][ext NUL]; reply: size raw bytes
	opSendSettings     tcpOp = 3 // [3][24 settings bytes]
	opReceiveSettings  tcpOp = 4 // [4]; reply: 24 settings bytes
	opRegisterPlayer   tcpOp = 5 // [5][player][plugin][rawdata][u32 regid]; reply: [accepted][buffer_target]
	opGetRegistration  tcpOp = 6 // [6]; reply: 4 x [u32 regid][plugin][rawdata]
	opDisconnectNotice tcpOp = 7 // [7][u32 regid]
	// gopher64 (up to 1.1.22) and simple64 add:
	opReceiveSizedSave tcpOp = 8   // [8][name NUL]; reply: [u32 size][size bytes]
	opSendCustom       tcpOp = 64  // 64+k: [64+k][u32 size][size bytes], slot k = 0..63
	opReceiveCustom    tcpOp = 128 // 128+k: [128+k]; reply: slot k's bytes, raw
	opCustomEnd        tcpOp = 192 // the first byte after the receive slots
)

func (op tcpOp) String() string {
	switch op {
	case opSendSave:
		return "SEND_SAVE"
	case opReceiveSave:
		return "RECEIVE_SAVE"
	case opSendSettings:
		return "SEND_SETTINGS"
	case opReceiveSettings:
		return "RECEIVE_SETTINGS"
	case opRegisterPlayer:
		return "REGISTER_PLAYER"
	case opGetRegistration:
		return "GET_REGISTRATION"
	case opDisconnectNotice:
		return "DISCONNECT_NOTICE"
	case opReceiveSizedSave:
		return "RECEIVE_SAVE_WITH_SIZE"
	}
	switch {
	case op >= opSendCustom && op < opReceiveCustom:
		return fmt.Sprintf("SEND_CUSTOM(%d)", byte(op-opSendCustom))
	case op >= opReceiveCustom && op < opCustomEnd:
		return fmt.Sprintf("RECEIVE_CUSTOM(%d)", byte(op-opReceiveCustom))
	}
	return fmt.Sprintf("tcpOp(%d)", byte(op))
}

// udpKind is the first byte of every datagram.
type udpKind byte

const (
	kindKeyInfoClient       udpKind = 0 // C->S [0][player][u32 count][u32 keys][plugin], 11 B
	kindKeyInfoServer       udpKind = 1 // S->C [1][player][status][lag][n] + n x [u32 count][u32 keys][plugin]
	kindInputRequest        udpKind = 2 // C->S [2][player][u32 regid][u32 count][spectator][buffer size], 12 B
	kindKeyInfoServerGratis udpKind = 3 // S->C same layout as kindKeyInfoServer; lag byte ignored by clients
	kindSyncData            udpKind = 4 // C->S [4][u32 VI][32 x u32 CP0], 133 B
)

func (k udpKind) String() string {
	switch k {
	case kindKeyInfoClient:
		return "KEY_INFO_CLIENT"
	case kindKeyInfoServer:
		return "KEY_INFO_SERVER"
	case kindInputRequest:
		return "PLAYER_INPUT_REQUEST"
	case kindKeyInfoServerGratis:
		return "KEY_INFO_SERVER_GRATUITOUS"
	case kindSyncData:
		return "SYNC_DATA"
	}
	return fmt.Sprintf("udpKind(%d)", byte(k))
}

// Sizes fixed by the protocol.
const (
	// MaxPlayers is the number of controller ports; player numbers are 0..3.
	MaxPlayers = 4
	// SettingsSize is the length of the settings block.
	SettingsSize = 24
	// RegistrationSize is the length of the GET_REGISTRATION reply.
	RegistrationSize = 4 * 6
	// RegisterReplySize is the length of the REGISTER_PLAYER reply.
	RegisterReplySize = 2
	// KeyInfoClientSize is the length of a KEY_INFO_CLIENT datagram.
	KeyInfoClientSize = 11
	// InputRequestSize is the length of a PLAYER_INPUT_REQUEST datagram.
	InputRequestSize = 12
	// SyncDataSize is the length of a SYNC_DATA datagram.
	SyncDataSize = 1 + 4 + 4*CP0Words
	// CP0Words is the number of CP0 registers in SYNC_DATA.
	CP0Words = 32
	// MaxDatagram is the client's receive buffer: no server datagram may be
	// longer.
	MaxDatagram = 512
	// keyInfoHeader is the fixed part of KEY_INFO_SERVER.
	keyInfoHeader = 5
	// eventSize is one event in KEY_INFO_SERVER.
	eventSize = 9
	// MaxEvents is the most events one KEY_INFO_SERVER can carry within
	// MaxDatagram bytes.
	MaxEvents = (MaxDatagram - keyInfoHeader) / eventSize
	// MaxSaveSize is the largest save component (mpk and fla), and the
	// most bytes a SEND_SAVE of mpk, eep, fla or sra may carry.
	MaxSaveSize = 128 << 10
	// MaxImageSize is the most bytes a SEND_SAVE of gopher64's img or rom
	// (zip archives) may carry.
	MaxImageSize = 16 << 20
	// CustomSlots is the number of custom data slots (TCP 64+k, 128+k).
	CustomSlots = 64
	// MaxCustomSize is the most bytes one custom slot may carry.
	MaxCustomSize = 64 << 10
	// CustomRTC and CustomRNG are the slots where gopher64's player 1
	// sends its clock (i64 unix seconds) and its random seed (u64).
	CustomRTC = 0
	CustomRNG = 1
	// GopherCustomSize is the exact size of CustomRTC and CustomRNG.
	GopherCustomSize = 8
	// maxExtLen bounds the extension read from a stream, NUL excluded.
	maxExtLen = 8
)

// Errors returned by the decoders. Callers branch on them with errors.Is;
// the returned errors add context.
var (
	// ErrUnknownOp means the first byte is no known TCP opcode or UDP kind.
	ErrUnknownOp = errors.New("unknown message type")
	// ErrUnknownSave means a save extension other than mpk, eep, fla, sra
	// (and, where gopher64 may send them, img and rom).
	ErrUnknownSave = errors.New("unknown save extension")
	// ErrSaveSize means a save size larger than its component allows.
	ErrSaveSize = errors.New("wrong save size")
	// ErrCustomSize means custom data larger than MaxCustomSize, or a
	// CustomRTC or CustomRNG slot of other than GopherCustomSize bytes.
	ErrCustomSize = errors.New("wrong custom data size")
	// ErrPlayer means a player number of 4 or more.
	ErrPlayer = errors.New("player number out of range")
	// ErrLength means a message that is truncated or longer than its type allows.
	ErrLength = errors.New("wrong message length")
	// ErrMalformed means a field with a value the protocol does not allow.
	ErrMalformed = errors.New("malformed message")
)

// Plugin is the controller pak byte of REGISTER_PLAYER, KEY_INFO and
// registration slots (m64p_plugin.h). It is carried verbatim, never used as
// an index.
type Plugin uint8

// Pak values the core sends.
const (
	PluginNone        Plugin = 1
	PluginMempak      Plugin = 2
	PluginRumblePak   Plugin = 3
	PluginTransferPak Plugin = 4
	PluginRaw         Plugin = 5
	PluginBioPak      Plugin = 6
)

func (p Plugin) String() string {
	switch p {
	case PluginNone:
		return "none"
	case PluginMempak:
		return "mempak"
	case PluginRumblePak:
		return "rumblepak"
	case PluginTransferPak:
		return "transferpak"
	case PluginRaw:
		return "raw"
	case PluginBioPak:
		return "biopak"
	}
	return fmt.Sprintf("plugin(%d)", uint8(p))
}

func checkPlayer(p uint8) error {
	if p >= MaxPlayers {
		return fmt.Errorf("player %d: %w", p, ErrPlayer)
	}
	return nil
}

func checkFlag(name string, b byte) error {
	if b > 1 {
		return fmt.Errorf("%s byte %d, want 0 or 1: %w", name, b, ErrMalformed)
	}
	return nil
}

func flagByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
