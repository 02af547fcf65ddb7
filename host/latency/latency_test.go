package latency

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// slack is how much later than its setting a delay may be measured: this
// machine is shared, so the bound is loose.
const slack = 50 * time.Millisecond

var epoch = time.Now()

func stamp(b []byte) []byte { return binary.BigEndian.AppendUint64(b, uint64(time.Since(epoch))) }

func age(b []byte) time.Duration {
	return time.Since(epoch) - time.Duration(binary.BigEndian.Uint64(b))
}

func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// checkDelays measures up to three times and fails unless every delay of
// one measurement lies in [want-jitter, want+jitter+slack). No delay may
// ever be short; a long one may be the shared machine stalling this
// process, so a measurement with one is repeated.
func checkDelays(t *testing.T, what string, s Shape, measure func() []time.Duration) {
	t.Helper()
	for try := 1; ; try++ {
		got := measure()
		if len(got) == 0 {
			t.Fatalf("%s: nothing arrived", what)
		}
		lo, hi := got[0], got[0]
		for _, d := range got {
			lo, hi = min(lo, d), max(hi, d)
		}
		t.Logf("%s: %d measured, %v to %v (setting %v ± %v)", what, len(got), lo, hi, s.Delay, s.Jitter)
		if lo < s.Delay-s.Jitter {
			t.Fatalf("%s: a delay of %v, want at least %v", what, lo, s.Delay-s.Jitter)
		}
		if hi < s.Delay+s.Jitter+slack {
			return
		}
		if try == 3 {
			t.Fatalf("%s: delays up to %v in each of %d tries, want under %v", what, hi, try, s.Delay+s.Jitter+slack)
		}
	}
}

// sendDatagrams sends n stamped datagrams from src to dst and returns the
// delay each was read with.
func sendDatagrams(t *testing.T, src, dst net.PacketConn, n int) []time.Duration {
	t.Helper()
	for i := range n {
		if _, err := src.WriteTo(stamp([]byte{byte(i)}), dst.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	var got []time.Duration
	buf := make([]byte, 64)
	for range n {
		dst.SetReadDeadline(time.Now().Add(2 * time.Second))
		k, _, err := dst.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		got = append(got, age(buf[1:k]))
	}
	return got
}

func TestDatagramDelay(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  Direction
		s    Shape
	}{
		{"out 30ms", Out, Shape{30 * time.Millisecond, 0}},
		{"out 40ms ± 10ms", Out, Shape{40 * time.Millisecond, 10 * time.Millisecond}},
		{"in 30ms", In, Shape{30 * time.Millisecond, 0}},
		{"in 40ms ± 10ms", In, Shape{40 * time.Millisecond, 10 * time.Millisecond}},
		{"none", Out, Shape{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			if tc.dir == Out {
				cfg.Out = tc.s
			} else {
				cfg.In = tc.s
			}
			w := New(cfg).WrapPacketConn(listenUDP(t))
			defer w.Close()
			raw := listenUDP(t)
			src, dst := net.PacketConn(w), raw
			if tc.dir == In {
				src, dst = raw, w
			}
			checkDelays(t, tc.name, tc.s, func() []time.Duration { return sendDatagrams(t, src, dst, 20) })
		})
	}
}

// tcpPair returns a TCP connection wrapped by l and its raw peer.
func tcpPair(t *testing.T, l *Link) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { peer.Close() })
	w := l.WrapConn(c)
	t.Cleanup(func() { w.Close() })
	return w, peer
}

// streamRecords writes n stamped, numbered 16-byte records from src to
// dst, a few milliseconds apart, and returns the delay of each; it fails
// if they arrive out of order.
func streamRecords(t *testing.T, src, dst net.Conn, n int) []time.Duration {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			rec := binary.BigEndian.AppendUint64(nil, uint64(i))
			if _, err := src.Write(stamp(rec)); err != nil {
				errc <- err
				return
			}
			if i%10 == 9 {
				<-time.After(2 * time.Millisecond) // let jitter have a chance to reorder
			}
		}
		errc <- nil
	}()
	var got []time.Duration
	rec := make([]byte, 16)
	dst.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := range n {
		if _, err := io.ReadFull(dst, rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if seq := binary.BigEndian.Uint64(rec); seq != uint64(i) {
			t.Fatalf("record %d arrived as number %d: the stream was reordered", i, seq)
		}
		got = append(got, age(rec[8:]))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStreamDelayKeepsOrder(t *testing.T) {
	s := Shape{40 * time.Millisecond, 15 * time.Millisecond}
	w, peer := tcpPair(t, New(Config{Out: s, In: s, Seed: 7}))
	checkDelays(t, "out", s, func() []time.Duration { return streamRecords(t, w, peer, 200) })
	checkDelays(t, "in", s, func() []time.Duration { return streamRecords(t, peer, w, 200) })
}

func TestConnectedUDPDelay(t *testing.T) {
	raw := listenUDP(t)
	c, err := net.Dial("udp", raw.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := Shape{Delay: 30 * time.Millisecond}
	w := New(Config{Out: s, In: s}).WrapConn(c)
	defer w.Close()
	checkDelays(t, "half the round trip", s, func() []time.Duration { return echo(t, w, raw, 10) })
}

// echo sends n stamped datagrams through w to raw, which sends them back,
// and returns half of each round trip.
func echo(t *testing.T, w *Conn, raw net.PacketConn, count int) []time.Duration {
	t.Helper()
	var got []time.Duration
	buf := make([]byte, 64)
	for range count {
		if _, err := w.Write(stamp(nil)); err != nil {
			t.Fatal(err)
		}
		raw.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, from, err := raw.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.WriteTo(buf[:n], from); err != nil {
			t.Fatal(err)
		}
		w.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err = w.Read(buf); err != nil {
			t.Fatal(err)
		}
		got = append(got, age(buf[:n])/2)
	}
	return got
}

func TestSetDelayTakesEffect(t *testing.T) {
	l := New(Config{Out: Shape{Delay: 20 * time.Millisecond}})
	w := l.WrapPacketConn(listenUDP(t))
	defer w.Close()
	raw := listenUDP(t)
	for _, d := range []time.Duration{20, 80, 0, 40} {
		s := Shape{Delay: d * time.Millisecond}
		l.SetShape(Out, s)
		checkDelays(t, s.Delay.String(), s, func() []time.Duration { return sendDatagrams(t, w, raw, 10) })
	}
}

func TestDatagramsReorderWithJitter(t *testing.T) {
	w := New(Config{Out: Shape{30 * time.Millisecond, 20 * time.Millisecond}, Seed: 1}).WrapPacketConn(listenUDP(t))
	defer w.Close()
	raw := listenUDP(t)
	for i := range 100 {
		w.WriteTo([]byte{byte(i)}, raw.LocalAddr())
	}
	late, prev := 0, -1
	buf := make([]byte, 8)
	for range 100 {
		raw.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, _, err := raw.ReadFrom(buf); err != nil {
			t.Fatal(err)
		}
		if int(buf[0]) < prev {
			late++
		}
		prev = int(buf[0])
	}
	if late == 0 {
		t.Error("100 datagrams with ±20ms jitter all arrived in order")
	}
}

func TestQueueLimitDrops(t *testing.T) {
	// The delay outlasts any stall of this loop on a busy machine, so
	// nothing leaves before all 50 are written.
	l := New(Config{Out: Shape{Delay: 500 * time.Millisecond}, QueueLimit: 10})
	w := l.WrapPacketConn(listenUDP(t))
	defer w.Close()
	raw := listenUDP(t)
	for i := range 50 {
		if _, err := w.WriteTo([]byte{byte(i)}, raw.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.Dropped(); got != 40 {
		t.Errorf("dropped %d of 50 with room for 10, want 40", got)
	}
	buf := make([]byte, 8)
	n := 0
	for {
		raw.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := raw.ReadFrom(buf); err != nil {
			break
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d datagrams arrived, want 10", n)
	}
}

func TestStreamWriteBlocksWhenFull(t *testing.T) {
	w, _ := tcpPair(t, New(Config{Out: Shape{Delay: time.Second}, BufferLimit: 1024}))
	w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	n, err := w.Write(make([]byte, 4096))
	if n != 1024 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write of 4096 bytes into a 1024-byte buffer = %d, %v; want 1024, deadline exceeded", n, err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%v is not a net.Error timeout", err)
	}
}

func TestReadDeadline(t *testing.T) {
	const delay = 300 * time.Millisecond
	w, peer := tcpPair(t, New(Config{In: Shape{Delay: delay}}))
	wrote := time.Now()
	peer.Write([]byte("late"))
	w.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := w.Read(make([]byte, 8))
	switch {
	case err == nil && time.Since(wrote) >= delay:
		t.Log("the machine stalled this test past the delay; the deadline was not tested")
		return
	case !errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("Read before the data is due: %v, want deadline exceeded", err)
	}
	w.SetReadDeadline(time.Time{})
	b := make([]byte, 8)
	n, err := w.Read(b)
	if err != nil || string(b[:n]) != "late" {
		t.Errorf("Read = %q, %v; want \"late\"", b[:n], err)
	}
}

func TestStreamEndFollowsData(t *testing.T) {
	w, peer := tcpPair(t, New(Config{In: Shape{Delay: 30 * time.Millisecond}}))
	peer.Write([]byte("bye"))
	peer.Close()
	b, err := io.ReadAll(w)
	if err != nil || string(b) != "bye" {
		t.Errorf("ReadAll = %q, %v; want \"bye\"", b, err)
	}
}

// waitGoroutines waits up to a second for the goroutine count to fall to
// want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > want {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, want %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
	}
}

func TestCloseStopsEverything(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T, l *Link) io.Closer
	}{
		{"packet conn", func(t *testing.T, l *Link) io.Closer {
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			w := l.WrapPacketConn(pc)
			w.WriteTo([]byte("x"), pc.LocalAddr())
			return w
		}},
		{"tcp", func(t *testing.T, l *Link) io.Closer {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c, err := l.Dial(nil)(t.Context(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			peer, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { peer.Close() })
			c.Write([]byte("x"))
			return c
		}},
		{"udp", func(t *testing.T, l *Link) io.Closer {
			c, err := l.Dial(nil)(t.Context(), "udp", "127.0.0.1:9")
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("x"))
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			c := tc.open(t, New(Config{Out: Shape{Delay: 20 * time.Millisecond}, In: Shape{Delay: 20 * time.Millisecond}}))
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := c.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("second Close: %v, want net.ErrClosed", err)
			}
			waitGoroutines(t, before)
		})
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	w, _ := tcpPair(t, New(Config{}))
	errc := make(chan error, 1)
	go func() {
		_, err := w.Read(make([]byte, 8))
		errc <- err
	}()
	w.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read during Close: %v, want net.ErrClosed", err)
	}
}

func TestSeedRepeatsJitter(t *testing.T) {
	s := Shape{10 * time.Millisecond, 5 * time.Millisecond}
	a, b, c := New(Config{Out: s, Seed: 3}), New(Config{Out: s, Seed: 3}), New(Config{Out: s, Seed: 4})
	same, differ := true, false
	for range 100 {
		x := a.wait(Out)
		same = same && x == b.wait(Out)
		differ = differ || x != c.wait(Out)
		if x < 5*time.Millisecond || x > 15*time.Millisecond {
			t.Fatalf("drew %v for 10ms ± 5ms", x)
		}
	}
	if !same || !differ {
		t.Errorf("same seed repeats: %v, another seed differs: %v; want both", same, differ)
	}
}
