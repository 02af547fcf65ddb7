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
// rejects unknown opcodes, unknown save extensions, save sizes other than
// the fixed ones and player numbers of 4 or more. After an error the stream
// is out of step and should be dropped.
//
// Memory follows the bytes that have arrived, not the sizes announced: a
// save's buffer grows as its data comes, to at most the save's fixed size
// (128 KiB for the largest), so a client that sends a SEND_SAVE header and
// stops holds almost nothing while it waits.
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
		return ReceiveSave{File: f}, err
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
	return nil, ErrUnknownOp
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
	if n := be.Uint32(sz[:]); n != uint32(f.Size()) {
		return nil, fmt.Errorf("save %s: size %d, want %d: %w", f, n, f.Size(), ErrSaveSize)
	}
	data, err := readArriving(r, f.Size())
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
	var data []byte
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

// readExt reads a NUL-terminated extension of at most maxExtLen bytes.
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
