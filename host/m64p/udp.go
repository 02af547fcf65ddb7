package m64p

import "fmt"

// KeyInfoClient is UDP 0: a client reports its latest keys for a local
// player, tagged with the event count it is about to consume.
type KeyInfoClient struct {
	Player uint8 // 0..3
	Count  uint32
	Keys   uint32 // opaque
	Plugin Plugin
}

// InputRequest is UDP 2 (PLAYER_INPUT_REQUEST): a client asks for the
// events of Player from Count onward.
type InputRequest struct {
	Player     uint8  // whose input is wanted, 0..3
	RegID      uint32 // the requester; 0 for a spectator
	Count      uint32 // next event the requester needs
	Spectator  bool
	BufferSize uint8 // future events the requester already holds for Player
}

// Event is one numbered input of one player.
type Event struct {
	Count  uint32
	Keys   uint32
	Plugin Plugin
}

// KeyInfoServer is UDP 1, or UDP 3 when Gratuitous: the server's events
// for one player.
type KeyInfoServer struct {
	// Gratuitous selects type 3, sent unasked. Debian's 2.5.9 core drops
	// type 3 as unknown.
	Gratuitous bool
	Player     uint8 // 0..3
	Status     Status
	Lag        uint8   // polls the requester is behind the lead; ignored in type 3
	Events     []Event // at most MaxEvents
}

// Status is the status byte of [KeyInfoServer].
type Status uint8

// StatusDesync is bit 0: the CP0 sync data of two clients differed.
const StatusDesync Status = 1

// Desynced reports whether the desync bit is set.
func (s Status) Desynced() bool { return s&StatusDesync != 0 }

// Disconnected reports whether the bit of player p (0..3) is set.
func (s Status) Disconnected(p uint8) bool {
	return p < MaxPlayers && s&PlayerGone(p) != 0
}

// PlayerGone returns the status bit that marks player p (0..3) as
// disconnected, or 0 for p out of range.
func PlayerGone(p uint8) Status {
	if p >= MaxPlayers {
		return 0
	}
	return 1 << (p + 1)
}

// SyncData is UDP 4: a client's CP0 registers at a VI, for desync
// detection.
type SyncData struct {
	VI  uint32
	CP0 [CP0Words]uint32
}

// AppendTo appends the 11-byte datagram to b.
func (m KeyInfoClient) AppendTo(b []byte) ([]byte, error) {
	if err := checkPlayer(m.Player); err != nil {
		return b, err
	}
	b = append(b, byte(kindKeyInfoClient), m.Player)
	b = be.AppendUint32(b, m.Count)
	b = be.AppendUint32(b, m.Keys)
	return append(b, byte(m.Plugin)), nil
}

// ParseKeyInfoClient decodes an 11-byte UDP 0 datagram.
func ParseKeyInfoClient(b []byte) (KeyInfoClient, error) {
	if err := checkDatagram(b, kindKeyInfoClient, KeyInfoClientSize); err != nil {
		return KeyInfoClient{}, err
	}
	if err := checkPlayer(b[1]); err != nil {
		return KeyInfoClient{}, fmt.Errorf("%v: %w", kindKeyInfoClient, err)
	}
	return KeyInfoClient{Player: b[1], Count: be.Uint32(b[2:]), Keys: be.Uint32(b[6:]), Plugin: Plugin(b[10])}, nil
}

// AppendTo appends the 12-byte datagram to b.
func (m InputRequest) AppendTo(b []byte) ([]byte, error) {
	if err := checkPlayer(m.Player); err != nil {
		return b, err
	}
	b = append(b, byte(kindInputRequest), m.Player)
	b = be.AppendUint32(b, m.RegID)
	b = be.AppendUint32(b, m.Count)
	return append(b, flagByte(m.Spectator), m.BufferSize), nil
}

// ParseInputRequest decodes a 12-byte UDP 2 datagram.
func ParseInputRequest(b []byte) (InputRequest, error) {
	if err := checkDatagram(b, kindInputRequest, InputRequestSize); err != nil {
		return InputRequest{}, err
	}
	if err := checkPlayer(b[1]); err != nil {
		return InputRequest{}, fmt.Errorf("%v: %w", kindInputRequest, err)
	}
	if err := checkFlag("spectator", b[10]); err != nil {
		return InputRequest{}, fmt.Errorf("%v: %w", kindInputRequest, err)
	}
	return InputRequest{
		Player:     b[1],
		RegID:      be.Uint32(b[2:]),
		Count:      be.Uint32(b[6:]),
		Spectator:  b[10] == 1,
		BufferSize: b[11],
	}, nil
}

// AppendTo appends the datagram, 5+9n bytes, to b. More than [MaxEvents]
// events is an error: the client's buffer would truncate the datagram.
func (m KeyInfoServer) AppendTo(b []byte) ([]byte, error) {
	if err := checkPlayer(m.Player); err != nil {
		return b, err
	}
	if len(m.Events) > MaxEvents {
		return b, fmt.Errorf("%d events, at most %d fit: %w", len(m.Events), MaxEvents, ErrLength)
	}
	b = append(b, byte(m.kind()), m.Player, byte(m.Status), m.Lag, byte(len(m.Events)))
	for _, e := range m.Events {
		b = be.AppendUint32(b, e.Count)
		b = be.AppendUint32(b, e.Keys)
		b = append(b, byte(e.Plugin))
	}
	return b, nil
}

func (m KeyInfoServer) kind() udpKind {
	if m.Gratuitous {
		return kindKeyInfoServerGratis
	}
	return kindKeyInfoServer
}

// ParseKeyInfoServer decodes a UDP 1 or UDP 3 datagram. The events are
// copied out of b.
func ParseKeyInfoServer(b []byte) (KeyInfoServer, error) {
	if len(b) < keyInfoHeader || len(b) > MaxDatagram {
		return KeyInfoServer{}, fmt.Errorf("key info server: %d bytes: %w", len(b), ErrLength)
	}
	k := udpKind(b[0])
	if k != kindKeyInfoServer && k != kindKeyInfoServerGratis {
		return KeyInfoServer{}, fmt.Errorf("%v is no key info server: %w", k, ErrUnknownOp)
	}
	if err := checkPlayer(b[1]); err != nil {
		return KeyInfoServer{}, fmt.Errorf("%v: %w", k, err)
	}
	n := int(b[4])
	if want := keyInfoHeader + eventSize*n; len(b) != want {
		return KeyInfoServer{}, fmt.Errorf("%v with %d events: %d bytes, want %d: %w", k, n, len(b), want, ErrLength)
	}
	m := KeyInfoServer{Gratuitous: k == kindKeyInfoServerGratis, Player: b[1], Status: Status(b[2]), Lag: b[3]}
	if n > 0 {
		m.Events = make([]Event, n)
	}
	for i := range m.Events {
		e := b[keyInfoHeader+eventSize*i:]
		m.Events[i] = Event{Count: be.Uint32(e), Keys: be.Uint32(e[4:]), Plugin: Plugin(e[8])}
	}
	return m, nil
}

// AppendTo appends the 133-byte datagram to b.
func (m SyncData) AppendTo(b []byte) []byte {
	b = be.AppendUint32(append(b, byte(kindSyncData)), m.VI)
	for _, w := range m.CP0 {
		b = be.AppendUint32(b, w)
	}
	return b
}

// ParseSyncData decodes a 133-byte UDP 4 datagram.
func ParseSyncData(b []byte) (SyncData, error) {
	if err := checkDatagram(b, kindSyncData, SyncDataSize); err != nil {
		return SyncData{}, err
	}
	m := SyncData{VI: be.Uint32(b[1:])}
	for i := range m.CP0 {
		m.CP0[i] = be.Uint32(b[5+4*i:])
	}
	return m, nil
}

func checkDatagram(b []byte, k udpKind, size int) error {
	if len(b) == 0 || udpKind(b[0]) != k {
		return fmt.Errorf("datagram is no %v: %w", k, ErrUnknownOp)
	}
	if len(b) != size {
		return fmt.Errorf("%v: %d bytes, want %d: %w", k, len(b), size, ErrLength)
	}
	return nil
}

// ClientDatagram is a decoded client-to-server datagram: a
// [KeyInfoClient], [InputRequest] or [SyncData].
type ClientDatagram interface{ clientDatagram() }

func (KeyInfoClient) clientDatagram() {}
func (InputRequest) clientDatagram()  {}
func (SyncData) clientDatagram()      {}

// ParseClientDatagram decodes any client-to-server datagram, for a server
// reading its UDP socket.
func ParseClientDatagram(b []byte) (ClientDatagram, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("empty datagram: %w", ErrLength)
	}
	switch udpKind(b[0]) {
	case kindKeyInfoClient:
		return orNil(ParseKeyInfoClient(b))
	case kindInputRequest:
		return orNil(ParseInputRequest(b))
	case kindSyncData:
		return orNil(ParseSyncData(b))
	}
	return nil, fmt.Errorf("client datagram type %v: %w", udpKind(b[0]), ErrUnknownOp)
}

// orNil keeps a zero value from reaching the interface with an error.
func orNil[T ClientDatagram](m T, err error) (ClientDatagram, error) {
	if err != nil {
		return nil, err
	}
	return m, nil
}

// IsM64PTCP reports whether a TCP stream whose first byte is firstByte
// speaks this protocol: its first byte is a client-to-server opcode. A
// core's first message is always REGISTER_PLAYER (5) or, for a
// spectator, a later opcode. netpak's own streams begin with 0xE4.
func IsM64PTCP(firstByte byte) bool {
	return firstByte >= byte(opSendSave) && firstByte <= byte(opDisconnectNotice)
}

// IsM64PDatagram reports whether b has the type byte and exact length of
// a client-to-server datagram of this protocol (UDP 0, 2 or 4). netpak's
// own datagrams begin with 0xE4 and so never match.
func IsM64PDatagram(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch udpKind(b[0]) {
	case kindKeyInfoClient:
		return len(b) == KeyInfoClientSize
	case kindInputRequest:
		return len(b) == InputRequestSize
	case kindSyncData:
		return len(b) == SyncDataSize
	}
	return false
}
