package m64p

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// maxFill bounds the bytes withFill appends: the largest save and one
// trailing byte.
const maxFill = 0x20000 + 1

// fill is what withFill appends, the bytes of the largest golden save.
var fill = pattern(maxFill)

// withFill returns b followed by n%(maxFill+1) bytes of fill. The TCP fuzz
// targets take their input this way so that a few mutated bytes reach
// whole SEND_SAVE messages of up to 128 KiB: the fuzzer mutates and
// minimizes a raw input byte by byte, in time growing with the square of
// its length, and with a 2 KiB save among the seeds it ran ~2,300 times in
// 30 s.
func withFill(b []byte, n uint32) []byte {
	return append(b[:len(b):len(b)], fill[:n%(maxFill+1)]...)
}

func addTCPSeeds(f *testing.F) {
	for _, tt := range tcpGolden {
		f.Add(unhex(f, tt.hex), uint32(len(tt.data))) // SEND_SAVE data comes from fill
	}
	f.Add(unhex(f, "01 656570 00 00000800"), uint32(2048+1)) // a trailing byte
	f.Add([]byte{1, 'e', 'e', 'p', 0, 0, 0, 8, 0}, uint32(0))
	f.Add([]byte{1, 'e', 'e', 'p', 0, 0xff, 0xff, 0xff, 0xff}, uint32(100))
	f.Add([]byte{2, 'x', 'y', 'z', 0}, uint32(0))
	f.Add([]byte{5, 4, 1, 0, 0, 0, 0, 1}, uint32(0))
	f.Add([]byte{0xE4}, uint32(0))
	// gopher64's: sized saves, img and rom, custom slots.
	f.Add(unhex(f, "01 696d67 00 01000000"), uint32(100)) // a 16 MiB header, then little
	f.Add(unhex(f, "01 726f6d 00 00000000"), uint32(0))
	f.Add(unhex(f, "08 696d67 00"), uint32(0))
	f.Add(unhex(f, "41 00000008"), uint32(8))
	f.Add(unhex(f, "40 00000009"), uint32(9))
	f.Add(unhex(f, "7f 00010000"), uint32(1<<16))
	f.Add([]byte{0x80, 0x81, 0xbf, 0xc0}, uint32(0))
}

// FuzzParseTCPMessage checks that no input panics and that whatever
// parses encodes back to the same bytes.
func FuzzParseTCPMessage(f *testing.F) {
	addTCPSeeds(f)
	f.Fuzz(func(t *testing.T, head []byte, n uint32) {
		b := withFill(head, n)
		m, err := ParseTCPMessage(b)
		if err != nil {
			if m != nil {
				t.Fatalf("message %+v with error %v", m, err)
			}
			return
		}
		out, err := m.AppendTo(nil)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", m, err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("round trip %x -> %x", head, out[:min(len(out), len(head))])
		}
	})
}

// FuzzReadTCPMessage reads a whole stream message by message; it must end
// in io.EOF or an error, never loop or panic.
func FuzzReadTCPMessage(f *testing.F) {
	addTCPSeeds(f)
	f.Fuzz(func(t *testing.T, head []byte, n uint32) {
		b := withFill(head, n)
		r := bufio.NewReaderSize(bytes.NewReader(b), 16)
		for n := 0; ; n++ {
			if n > len(b) {
				t.Fatalf("%d messages from %d bytes", n, len(b))
			}
			size, serr := UploadSize(r)
			m, err := ReadTCPMessage(r)
			if err == nil && serr != nil {
				t.Fatalf("UploadSize failed (%v) on a message that reads: %+v", serr, m)
			}
			switch m := m.(type) {
			case SendSave:
				if size != len(m.Data) {
					t.Fatalf("UploadSize %d, the save has %d bytes", size, len(m.Data))
				}
			case SendCustom:
				if size != len(m.Data) {
					t.Fatalf("UploadSize %d, the slot has %d bytes", size, len(m.Data))
				}
			case nil:
			default:
				if size != 0 {
					t.Fatalf("UploadSize %d for %T", size, m)
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				return
			}
		}
	})
}

// FuzzParseClientDatagram covers the server's UDP decoder.
func FuzzParseClientDatagram(f *testing.F) {
	for _, tt := range udpGolden {
		f.Add(unhex(f, tt.hex))
	}
	f.Add([]byte{0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseClientDatagram(b)
		if err != nil {
			if m != nil {
				t.Fatalf("datagram %+v with error %v", m, err)
			}
			return
		}
		if !IsM64PDatagram(b) {
			t.Fatalf("parsed %x but IsM64PDatagram is false", b)
		}
		var out []byte
		switch d := m.(type) {
		case KeyInfoClient:
			out, err = d.AppendTo(nil)
		case InputRequest:
			out, err = d.AppendTo(nil)
		case SyncData:
			out = d.AppendTo(nil)
		}
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("round trip %x -> %x, %v", b, out, err)
		}
	})
}

// FuzzParseKeyInfoServer covers the client's UDP decoder.
func FuzzParseKeyInfoServer(f *testing.F) {
	for _, tt := range udpGolden {
		f.Add(unhex(f, tt.hex))
	}
	f.Add([]byte{1, 0, 0, 0, 57})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseKeyInfoServer(b)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrUnknownOp) && !errors.Is(err, ErrPlayer) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		out, err := m.AppendTo(nil)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("round trip %x -> %x, %v", b, out, err)
		}
	})
}

// FuzzParseReplies covers the three fixed-size server replies.
func FuzzParseReplies(f *testing.F) {
	f.Add(unhex(f, "00001001 01 00 00002002 01 00 00000000 00 00 00000000 00 00"))
	f.Add(unhex(f, "01 02"))
	f.Add(observedSettings.AppendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseRegisterReply(b); err == nil && !bytes.Equal(r.AppendTo(nil), b) {
			t.Fatalf("register reply round trip %x", b)
		}
		if s, err := ParseSettings(b); err == nil && !bytes.Equal(s.AppendTo(nil), b) {
			t.Fatalf("settings round trip %x", b)
		}
		if r, err := ParseRegistration(b); err == nil && !bytes.Equal(r.AppendTo(nil), b) {
			t.Fatalf("registration round trip %x", b)
		}
	})
}
