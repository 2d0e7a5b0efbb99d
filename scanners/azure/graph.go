package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
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

// graphRows are the rows one query returned, by subscription id (lower
// case), and the error of each subscription whose batch failed.
type graphRows struct {
	rows map[string][]json.RawMessage
	errs map[string]error
}

// of returns the rows of a subscription, or the error of its batch.
func (g graphRows) of(sub string) ([]json.RawMessage, error) {
	if g.rows == nil {
		return nil, errNotQueried
	}
	key := strings.ToLower(sub)
	if err := g.errs[key]; err != nil {
		return nil, err
	}
	return g.rows[key], nil
}

// graph runs query over the readable subscriptions, at most the batch
// size at a time, following each batch's skip tokens to its last page. A
// batch that fails fails for each of its subscriptions: a partial answer
// would pass for a complete one.
func (e *env) graph(ctx context.Context, subs []*subscription, query string) graphRows {
	out := graphRows{rows: map[string][]json.RawMessage{}, errs: map[string]error{}}
	subs = readable(subs)
	for lo := 0; lo < len(subs); lo += e.o.graphBatch {
		batch := subs[lo:min(lo+e.o.graphBatch, len(subs))]
		rows, err := e.graphBatch(ctx, batch, query)
		for _, s := range batch {
			key := strings.ToLower(s.ID)
			if err != nil {
				out.errs[key] = err
				continue
			}
			out.rows[key] = rows[key]
		}
	}
	return out
}

func (e *env) graphBatch(ctx context.Context, batch []*subscription, query string) (map[string][]json.RawMessage, error) {
	client, err := armresourcegraph.NewClient(batch[0].cloud.cred, batch[0].cloud.arm)
	if err != nil {
		return nil, fmt.Errorf("create the Resource Graph client: %w", err)
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
	out := map[string][]json.RawMessage{}
	for {
		resp, err := client.Resources(ctx, req, nil)
		if err != nil {
			return nil, err
		}
		rows, ok := resp.Data.([]any)
		if !ok && resp.Data != nil {
			return nil, fmt.Errorf("the Resource Graph answered %T, not rows", resp.Data)
		}
		for _, row := range rows {
			raw, err := json.Marshal(row)
			if err != nil {
				return nil, err
			}
			var head struct {
				SubscriptionID string `json:"subscriptionId"`
			}
			if err := json.Unmarshal(raw, &head); err != nil {
				return nil, fmt.Errorf("read a Resource Graph row: %w", err)
			}
			key := strings.ToLower(head.SubscriptionID)
			out[key] = append(out[key], raw)
		}
		if resp.SkipToken == nil || *resp.SkipToken == "" {
			return out, nil
		}
		// The token carries the page size and offset; the query and its
		// scopes go again unchanged.
		req.Options = &armresourcegraph.QueryRequestOptions{ResultFormat: &format, SkipToken: resp.SkipToken}
	}
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
