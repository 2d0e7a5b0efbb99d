package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit caps serve's open connections below the process's file
// limit. At the cap a new connection takes the place of the oldest one
// that is not serving a request (idle between requests, or not having
// sent one yet), so that a crowd of idle clients cannot keep the
// kubelet's probes and Prometheus out; only when every connection is busy
// with a request does Accept wait for one to close. The server's read
// timeouts bound how long a connection can stay busy without progress.
//
// State must be the http.Server's ConnState hook.
type connLimit struct {
	net.Listener
	max int

	mu     sync.Mutex
	free   *sync.Cond // signalled when a connection closes
	conns  map[*limitedConn]connUse
	closed bool
	// now is the clock; tests replace it.
	now func() time.Time
}

// connUse is what a connection is doing, and since when.
type connUse struct {
	busy  bool
	since time.Time
}

// limitedConn is a connection connLimit counts.
type limitedConn struct {
	net.Conn
	l *connLimit
}

func newConnLimit(ln net.Listener, max int) *connLimit {
	l := &connLimit{Listener: ln, max: max, conns: map[*limitedConn]connUse{}, now: time.Now}
	l.free = sync.NewCond(&l.mu)
	return l
}

// Accept accepts a connection, making room for it first when the limit is
// reached.
func (l *connLimit) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.conns) >= l.max && !l.closed {
		if victim := l.oldestIdle(); victim != nil {
			delete(l.conns, victim)
			// The server's goroutine for it sees its reads fail and
			// closes it again, which is harmless.
			_ = victim.Conn.Close()
			continue
		}
		l.free.Wait()
	}
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	lc := &limitedConn{Conn: c, l: l}
	l.conns[lc] = connUse{since: l.now()}
	return lc, nil
}

// oldestIdle returns the connection that has served no request for the
// longest, or nil when every one is serving one.
func (l *connLimit) oldestIdle() *limitedConn {
	var oldest *limitedConn
	var since time.Time
	for c, u := range l.conns {
		if !u.busy && (oldest == nil || u.since.Before(since)) {
			oldest, since = c, u.since
		}
	}
	return oldest
}

// Close stops accepting, and wakes an Accept waiting for room.
func (l *connLimit) Close() error {
	l.mu.Lock()
	l.closed = true
	l.free.Broadcast()
	l.mu.Unlock()
	return l.Listener.Close()
}

// State follows what the server does with each connection.
func (l *connLimit) State(c net.Conn, s http.ConnState) {
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok { // TLS
		c = tc.NetConn()
	}
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		l.remove(lc)
	default:
		l.mu.Lock()
		if _, open := l.conns[lc]; open {
			l.conns[lc] = connUse{busy: s == http.StateActive, since: l.now()}
		}
		l.mu.Unlock()
	}
}

// Open returns how many connections are open.
func (l *connLimit) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func (l *connLimit) remove(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.conns[c]; open {
		delete(l.conns, c)
		l.free.Broadcast()
	}
}

// Close closes the connection and frees its place.
func (c *limitedConn) Close() error {
	c.l.remove(c)
	return c.Conn.Close()
}
