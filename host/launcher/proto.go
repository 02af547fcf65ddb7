package launcher

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/netpak/netpak/host/launcher/emucfg"
)

// maxLine bounds one protocol line in either direction.
const maxLine = 256 << 10

// maxReadAddrs bounds the addresses of one read request.
const maxReadAddrs = 1024

// Bounds on one config request: its keys, and the length of a key's
// section and name together.
const (
	maxKeys    = 64
	maxKeyName = 4096
)

// Request ops, parent to child.
const (
	opRead   = "read"
	opConfig = "config"
	opStop   = "stop"
)

// Message kinds, child to parent.
const (
	kindRunning = "running"
	kindWords   = "words"
	kindValues  = "values"
	kindDone    = "done"
	kindError   = "error"
	kindExit    = "exit"
)

// request is one parent-to-child line after the config.
type request struct {
	Op    string       `json:"op"`
	ID    uint32       `json:"id,omitempty"`
	Addrs []uint32     `json:"addrs,omitempty"`
	Keys  []emucfg.Key `json:"keys,omitempty"`
}

// message is one child-to-parent line.
type message struct {
	Kind    string        `json:"kind"`
	ID      uint32        `json:"id,omitempty"`
	Words   []uint32      `json:"words,omitempty"`
	Values  []string      `json:"values,omitempty"`
	Err     string        `json:"err,omitempty"`
	Code    string        `json:"code,omitempty"`
	Missing *MissingError `json:"missing,omitempty"`
}

var errLineTooLong = errors.New("protocol line too long")

// readLine returns the next line without its newline, refusing lines over
// maxLine. It returns io.EOF only at a clean end of input.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine+1 {
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

// parseRequest decodes and checks one request line.
func parseRequest(line []byte) (request, error) {
	var req request
	if err := decodeStrict(line, &req); err != nil {
		return request{}, fmt.Errorf("parse request: %w", err)
	}
	switch req.Op {
	case opStop:
		return req, nil
	case opRead:
		if len(req.Addrs) == 0 || len(req.Addrs) > maxReadAddrs {
			return request{}, fmt.Errorf("read of %d addresses, want 1 to %d", len(req.Addrs), maxReadAddrs)
		}
		if err := emucfg.ValidateAddrs(req.Addrs); err != nil {
			return request{}, err
		}
		return req, nil
	case opConfig:
		if err := validateKeys(req.Keys); err != nil {
			return request{}, err
		}
		return req, nil
	}
	return request{}, fmt.Errorf("unknown op %q", req.Op)
}

// parseMessage decodes and checks one message line.
func parseMessage(line []byte) (message, error) {
	var m message
	if err := decodeStrict(line, &m); err != nil {
		return message{}, fmt.Errorf("parse message: %w", err)
	}
	switch m.Kind {
	case kindRunning, kindExit:
	case kindWords, kindDone:
		if len(m.Words) > maxReadAddrs {
			return message{}, fmt.Errorf("%d words, at most %d", len(m.Words), maxReadAddrs)
		}
	case kindValues:
		if len(m.Values) > maxKeys {
			return message{}, fmt.Errorf("%d values, at most %d", len(m.Values), maxKeys)
		}
	case kindError:
		if m.Err == "" {
			return message{}, errors.New("error message without text")
		}
	default:
		return message{}, fmt.Errorf("unknown message kind %q", m.Kind)
	}
	return m, nil
}

// parseConfig decodes and validates the child's first line.
func parseConfig(line []byte) (emucfg.Config, error) {
	var c emucfg.Config
	if err := decodeStrict(line, &c); err != nil {
		return emucfg.Config{}, fmt.Errorf("%w: parse: %w", emucfg.ErrConfig, err)
	}
	if err := c.Validate(); err != nil {
		return emucfg.Config{}, err
	}
	return c, nil
}

// lineWriter writes JSON lines; it is safe for concurrent use.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *lineWriter) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxLine {
		return errLineTooLong
	}
	lw.mu.Lock()
	defer lw.mu.Unlock()
	_, err = lw.w.Write(append(b, '\n'))
	return err
}

// errorMessage turns err into the message that carries it to the parent.
func errorMessage(err error) message {
	m := message{Kind: kindError, Err: err.Error(), Code: errorCode(err)}
	var miss *MissingError
	if errors.As(err, &miss) {
		m.Missing = miss
	}
	return m
}

// messageError rebuilds the error a child reported.
func messageError(m message) error {
	if m.Missing != nil {
		return m.Missing
	}
	return &childError{msg: m.Err, code: m.Code}
}

// validateKeys checks the keys of one config request.
func validateKeys(keys []emucfg.Key) error {
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
