package store

import (
	"context"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// committer shares write transactions between goroutines that write at
// the same time (group commit): a write that arrives while another
// transaction commits waits for it, then runs in one transaction with
// every write that queued meanwhile, in arrival order, so the group
// pays for one commit (two fdatasyncs) instead of one each. A write that
// finds no transaction in flight runs at once: nothing waits for a group
// to fill, unlike bbolt's Batch, whose delay a job's sequence of small
// commits would pay every time.
//
// A function run in a group must be safe to run again: when one of the
// group's functions fails, the transaction is rolled back, the functions
// before it run again and commit, the failing one runs alone (so that its
// error is its own), and the rest go on as a group. Each function sees
// exactly the writes queued before it, as if every write had its own
// transaction.
type committer struct {
	mu    sync.Mutex
	busy  bool // a leader is running groups
	queue []*groupCall
}

type groupCall struct {
	fn   func(*bolt.Tx) error
	err  error
	lead bool // woken to lead the next group, not with a result
	done chan struct{}
}

// group runs fn in a write transaction shared with the writes queued
// beside it; see committer.
func (s *Store) group(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &groupCall{fn: fn, done: make(chan struct{})}
	g := &s.commits
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.busy {
		g.mu.Unlock()
		<-c.done
		if !c.lead {
			return c.err
		}
		c.done = make(chan struct{}) // the old one woke it; runGroup closes this one
		g.mu.Lock()
	}
	// Lead: run what has queued (c among it) as one group. The next
	// waiter, if any, leads the group after this one, so that no caller
	// commits for others for long.
	g.busy = true
	calls := g.queue
	g.queue = nil
	g.mu.Unlock()
	s.runGroup(calls)
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.done)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return c.err
}

// runGroup commits calls as one transaction, or, when one fails, as
// described on committer; it closes each call's done with its result.
func (s *Store) runGroup(calls []*groupCall) {
	for len(calls) > 0 {
		failed := -1
		var ferr error
		err := s.commitRecovered(func(tx *bolt.Tx) error {
			for i, c := range calls {
				if err := c.fn(tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.err = err
				close(c.done)
			}
			return
		}
		if failed == 0 {
			calls[0].err = ferr
			close(calls[0].done)
		} else {
			// The ones before it succeeded: again, then it alone.
			s.runGroup(calls[:failed])
			c := calls[failed]
			c.err = s.commitRecovered(c.fn)
			close(c.done)
		}
		calls = calls[failed+1:]
	}
}

// commitRecovered runs fn in a write transaction of its own. A panic in
// fn rolls it back and is returned as an error: a group's writer that
// panics must not leave the others waiting forever, nor the committer
// busy (every later write would wait).
func (s *Store) commitRecovered(fn func(*bolt.Tx) error) error {
	s.writeTx.Add(1)
	return s.db.Update(func(tx *bolt.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("store write panicked: %v", p)
			}
		}()
		return fn(tx)
	})
}
