package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Resource Graph's limits: a query names at most 1000 subscriptions (the
// Azure CLI and PowerShell split larger lists the same way) and a page
// holds at most 1000 rows. Tests lower both through settings.
const (
	graphBatch          = 1000
	graphPageSize int32 = 1000
)

// errNotQueried is the error of rows whose query never ran (its goroutine
// failed).
var errNotQueried = errors.New("the Resource Graph query did not run")

// graphRead is the action every Resource Graph query needs; the graph
// then returns only the rows of resources the caller may read.
const graphRead = "Microsoft.ResourceGraph/resources/read"

// graphRows are the rows of one query, handed out by subscription (of) as
// the query's pages arrive. The query orders its rows by id, and every id
// starts with /subscriptions/<id>/, so a subscription's rows come
// together: once a row of the next one arrives they are complete, and its
// scan can go on while the graph is still read. A management group's
// rows are then never held all at once.
type graphRows struct {
	mu   sync.Mutex
	subs map[string]*subRows // by subscription id, lower case
	// late are subscriptions rows came for after their rows were
	// complete (ids that do not sort by subscription): those rows are
	// lost, and failLate says so.
	late  map[string]bool
	reads *scanners.Group
}

// subRows are one subscription's rows, or its error, once done is closed.
type subRows struct {
	done   chan struct{}
	rows   []json.RawMessage
	err    error
	closed bool
	taken  bool
}

// errTaken is the error of rows asked for a second time: they were handed
// out once and are no longer held.
var errTaken = errors.New("the Resource Graph rows of this subscription were already handed out")

// of waits for the rows of a subscription, or the error of its batch, and
// hands them out; a subscription's rows are handed out once.
func (g *graphRows) of(sub string) ([]json.RawMessage, error) {
	if g == nil {
		return nil, errNotQueried
	}
	g.mu.Lock()
	s := g.subs[strings.ToLower(sub)]
	g.mu.Unlock()
	if s == nil {
		return nil, errNotQueried
	}
	<-s.done
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.taken {
		return nil, errTaken
	}
	s.taken = true
	rows, err := s.rows, s.err
	s.rows = nil
	return rows, err
}

// wait waits until the query's pages are all read.
func (g *graphRows) wait() { g.reads.Wait() }

// failLate records an error entry for each subscription some of whose
// rows came after the rest had been handed out: they were not read.
func (g *graphRows) failLate(out *scanners.Sink, domain inventory.Domain, types []string) {
	g.wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	for sub := range g.late {
		out.Fail(scanError(sub, "", domain, graphRead, types,
			errors.New("some of the subscription's Resource Graph rows came after those of another (its ids do not sort by subscription); those rows were not read")))
	}
}

// add keeps a row of subscription key (lower case).
func (g *graphRows) add(key string, raw json.RawMessage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.subs[key]
	switch {
	case s == nil:
		// Not a subscription the query named.
	case s.closed:
		g.late[key] = true
	default:
		s.rows = append(s.rows, raw)
	}
}

// close ends the rows of subscription key with err (nil: they are
// complete); closing it again changes nothing.
func (g *graphRows) close(key string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.subs[key]
	if s == nil || s.closed {
		return
	}
	s.closed = true
	if err != nil {
		s.rows, s.err = nil, err
	}
	close(s.done)
}

// graph runs query over the readable subscriptions, at most the batch
// size at a time, following each batch's skip tokens to its last page, on
// a goroutine of its own; the rows come out by subscription (of). When a
// batch fails, its subscriptions whose rows were not complete yet fail
// with it: a partial answer would pass for a complete one. scope names
// the scan part a panic of the reading is recorded against.
func (e *env) graph(ctx context.Context, out *scanners.Sink, scope scanners.Scope, subs []*subscription, query string) *graphRows {
	g := &graphRows{subs: map[string]*subRows{}, late: map[string]bool{}}
	subs = readable(subs)
	for _, s := range subs {
		g.subs[strings.ToLower(s.ID)] = &subRows{done: make(chan struct{})}
	}
	g.reads = out.Group(scope, 0)
	g.reads.Go(func() {
		// Whatever ends the reading, nobody waits for ever.
		defer func() {
			for _, s := range subs {
				g.close(strings.ToLower(s.ID), errNotQueried)
			}
		}()
		for lo := 0; lo < len(subs); lo += e.o.graphBatch {
			batch := subs[lo:min(lo+e.o.graphBatch, len(subs))]
			err := e.graphBatch(ctx, batch, query, g)
			for _, s := range batch {
				g.close(strings.ToLower(s.ID), err)
			}
		}
	})
	return g
}

func (e *env) graphBatch(ctx context.Context, batch []*subscription, query string, g *graphRows) error {
	client, err := armresourcegraph.NewClient(batch[0].cloud.cred, batch[0].cloud.arm)
	if err != nil {
		return fmt.Errorf("create the Resource Graph client: %w", err)
	}
	ids := make([]*string, len(batch))
	for i, s := range batch {
		ids[i] = &s.ID
	}
	format := armresourcegraph.ResultFormatObjectArray
	req := armresourcegraph.QueryRequest{
		Query:         &query,
		Subscriptions: ids,
		Options:       &armresourcegraph.QueryRequestOptions{ResultFormat: &format, Top: &e.o.graphPageSize},
	}
	current := ""
	for {
		resp, err := client.Resources(ctx, req, nil)
		if err != nil {
			return err
		}
		rows, ok := resp.Data.([]any)
		if !ok && resp.Data != nil {
			return fmt.Errorf("the Resource Graph answered %T, not rows", resp.Data)
		}
		for _, row := range rows {
			raw, err := json.Marshal(row)
			if err != nil {
				return err
			}
			sub, err := rowSubscription(row)
			if err != nil {
				return fmt.Errorf("read a Resource Graph row: %w", err)
			}
			key := strings.ToLower(sub)
			if key != current {
				// The rows of the one before are all here.
				g.close(current, nil)
				current = key
			}
			g.add(key, raw)
		}
		if resp.SkipToken == nil || *resp.SkipToken == "" {
			return nil
		}
		// The token carries the page size and offset; the query and its
		// scopes go again unchanged.
		req.Options = &armresourcegraph.QueryRequestOptions{ResultFormat: &format, SkipToken: resp.SkipToken}
	}
}

// rowSubscription is the subscription id of a row as the SDK decoded it
// (from the map, rather than decoding the row's JSON a second time): the
// subscriptionId member, matched as encoding/json matches a field, exact
// name first, then without case.
func rowSubscription(row any) (string, error) {
	if row == nil {
		return "", nil
	}
	m, ok := row.(map[string]any)
	if !ok {
		return "", fmt.Errorf("a row is %T, not an object", row)
	}
	v, found := m["subscriptionId"]
	if !found {
		for k, x := range m {
			if strings.EqualFold(k, "subscriptionId") {
				v = x
				break
			}
		}
	}
	switch id := v.(type) {
	case nil:
		return "", nil
	case string:
		return id, nil
	}
	return "", fmt.Errorf("subscriptionId is %T, not a string", v)
}

// graphType is the query for every resource of the given types; the
// graph compares types without case.
func graphType(table string, types ...string) string {
	quoted := make([]string, len(types))
	for i, t := range types {
		quoted[i] = "'" + strings.ToLower(t) + "'"
	}
	if len(types) == 1 {
		return fmt.Sprintf("%s | where type =~ %s | order by id asc", table, quoted[0])
	}
	return fmt.Sprintf("%s | where type in~ (%s) | order by id asc", table, strings.Join(quoted, ", "))
}

// row is the part of a Resource Graph row every type has.
type row struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	Location      string            `json:"location"`
	ResourceGroup string            `json:"resourceGroup"`
	Tags          map[string]string `json:"tags"`
}

// decodeRows splits rows by type (lower case) with their common part,
// keeping only those in the subscription's regions when keep says so.
type typedRow struct {
	row
	raw json.RawMessage
}

func splitRows(s *subscription, raws []json.RawMessage) (map[string][]typedRow, error) {
	out := map[string][]typedRow{}
	for _, raw := range raws {
		var r row
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("read a Resource Graph row: %w", err)
		}
		if r.Location != "" && !s.inRegions(r.Location) {
			continue
		}
		t := strings.ToLower(r.Type)
		out[t] = append(out[t], typedRow{row: r, raw: raw})
	}
	return out, nil
}
