package childproto

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// MaxLine bounds one protocol line in either direction.
const MaxLine = 256 << 10

// StopTimeout is how long an emulator may take to stop: the parent kills
// a child that has not ended that long after it asked, and a child whose
// input ended (netpak quit or died) exits by itself that long after. A
// core whose ROM never programs the VI takes about 2.4 s to honour STOP;
// one waiting in the netplay handshake never does.
const StopTimeout = 10 * time.Second

// MaxReadAddrs bounds the addresses of one read request.
const MaxReadAddrs = 1024

// Bounds on one config request: its keys, and the length of a key's
// section and name together.
const (
	maxKeys    = 64
	maxKeyName = 4096
)

// Request ops, parent to child.
const (
	OpRead   = "read"
	OpConfig = "config"
	OpStop   = "stop"
)

// Message kinds, child to parent.
const (
	KindRunning = "running"
	KindWords   = "words"
	KindValues  = "values"
	KindDone    = "done"
	KindError   = "error"
	KindExit    = "exit"
)

// Request is one parent-to-child line after the config: an [OpRead] of
// Addrs, an [OpConfig] read of Keys, or an [OpStop].
type Request struct {
	Op    string       `json:"op"`
	ID    uint32       `json:"id,omitempty"`
	Addrs []uint32     `json:"addrs,omitempty"`
	Keys  []emucfg.Key `json:"keys,omitempty"`
}

// Message is one child-to-parent line; Kind says which fields it uses
// (see the package doc).
type Message struct {
	Kind    string        `json:"kind"`
	ID      uint32        `json:"id,omitempty"`
	Words   []uint32      `json:"words,omitempty"`
	Values  []string      `json:"values,omitempty"`
	Err     string        `json:"err,omitempty"`
	Code    string        `json:"code,omitempty"`
	Missing *MissingError `json:"missing,omitempty"`
}

var errLineTooLong = errors.New("protocol line too long")

// ReadLine returns the next line without its newline, refusing lines over
// MaxLine. It returns io.EOF only at a clean end of input.
func ReadLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine+1 {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// decodeStrict decodes one JSON object, rejecting unknown fields and
// trailing data.
func decodeStrict(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON object")
	}
	return nil
}

// ParseRequest decodes and checks one Request line.
func ParseRequest(line []byte) (Request, error) {
	var req Request
	if err := decodeStrict(line, &req); err != nil {
		return Request{}, fmt.Errorf("parse request: %w", err)
	}
	switch req.Op {
	case OpStop:
		return req, nil
	case OpRead:
		if len(req.Addrs) == 0 || len(req.Addrs) > MaxReadAddrs {
			return Request{}, fmt.Errorf("read of %d addresses, want 1 to %d", len(req.Addrs), MaxReadAddrs)
		}
		if err := emucfg.ValidateAddrs(req.Addrs); err != nil {
			return Request{}, err
		}
		return req, nil
	case OpConfig:
		if err := ValidateKeys(req.Keys); err != nil {
			return Request{}, err
		}
		return req, nil
	}
	return Request{}, fmt.Errorf("unknown op %q", req.Op)
}

// ParseMessage decodes and checks one Message line.
func ParseMessage(line []byte) (Message, error) {
	var m Message
	if err := decodeStrict(line, &m); err != nil {
		return Message{}, fmt.Errorf("parse message: %w", err)
	}
	switch m.Kind {
	case KindRunning, KindExit:
	case KindWords, KindDone:
		if len(m.Words) > MaxReadAddrs {
			return Message{}, fmt.Errorf("%d words, at most %d", len(m.Words), MaxReadAddrs)
		}
	case KindValues:
		if len(m.Values) > maxKeys {
			return Message{}, fmt.Errorf("%d values, at most %d", len(m.Values), maxKeys)
		}
	case KindError:
		if m.Err == "" {
			return Message{}, errors.New("error message without text")
		}
	default:
		return Message{}, fmt.Errorf("unknown message kind %q", m.Kind)
	}
	return m, nil
}

// ParseConfig decodes and validates the child's first line.
func ParseConfig(line []byte) (emucfg.Config, error) {
	var c emucfg.Config
	if err := decodeStrict(line, &c); err != nil {
		return emucfg.Config{}, fmt.Errorf("%w: parse: %w", emucfg.ErrConfig, err)
	}
	if err := c.Validate(); err != nil {
		return emucfg.Config{}, err
	}
	return c, nil
}

// Writer writes messages, one JSON line each, as the child reports to
// the parent. It is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	out io.Writer
}

// NewWriter returns a Writer writing to out.
func NewWriter(out io.Writer) *Writer { return &Writer{out: out} }

// Send writes m as one line; a message longer than [MaxLine] is not
// written.
func (w *Writer) Send(m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(b) > MaxLine {
		return errLineTooLong
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.out.Write(append(b, '\n'))
	return err
}

// ErrorMessage turns err into the Message that carries it to the parent.
func ErrorMessage(err error) Message {
	m := Message{Kind: KindError, Err: err.Error(), Code: errorCode(err)}
	var miss *MissingError
	if errors.As(err, &miss) {
		m.Missing = miss
	}
	return m
}

// MessageError rebuilds the error a child reported in m, so that
// errors.Is finds the sentinel the child saw.
func MessageError(m Message) error {
	if m.Missing != nil {
		return m.Missing
	}
	return &childError{msg: m.Err, code: m.Code}
}

// ValidateKeys checks the keys of one config request.
func ValidateKeys(keys []emucfg.Key) error {
	if len(keys) == 0 || len(keys) > maxKeys {
		return fmt.Errorf("config read of %d keys, want 1 to %d", len(keys), maxKeys)
	}
	for _, k := range keys {
		if k.Section == "" || k.Name == "" || len(k.Section)+len(k.Name) > maxKeyName ||
			strings.ContainsRune(k.Section+k.Name, 0) {
			return fmt.Errorf("config key %.40q/%.40q: bad name", k.Section, k.Name)
		}
	}
	return nil
}
