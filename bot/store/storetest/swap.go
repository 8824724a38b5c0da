package storetest

import (
	"strconv"
	"sync"
	"testing"
)

// testSwap: Swap is a compare-and-swap on one value, for what replicas
// share (a session whose refresh token rotates): it changes the value only
// when it holds what the caller last read, tells absent from empty, deletes
// with a nil new value, and of racing callers exactly one wins each round.
func testSwap(t *testing.T, b Backend) {
	h := open(t, b)
	const k = "bluesky:session:lumohanke.test"
	steps := []struct {
		name     string
		old, new []byte // nil: absent / delete
		want     bool
		after    []byte // nil: absent
	}{
		{"create when absent", nil, []byte("s1"), true, []byte("s1")},
		{"create again: not absent any more", nil, []byte("s0"), false, []byte("s1")},
		{"stale old", []byte("s0"), []byte("s2"), false, []byte("s1")},
		{"current old", []byte("s1"), []byte("s2"), true, []byte("s2")},
		{"empty is not absent", []byte{}, []byte("s3"), false, []byte("s2")},
		{"to empty", []byte("s2"), []byte{}, true, []byte{}},
		{"empty old matches empty", []byte{}, []byte("s4"), true, []byte("s4")},
		{"delete with a stale old", []byte("s3"), nil, false, []byte("s4")},
		{"delete", []byte("s4"), nil, true, nil},
		{"delete when absent", nil, nil, true, nil},
		{"binary", nil, []byte("\x00\xff"), true, []byte("\x00\xff")},
	}
	for _, st := range steps {
		ok, err := h.s.Swap(ctx, k, st.old, st.new)
		if err != nil || ok != st.want {
			t.Fatalf("%s: Swap = %v, %v; want %v", st.name, ok, err, st.want)
		}
		v, present, err := h.s.Get(ctx, k)
		if err != nil || present != (st.after != nil) || (present && string(v) != string(st.after)) {
			t.Fatalf("%s: then Get = %q, %v, %v; want %q (present %v)", st.name, v, present, err, st.after, st.after != nil)
		}
	}
	if _, err := h.s.Swap(ctx, "", nil, []byte("x")); err == nil {
		t.Error("Swap(empty key): no error")
	}
	// What Swap wrote survives a restart, as Put's does.
	h.restart(t)
	if v, ok, err := h.s.Get(ctx, k); err != nil || !ok || string(v) != "\x00\xff" {
		t.Errorf("after restart Get = %q, %v, %v", v, ok, err)
	}

	// Racing read-modify-write loops: with Swap no increment is lost.
	const counter, workers, each = "counter", 4, 10
	must(t, h.s.Put(ctx, counter, []byte("0")))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := 0; n < each; {
				v, _, err := h.s.Get(ctx, counter)
				if err != nil {
					t.Error(err)
					return
				}
				i, _ := strconv.Atoi(string(v))
				ok, err := h.s.Swap(ctx, counter, v, []byte(strconv.Itoa(i+1)))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					n++
				}
			}
		})
	}
	wg.Wait()
	if v, _, _ := h.s.Get(ctx, counter); string(v) != strconv.Itoa(workers*each) {
		t.Errorf("after %d swapped increments the counter is %s", workers*each, v)
	}
}
