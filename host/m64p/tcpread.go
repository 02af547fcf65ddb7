package m64p

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ReadTCPMessage reads one client-to-server message from r. It returns
// io.EOF, unwrapped, only when r ends before the first byte; a stream that
// ends inside a message gives an error wrapping io.ErrUnexpectedEOF. It
// rejects unknown opcodes, unknown save extensions, sizes beyond a
// component's or slot's bound and player numbers of 4 or more. After an
// error the stream is out of step and should be dropped.
//
// Memory follows the bytes that have arrived, not the sizes announced: a
// save's or custom slot's buffer grows as its data comes, to at most the
// size announced (MaxImageSize for the largest), so a client that sends a
// header and stops holds almost nothing while it waits.
func ReadTCPMessage(r *bufio.Reader) (TCPMessage, error) {
	first, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	op := tcpOp(first)
	m, err := readBody(r, op)
	if err != nil {
		return nil, fmt.Errorf("read %v: %w", op, err)
	}
	return m, nil
}

func readBody(r *bufio.Reader, op tcpOp) (TCPMessage, error) {
	switch op {
	case opSendSave:
		return readSendSave(r)
	case opReceiveSave:
		f, err := readExt(r)
		if err == nil {
			err = f.valid()
		}
		if err != nil {
			return nil, err
		}
		return ReceiveSave{File: f}, nil
	case opReceiveSizedSave:
		f, err := readExt(r)
		if err != nil {
			return nil, err
		}
		return ReceiveSizedSave{File: f}, nil
	case opSendSettings:
		var b [SettingsSize]byte
		if err := readFull(r, b[:]); err != nil {
			return nil, err
		}
		s, err := ParseSettings(b[:])
		return SendSettings{Settings: s}, err
	case opReceiveSettings:
		return ReceiveSettings{}, nil
	case opRegisterPlayer:
		return readRegisterPlayer(r)
	case opGetRegistration:
		return GetRegistration{}, nil
	case opDisconnectNotice:
		var b [4]byte
		err := readFull(r, b[:])
		return DisconnectNotice{RegID: be.Uint32(b[:])}, err
	}
	switch {
	case op >= opSendCustom && op < opReceiveCustom:
		return readSendCustom(r, uint8(op-opSendCustom))
	case op >= opReceiveCustom && op < opCustomEnd:
		return ReceiveCustom{Slot: uint8(op - opReceiveCustom)}, nil
	}
	return nil, ErrUnknownOp
}

func readSendCustom(r *bufio.Reader, k uint8) (TCPMessage, error) {
	var sz [4]byte
	if err := readFull(r, sz[:]); err != nil {
		return nil, fmt.Errorf("custom slot %d size: %w", k, err)
	}
	n := be.Uint32(sz[:])
	if err := checkCustomSize(k, n); err != nil {
		return nil, err
	}
	data, err := readArriving(r, int(n))
	if err != nil {
		return nil, fmt.Errorf("custom slot %d data: %w", k, err)
	}
	return SendCustom{Slot: k, Data: data}, nil
}

func readSendSave(r *bufio.Reader) (TCPMessage, error) {
	f, err := readExt(r)
	if err != nil {
		return nil, err
	}
	var sz [4]byte
	if err := readFull(r, sz[:]); err != nil {
		return nil, fmt.Errorf("save %s size: %w", f, err)
	}
	n := be.Uint32(sz[:])
	if err := checkSaveSize(f, n); err != nil {
		return nil, err
	}
	data, err := readArriving(r, int(n))
	if err != nil {
		return nil, fmt.Errorf("save %s data: %w", f, err)
	}
	return SendSave{File: f, Data: data}, nil
}

// minGrow is the smallest buffer readArriving allocates.
const minGrow = 512

// readArriving reads n bytes, allocating only for bytes already in r: it
// waits for data before it grows the buffer, takes what r holds, and
// doubles the buffer (from minGrow, up to n) when it is full. So the memory
// held is at most twice what has arrived, or minGrow.
func readArriving(r *bufio.Reader, n int) ([]byte, error) {
	data := []byte{} // a save of 0 bytes is an empty file, not a nil one
	for len(data) < n {
		if _, err := r.Peek(1); err != nil {
			return nil, noEOF(err)
		}
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(n, max(2*cap(data), minGrow)))
			copy(grown, data)
			data = grown
		}
		// r holds data, so Read copies from its buffer and does not block.
		k, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+k]
		if err != nil {
			return nil, noEOF(err)
		}
	}
	return data, nil
}

func readRegisterPlayer(r *bufio.Reader) (TCPMessage, error) {
	var b [7]byte
	if err := readFull(r, b[:]); err != nil {
		return nil, err
	}
	if err := checkFlag("rawdata", b[2]); err != nil {
		return nil, err
	}
	m := RegisterPlayer{Player: b[0], Plugin: Plugin(b[1]), RawData: b[2] == 1, RegID: be.Uint32(b[3:])}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// readExt reads a NUL-terminated extension of at most maxExtLen bytes,
// naming any of the six components.
func readExt(r *bufio.Reader) (SaveFile, error) {
	var ext [maxExtLen]byte
	for n := 0; ; n++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("save extension: %w", noEOF(err))
		}
		if c == 0 {
			return ParseSaveExt(string(ext[:n]))
		}
		if n == maxExtLen {
			return 0, fmt.Errorf("save extension longer than %d bytes: %w", maxExtLen, ErrUnknownSave)
		}
		ext[n] = c
	}
}

func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	return noEOF(err)
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF: inside a message, the end
// of the stream is always unexpected.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// UploadSize returns the data size that the message at the head of r
// announces if it is an upload (SEND_SAVE, SEND_CUSTOM), peeking at its
// header without consuming it; 0 for any other message, or for a header
// the reader will reject. It waits for the header's bytes, so that a
// caller can give a large upload time in proportion before reading it.
func UploadSize(r *bufio.Reader) (int, error) {
	b, err := r.Peek(1)
	if err != nil {
		return 0, err
	}
	switch op := tcpOp(b[0]); {
	case op == opSendSave:
		for n := 2; n <= 2+maxExtLen; n++ {
			b, err := r.Peek(n)
			if err != nil {
				return 0, err
			}
			if b[n-1] != 0 {
				continue
			}
			if b, err = r.Peek(n + 4); err != nil {
				return 0, err
			}
			return int(min(be.Uint32(b[n:]), MaxImageSize)), nil
		}
	case op >= opSendCustom && op < opReceiveCustom:
		b, err := r.Peek(5)
		if err != nil {
			return 0, err
		}
		return int(min(be.Uint32(b[1:]), MaxCustomSize)), nil
	}
	return 0, nil
}

// IsUpload reports whether a message beginning with firstByte is one that
// only player 1 sends: SEND_SAVE, SEND_SETTINGS or SEND_CUSTOM.
func IsUpload(firstByte byte) bool {
	op := tcpOp(firstByte)
	return op == opSendSave || op == opSendSettings || (op >= opSendCustom && op < opReceiveCustom)
}

// ParseTCPMessage decodes b, which must hold exactly one client-to-server
// message. A truncated or overlong b gives an error wrapping [ErrLength].
func ParseTCPMessage(b []byte) (TCPMessage, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("empty tcp message: %w", ErrLength)
	}
	r := bufio.NewReader(bytes.NewReader(b))
	m, err := ReadTCPMessage(r)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%w: %w", ErrLength, err)
	}
	if err != nil {
		return nil, err
	}
	if rest, _ := r.Peek(1); len(rest) > 0 {
		return nil, fmt.Errorf("%v: trailing bytes: %w", m.op(), ErrLength)
	}
	return m, nil
}
