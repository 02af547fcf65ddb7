package m64p

import (
	"encoding/binary"
	"fmt"
)

var be = binary.BigEndian

// TCPMessage is one client-to-server TCP message: one of [SendSave],
// [ReceiveSave], [SendSettings], [ReceiveSettings], [RegisterPlayer],
// [GetRegistration] or [DisconnectNotice], or one of gopher64's
// [ReceiveSizedSave], [SendCustom] and [ReceiveCustom]. The set is closed.
type TCPMessage interface {
	// AppendTo appends the message's wire form to b. It fails, leaving b
	// as it was, if a field is out of range.
	AppendTo(b []byte) ([]byte, error)
	op() tcpOp
}

// SendSave is TCP 1: player 1 uploads one save component.
type SendSave struct {
	File SaveFile
	// Data has exactly File.Size() bytes from mupen64plus-core (see
	// [SendSave.Fixed]); gopher64 sends the file's real size, 0 for no
	// file, up to File.MaxSize().
	Data []byte
}

// Fixed reports whether m is mupen64plus-core's form: one of its four
// components at its fixed size.
func (m SendSave) Fixed() bool { return m.File.valid() == nil && len(m.Data) == m.File.Size() }

// ReceiveSizedSave is TCP 8 (RECEIVE_SAVE_WITH_SIZE), which gopher64's
// players 2-4 send: the server replies with [AppendSizedSave] of what
// player 1 sent of File, any of the six components.
type ReceiveSizedSave struct {
	File SaveFile
}

// SendCustom is TCP 64+Slot: player 1 uploads custom data. gopher64
// sends its clock in [CustomRTC] and its random seed in [CustomRNG].
type SendCustom struct {
	Slot uint8 // below CustomSlots
	// Data has at most MaxCustomSize bytes, exactly GopherCustomSize in
	// CustomRTC and CustomRNG.
	Data []byte
}

// ReceiveCustom is TCP 128+Slot: players 2-4 ask for a custom slot. The
// server replies with the slot's bytes, raw: the client knows their size.
type ReceiveCustom struct {
	Slot uint8 // below CustomSlots
}

// ReceiveSave is TCP 2: players 2-4 ask for one save component. The
// server replies with exactly File.Size() raw bytes.
type ReceiveSave struct {
	File SaveFile
}

// SendSettings is TCP 3: player 1 uploads the settings block.
type SendSettings struct {
	Settings Settings
}

// ReceiveSettings is TCP 4: players 2-4 ask for the settings block. The
// server replies with the 24 bytes of [Settings.AppendTo].
type ReceiveSettings struct{}

// RegisterPlayer is TCP 5: a client claims a player slot. The server
// replies with [RegisterReply].
type RegisterPlayer struct {
	Player  uint8 // 0..3
	Plugin  Plugin
	RawData bool   // the input plugin wants raw joybus processing
	RegID   uint32 // never 0; the same for every slot of one client
}

// GetRegistration is TCP 6: every client asks who plays where, once, and
// blocks until the server answers with [Registration].
type GetRegistration struct{}

// DisconnectNotice is TCP 7: the client is leaving.
type DisconnectNotice struct {
	RegID uint32
}

func (SendSave) op() tcpOp         { return opSendSave }
func (ReceiveSave) op() tcpOp      { return opReceiveSave }
func (SendSettings) op() tcpOp     { return opSendSettings }
func (ReceiveSettings) op() tcpOp  { return opReceiveSettings }
func (RegisterPlayer) op() tcpOp   { return opRegisterPlayer }
func (GetRegistration) op() tcpOp  { return opGetRegistration }
func (DisconnectNotice) op() tcpOp { return opDisconnectNotice }
func (ReceiveSizedSave) op() tcpOp { return opReceiveSizedSave }
func (m SendCustom) op() tcpOp     { return opSendCustom + tcpOp(m.Slot) }
func (m ReceiveCustom) op() tcpOp  { return opReceiveCustom + tcpOp(m.Slot) }

// AppendTo implements [TCPMessage].
func (m SendSave) AppendTo(b []byte) ([]byte, error) {
	if err := m.File.validSized(); err != nil {
		return b, err
	}
	if err := checkSaveSize(m.File, uint32(min(len(m.Data), MaxImageSize+1))); err != nil {
		return b, err
	}
	b = appendExt(append(b, byte(opSendSave)), m.File)
	b = be.AppendUint32(b, uint32(len(m.Data)))
	return append(b, m.Data...), nil
}

// AppendTo implements [TCPMessage].
func (m ReceiveSave) AppendTo(b []byte) ([]byte, error) {
	if err := m.File.valid(); err != nil {
		return b, err
	}
	return appendExt(append(b, byte(opReceiveSave)), m.File), nil
}

// AppendTo implements [TCPMessage].
func (m ReceiveSizedSave) AppendTo(b []byte) ([]byte, error) {
	if err := m.File.validSized(); err != nil {
		return b, err
	}
	return appendExt(append(b, byte(opReceiveSizedSave)), m.File), nil
}

// AppendTo implements [TCPMessage].
func (m SendCustom) AppendTo(b []byte) ([]byte, error) {
	if err := checkSlot(m.Slot); err != nil {
		return b, err
	}
	if err := checkCustomSize(m.Slot, uint32(min(len(m.Data), MaxCustomSize+1))); err != nil {
		return b, err
	}
	b = be.AppendUint32(append(b, byte(m.op())), uint32(len(m.Data)))
	return append(b, m.Data...), nil
}

// AppendTo implements [TCPMessage].
func (m ReceiveCustom) AppendTo(b []byte) ([]byte, error) {
	if err := checkSlot(m.Slot); err != nil {
		return b, err
	}
	return append(b, byte(m.op())), nil
}

// AppendSizedSave appends the reply to [ReceiveSizedSave]: the size of
// data, then data.
func AppendSizedSave(b, data []byte) []byte {
	return append(be.AppendUint32(b, uint32(len(data))), data...)
}

// checkSaveSize reports an error if n bytes are more than f may carry.
func checkSaveSize(f SaveFile, n uint32) error {
	if n > uint32(f.MaxSize()) {
		return fmt.Errorf("save %s: size %d, at most %d: %w", f, n, f.MaxSize(), ErrSaveSize)
	}
	return nil
}

func checkSlot(k uint8) error {
	if k >= CustomSlots {
		return fmt.Errorf("custom slot %d, want below %d: %w", k, CustomSlots, ErrMalformed)
	}
	return nil
}

// checkCustomSize reports an error if n bytes may not fill slot k.
func checkCustomSize(k uint8, n uint32) error {
	switch {
	case (k == CustomRTC || k == CustomRNG) && n != GopherCustomSize:
		return fmt.Errorf("custom slot %d: size %d, want %d: %w", k, n, GopherCustomSize, ErrCustomSize)
	case n > MaxCustomSize:
		return fmt.Errorf("custom slot %d: size %d, at most %d: %w", k, n, MaxCustomSize, ErrCustomSize)
	}
	return nil
}

// AppendTo implements [TCPMessage].
func (m SendSettings) AppendTo(b []byte) ([]byte, error) {
	return m.Settings.AppendTo(append(b, byte(opSendSettings))), nil
}

// AppendTo implements [TCPMessage].
func (ReceiveSettings) AppendTo(b []byte) ([]byte, error) {
	return append(b, byte(opReceiveSettings)), nil
}

// AppendTo implements [TCPMessage].
func (m RegisterPlayer) AppendTo(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	b = append(b, byte(opRegisterPlayer), m.Player, byte(m.Plugin), flagByte(m.RawData))
	return be.AppendUint32(b, m.RegID), nil
}

// AppendTo implements [TCPMessage].
func (GetRegistration) AppendTo(b []byte) ([]byte, error) {
	return append(b, byte(opGetRegistration)), nil
}

// AppendTo implements [TCPMessage].
func (m DisconnectNotice) AppendTo(b []byte) ([]byte, error) {
	return be.AppendUint32(append(b, byte(opDisconnectNotice)), m.RegID), nil
}

func (m RegisterPlayer) check() error {
	if err := checkPlayer(m.Player); err != nil {
		return err
	}
	if m.RegID == 0 {
		return fmt.Errorf("register player %d with regid 0: %w", m.Player, ErrMalformed)
	}
	return nil
}

func appendExt(b []byte, f SaveFile) []byte {
	return append(append(b, f.Ext()...), 0)
}

// Settings is the 24-byte block player 1 uploads and every other player
// adopts (research/m64p-netplay.md §1.4). The zero value is valid.
type Settings struct {
	CountPerOp         uint32 // cycles per instruction; 0 = ROM database
	CountPerOpDenomPot uint32 // overclock: divide by 2^n
	DisableExtraMem    uint32 // 1 = 4 MB, 0 = 8 MB
	SiDmaDuration      int32  // -1 = ROM database
	EmuMode            uint32 // 0 pure interpreter, 1 cached, 2 dynarec
	NoCompiledJump     uint32 // bool
}

// AppendTo appends the 24 settings bytes to b.
func (s Settings) AppendTo(b []byte) []byte {
	b = be.AppendUint32(b, s.CountPerOp)
	b = be.AppendUint32(b, s.CountPerOpDenomPot)
	b = be.AppendUint32(b, s.DisableExtraMem)
	b = be.AppendUint32(b, uint32(s.SiDmaDuration))
	b = be.AppendUint32(b, s.EmuMode)
	return be.AppendUint32(b, s.NoCompiledJump)
}

// ParseSettings decodes exactly [SettingsSize] bytes.
func ParseSettings(b []byte) (Settings, error) {
	if len(b) != SettingsSize {
		return Settings{}, fmt.Errorf("settings: %d bytes, want %d: %w", len(b), SettingsSize, ErrLength)
	}
	return Settings{
		CountPerOp:         be.Uint32(b[0:]),
		CountPerOpDenomPot: be.Uint32(b[4:]),
		DisableExtraMem:    be.Uint32(b[8:]),
		SiDmaDuration:      int32(be.Uint32(b[12:])),
		EmuMode:            be.Uint32(b[16:]),
		NoCompiledJump:     be.Uint32(b[20:]),
	}, nil
}

// RegisterReply is the server's 2-byte answer to [RegisterPlayer].
type RegisterReply struct {
	Accepted bool
	// BufferTarget is the client's fast-forward threshold: it runs with
	// its speed limiter off while behind and holding more events than this.
	BufferTarget uint8
}

// AppendTo appends the 2 reply bytes to b.
func (r RegisterReply) AppendTo(b []byte) []byte {
	return append(b, flagByte(r.Accepted), r.BufferTarget)
}

// ParseRegisterReply decodes exactly [RegisterReplySize] bytes.
func ParseRegisterReply(b []byte) (RegisterReply, error) {
	if len(b) != RegisterReplySize {
		return RegisterReply{}, fmt.Errorf("register reply: %d bytes, want %d: %w", len(b), RegisterReplySize, ErrLength)
	}
	if err := checkFlag("register reply accepted", b[0]); err != nil {
		return RegisterReply{}, err
	}
	return RegisterReply{Accepted: b[0] == 1, BufferTarget: b[1]}, nil
}

// Slot is one player's entry in [Registration].
type Slot struct {
	RegID   uint32 // 0 = nobody plays this controller
	Plugin  Plugin
	RawData bool
}

// Present reports whether somebody plays this slot.
func (s Slot) Present() bool { return s.RegID != 0 }

// Registration is the server's 24-byte answer to [GetRegistration],
// indexed by player.
type Registration [MaxPlayers]Slot

// AppendTo appends the 24 reply bytes to b.
func (r Registration) AppendTo(b []byte) []byte {
	for _, s := range r {
		b = be.AppendUint32(b, s.RegID)
		b = append(b, byte(s.Plugin), flagByte(s.RawData))
	}
	return b
}

// ParseRegistration decodes exactly [RegistrationSize] bytes.
func ParseRegistration(b []byte) (Registration, error) {
	var r Registration
	if len(b) != RegistrationSize {
		return r, fmt.Errorf("registration: %d bytes, want %d: %w", len(b), RegistrationSize, ErrLength)
	}
	for i := range r {
		s := b[6*i:]
		if err := checkFlag("registration rawdata", s[5]); err != nil {
			return Registration{}, fmt.Errorf("player %d: %w", i, err)
		}
		r[i] = Slot{RegID: be.Uint32(s), Plugin: Plugin(s[4]), RawData: s[5] == 1}
	}
	return r, nil
}
