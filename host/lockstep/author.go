package lockstep

// Author publishes the stream of one port: the press made at poll p becomes
// the input for poll p+lag. It is the single writer of that stream, which is
// what makes every machine see the same game.
//
// When the lag rises, the polls it skips over repeat the last input; when it
// falls, presses that would land on polls already published are dropped
// (AQZ's semantics). At the start, polls before the first press are filled
// with the zero input. The zero value is ready to use.
type Author struct {
	Next uint32 // polls [0, next) are published
	Last Input  // the input published at next-1
}

// Publish records the press made at poll p under lag and adds every poll
// it publishes to st, in order. It returns the number of polls published;
// 0 means the press was surplus and dropped.
func (a *Author) Publish(p uint32, lag uint8, in Input, st *Stream) int {
	target := p + uint32(lag)
	if target < a.Next {
		return 0
	}
	n := 0
	for ; a.Next < target; a.Next++ {
		st.Add(a.Next, a.Last)
		n++
	}
	st.Add(target, in)
	a.Last = in
	a.Next = target + 1
	return n + 1
}

// Repeat publishes the last input again at the polls from Next through p,
// whose presses were lost on their way and will not come again (a
// mupen64plus core sends each of its keys once): their polls must not
// wait for them for good. A lost press that comes late after all is
// surplus, as Publish treats one for a poll already published. It returns
// the number of polls published.
func (a *Author) Repeat(p uint32, st *Stream) int {
	n := 0
	for ; a.Next <= p; a.Next++ {
		st.Add(a.Next, a.Last)
		n++
	}
	return n
}
