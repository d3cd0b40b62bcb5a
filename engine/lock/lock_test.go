package lock

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestExclusiveAndReentrant(t *testing.T) {
	m := New()
	ctx := context.Background()
	a, b := "a", "b"
	u1, err := m.Lock(ctx, "t", a, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := m.Lock(ctx, "t", a, time.Second) // same owner again
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Lock(ctx, "t", b, 50*time.Millisecond); pgerr.CodeOf(err) != pgerr.LockNotAvailable {
		t.Fatalf("other owner got %v, want 55P03", err)
	}
	// Another key is independent.
	u3, err := m.Lock(ctx, "other", b, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u3()
	u1()
	if _, held := m.Held("t"); !held {
		t.Fatal("released too early: the owner still holds one level")
	}
	u2()
	u2() // idempotent
	if _, held := m.Held("t"); held {
		t.Fatal("still held after both unlocks")
	}
	if len(m.locks) != 0 {
		t.Fatalf("entries leaked: %d", len(m.locks))
	}
}

func TestWaitersGetTheLockInTurn(t *testing.T) {
	m := New()
	ctx := context.Background()
	var mu sync.Mutex
	inside := 0
	maxInside := 0
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(owner int) {
			defer wg.Done()
			u, err := m.Lock(ctx, "t", owner, 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			if inside > maxInside {
				maxInside = inside
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			u()
		}(i)
	}
	wg.Wait()
	if maxInside != 1 {
		t.Fatalf("%d owners held the lock at once", maxInside)
	}
}

func TestContextEndsTheWait(t *testing.T) {
	m := New()
	u, _ := m.Lock(context.Background(), "t", 1, 0)
	defer u()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := m.Lock(ctx, "t", 2, time.Minute); err != context.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
}
