package lockstep

import "testing"

// A press lost on its way is repeated from the last input, and when it
// comes after all it is surplus: the stream stays as published.
func TestAuthorRepeat(t *testing.T) {
	var a Author
	var st Stream
	a1, a2, a4 := Input{Keys: 1}, Input{Keys: 2}, Input{Keys: 4}
	if n := a.Publish(0, 1, a1, &st); n != 2 { // polls 0 (zero) and 1
		t.Fatalf("Publish(0) published %d polls, want 2", n)
	}
	if n := a.Repeat(3, &st); n != 2 { // the presses of 1 and 2 were lost
		t.Fatalf("Repeat(3) published %d polls, want 2", n)
	}
	if n := a.Repeat(3, &st); n != 0 {
		t.Fatalf("Repeat(3) again published %d polls, want 0", n)
	}
	if n := a.Publish(1, 1, a2, &st); n != 0 { // the press of 1 came late
		t.Fatalf("a late press published %d polls, want 0", n)
	}
	if n := a.Publish(3, 1, a4, &st); n != 1 {
		t.Fatalf("Publish(3) published %d polls, want 1", n)
	}
	want := []Input{{}, a1, a1, a1, a4}
	if st.Have != uint32(len(want)) {
		t.Fatalf("the stream holds %d polls, want %d", st.Have, len(want))
	}
	for i, in := range want {
		if got := st.At(uint32(i)); got != in {
			t.Errorf("poll %d: %v, want %v", i, got, in)
		}
	}
}
