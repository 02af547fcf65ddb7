package listen

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// A session port holds a burst of datagrams its host does not read for a
// while: 3,000 key reports, two and a half seconds of four mupen64plus
// cores, sent while nothing reads the socket, all arrive. A socket with
// Linux's default buffer keeps about 250 of them. (Wine's sockets are
// Linux's, and Wine reports the size a program asked for, not the one
// Linux granted: the Windows tests under Wine leave this one out.)
func TestSessionPortHoldsABurst(t *testing.T) {
	const burst = 3000
	ln, pc, err := Pair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	defer pc.Close()
	got, err := ReadBufferSize(pc.(*net.UDPConn))
	switch {
	case err != nil:
		t.Skipf("this system does not say what receive buffer it granted: %v", err)
	case got < ReadBuffer:
		t.Skipf("the system granted a receive buffer of %d bytes, not %d: raise net.core.rmem_max to run this test", got, ReadBuffer)
	}
	sender, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	key := []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0} // a key report's size
	for range burst {
		if _, err := sender.Write(key); err != nil {
			t.Fatal(err)
		}
	}
	kept := 0
	buf := make([]byte, 64)
	for {
		pc.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := pc.ReadFrom(buf); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal(err)
			}
			break
		}
		kept++
	}
	if kept != burst {
		t.Errorf("the session port kept %d of %d datagrams sent while nothing read it", kept, burst)
	}
}
