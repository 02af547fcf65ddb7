package commands

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// breakingLink stands between a joiner and its host on TCP: it forwards
// the first connection until cut, then accepts every later one and holds
// it unanswered, as a host that froze would.
type breakingLink struct {
	ln    net.Listener
	first chan net.Conn // the first connection's two ends, to cut
	held  chan net.Conn // later connections, answered never
}

func newBreakingLink(t *testing.T, to string) *breakingLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &breakingLink{ln: ln, first: make(chan net.Conn, 2), held: make(chan net.Conn, 64)}
	t.Cleanup(func() { ln.Close() })
	go b.accept(to)
	return b
}

func (b *breakingLink) accept(to string) {
	for n := 0; ; n++ {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		if n > 0 {
			b.held <- c
			continue
		}
		up, err := net.Dial("tcp", to)
		if err != nil {
			c.Close()
			continue
		}
		b.first <- c
		b.first <- up
		go io.Copy(up, c)
		go io.Copy(c, up)
	}
}

// cut closes the forwarded connection at both ends.
func (b *breakingLink) cut() {
	(<-b.first).Close()
	(<-b.first).Close()
}

// joinThroughBreakingLink hosts a session as Alice and joins it as Bob
// through a breakingLink; hook, if set, sets Bob's test hooks first.
func joinThroughBreakingLink(t *testing.T, hook func(bob *Session)) (*Session, *lines, *breakingLink) {
	t.Helper()
	ctx := context.Background()
	alice, _ := newTestSession(t, "Alice")
	bob, bobEv := newTestSession(t, "Bob")
	if hook != nil {
		hook(bob)
	}
	hosted, err := alice.Serve(ctx, Server{})
	if err != nil {
		t.Fatal(err)
	}
	link := newBreakingLink(t, loopbackFor("", hosted.Port))
	if err := bob.Connect(ctx, link.ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	return bob, bobEv, link
}

// A console rejoining a host that froze dials it for up to the join
// timeout: meanwhile its prompt and /who still answer, and /leave stops
// the rejoin for good, even one that gets through as the player leaves,
// before it returns.
func TestRejoinDialBlocksNothing(t *testing.T) {
	ctx := context.Background()
	bob, bobEv, link := joinThroughBreakingLink(t, nil)
	link.cut()
	bobEv.wait(t, "rejoining "+link.ln.Addr().String())
	var held net.Conn
	select {
	case held = <-link.held:
		defer held.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the rejoin never dialed")
	}
	if st := bob.State(); st.Rejoining == "" || st.Phase != Offline {
		t.Errorf("state while rejoining: %+v", st)
	}
	// Had State waited for the dial, the dial would have given up and
	// hung up first: the held connection must still be open.
	held.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := io.Copy(io.Discard, held); !errors.Is(err, os.ErrDeadlineExceeded) { // its hello, then nothing
		t.Fatalf("the rejoin's dial ended before the console answered: %v", err)
	}
	bob.Leave() // the console then says "stopped rejoining": so it must be
	if st := bob.State(); st.Phase != Offline || st.Rejoining != "" {
		t.Errorf("after /leave: %+v", st)
	}
	if _, err := bob.Serve(ctx, Server{}); err != nil {
		t.Errorf("host after stopping the rejoin: %v", err)
	}
}

// A /leave typed the moment the connection breaks stops the rejoin: at
// the break itself, or after the session ended and before the rejoin
// dialled. The rejoin never dials, never says it rejoins, and the console
// is offline once /leave returns.
func TestLeaveAsTheConnectionBreaks(t *testing.T) {
	t.Run("at the break", func(t *testing.T) {
		left := make(chan struct{})
		bob, bobEv, link := joinThroughBreakingLink(t, func(bob *Session) {
			bob.afterBreak = func() {
				bob.Leave()
				close(left)
			}
		})
		link.cut()
		requireLeftForGood(t, bob, bobEv, link, left)
	})
	t.Run("before the rejoin dials", func(t *testing.T) {
		left := make(chan struct{})
		bob, bobEv, link := joinThroughBreakingLink(t, func(bob *Session) {
			bob.beforeRejoin = func(rejoin context.Context) {
				go func() {
					bob.Leave()
					close(left)
				}()
				select { // the /leave must reach the rejoin before it dials
				case <-rejoin.Done():
				case <-time.After(5 * time.Second):
				}
			}
		})
		link.cut()
		requireLeftForGood(t, bob, bobEv, link, left)
	})
}

// requireLeftForGood fails unless bob's /leave returns (left closes) with
// bob offline, and no rejoin follows it.
func requireLeftForGood(t *testing.T, bob *Session, bobEv *lines, link *breakingLink, left <-chan struct{}) {
	t.Helper()
	select {
	case <-left:
	case <-time.After(10 * time.Second):
		t.Fatal("/leave did not return")
	}
	if st := bob.State(); st.Phase != Offline || st.Rejoining != "" {
		t.Errorf("after /leave: %+v", st)
	}
	select { // a rejoin that began despite the /leave dials at once
	case <-link.held:
		t.Error("the rejoin dialled the host after the player left")
	case <-time.After(1500 * time.Millisecond):
	}
	if bobEv.has("rejoining ") {
		t.Error("the console said it rejoins after the player left")
	}
}
