package gcp

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	iam "google.golang.org/api/iam/v1"
	policyanalyzer "google.golang.org/api/policyanalyzer/v1"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scanIAM reads a project's IAM policy, its service accounts with their
// keys and when each key last authenticated, and its buckets' IAM
// policies.
func scanIAM(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	cl, _ := e.clients(ctx)
	g := out.Group(p.scope(inventory.IAM), 0)
	g.Go(func() { scanProjectPolicy(ctx, e, cl, p, out) })
	g.Go(func() { scanServiceAccounts(ctx, e, cl, p, out) })
	g.Go(func() { scanBucketPolicies(ctx, e, p, out) })
	g.Wait()
}

// scanProjectPolicy reads the project's IAM policy at version 3, the one
// that shows conditional bindings with their conditions.
func scanProjectPolicy(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	pol, err := cl.projects.GetIamPolicy(ctx, &iampb.GetIamPolicyRequest{Resource: "projects/" + p.ID,
		Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: 3}}, e.retry())
	if err != nil {
		out.Fail(scanError(p.ID, inventory.IAM, opProjectPolicy.String(), []string{inventory.GCPProject}, err))
		return
	}
	out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Type: inventory.GCPProject, ID: "projects/" + p.ID, Name: p.ID,
		Access: &inventory.AccessBindings{Bindings: inventory.Known(bindings(pol.GetBindings()))}})
}

// bindings normalizes IAM bindings.
func bindings(list []*iampb.Binding) []inventory.Binding {
	out := []inventory.Binding{}
	for _, b := range list {
		out = append(out, inventory.Binding{Role: b.GetRole(), Members: b.GetMembers(), Condition: b.GetCondition().GetExpression()})
	}
	return out
}

// pages reads every page of a google.golang.org/api list call, each page
// under the retryer.
func pages[R any](ctx context.Context, e *env, fetch func(token string) (R, string, error), fn func(R)) error {
	for token := ""; ; {
		var resp R
		var next string
		err := e.invoke(ctx, func() error {
			var err error
			resp, next, err = fetch(token)
			return err
		})
		if err != nil {
			return err
		}
		fn(resp)
		if next == "" {
			return nil
		}
		token = next
	}
}

// scanServiceAccounts reads the project's service accounts, the keys of
// each (one unpaged call per account), and, from Policy Analyzer, when
// each user-managed key last authenticated: one paged query for the
// whole project instead of one per key.
func scanServiceAccounts(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	var accounts []*iam.ServiceAccount
	err := pages(ctx, e, func(token string) (*iam.ListServiceAccountsResponse, string, error) {
		r, err := cl.iam.Projects.ServiceAccounts.List("projects/" + p.ID).PageSize(100).PageToken(token).Context(ctx).Do()
		if err != nil {
			return nil, "", err
		}
		return r, r.NextPageToken, nil
	}, func(r *iam.ListServiceAccountsResponse) { accounts = append(accounts, r.Accounts...) })
	if err != nil {
		out.Fail(scanError(p.ID, inventory.IAM, opServiceAccounts.String(), []string{inventory.GCPServiceAccount}, err))
		return
	}
	lastUsed, usedErr := keyLastUse(ctx, e, cl, p)
	if usedErr != nil {
		out.Fail(scanError(p.ID, inventory.IAM, opKeyActivity.String(), []string{inventory.GCPServiceAccount},
			fmt.Errorf("when keys were last used is unknown: %w", usedErr)))
	}
	var fails scanners.Failures
	var mu sync.Mutex
	var resources []inventory.Resource
	g := out.Group(p.scope(inventory.IAM), 4)
	scanners.Each(g, accounts, func(sa *iam.ServiceAccount) {
		r := inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Type: inventory.GCPServiceAccount,
			ID: "projects/" + p.ID + "/serviceAccounts/" + sa.Email, Name: sa.Email,
			Identity: &inventory.Identity{Kind: inventory.IdentityServiceAccount}}
		var resp *iam.ListServiceAccountKeysResponse
		err := e.invoke(ctx, func() error {
			var err error
			resp, err = cl.iam.Projects.ServiceAccounts.Keys.List(sa.Name).Context(ctx).Do()
			return err
		})
		if err != nil {
			fails.Add(scanError(p.ID, inventory.IAM, opSAKeys.String(), []string{inventory.GCPServiceAccount}, err))
		} else {
			r.Identity.Keys = inventory.Known(accessKeys(resp.Keys, lastUsed, usedErr == nil))
		}
		mu.Lock()
		resources = append(resources, r)
		mu.Unlock()
	})
	fails.Flush(out)
	out.Add(resources...)
}

// accessKeys normalizes service account keys. A key is active unless it
// is disabled or past its validBeforeTime. lastUsed is known when the
// activity query was read: a key with no activity on record has never
// authenticated.
func accessKeys(keys []*iam.ServiceAccountKey, lastUsed map[string]time.Time, usedKnown bool) []inventory.AccessKey {
	out := []inventory.AccessKey{}
	for _, k := range keys {
		id := lastSegment(k.Name)
		ak := inventory.AccessKey{ID: id, UserManaged: inventory.Known(k.KeyType == "USER_MANAGED")}
		active := !k.Disabled
		if t, err := time.Parse(time.RFC3339, k.ValidBeforeTime); err == nil && !t.After(time.Now()) {
			active = false
		}
		ak.Active = inventory.Known(active)
		if t, err := time.Parse(time.RFC3339, k.ValidAfterTime); err == nil {
			ak.Created = inventory.Known(t.UTC())
		}
		if usedKnown {
			ak.LastUsed = inventory.Known(lastUsed[id])
		}
		out = append(out, ak)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// keyActivity is the activity Policy Analyzer records for a key's last
// authentication.
type keyActivity struct {
	LastAuthenticatedTime time.Time `json:"lastAuthenticatedTime"`
}

// keyLastUse maps each key id of the project to when it last
// authenticated, as Policy Analyzer's serviceAccountKeyLastAuthentication
// activity records it.
func keyLastUse(ctx context.Context, e *env, cl *clients, p *project) (map[string]time.Time, error) {
	parent := "projects/" + p.ID + "/locations/global/activityTypes/serviceAccountKeyLastAuthentication"
	out := map[string]time.Time{}
	var decodeErr error
	err := pages(ctx, e, func(token string) (*policyanalyzer.GoogleCloudPolicyanalyzerV1QueryActivityResponse, string, error) {
		r, err := cl.analyzer.Projects.Locations.ActivityTypes.Activities.Query(parent).PageSize(1000).PageToken(token).Context(ctx).Do()
		if err != nil {
			return nil, "", err
		}
		return r, r.NextPageToken, nil
	}, func(r *policyanalyzer.GoogleCloudPolicyanalyzerV1QueryActivityResponse) {
		for _, a := range r.Activities {
			var act keyActivity
			if err := json.Unmarshal(a.Activity, &act); err != nil {
				decodeErr = fmt.Errorf("decode the activity of %s: %w", a.FullResourceName, err)
				continue
			}
			id := lastSegment(a.FullResourceName)
			if act.LastAuthenticatedTime.After(out[id]) {
				out[id] = act.LastAuthenticatedTime.UTC()
			}
		}
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}

// scanBucketPolicies reads each bucket's IAM policy, at version 3.
func scanBucketPolicies(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	cl, _ := e.clients(ctx)
	buckets, err := p.bucketList(ctx, e)
	if err != nil {
		out.Fail(scanError(p.ID, inventory.IAM, opBuckets.String(), []string{inventory.GCPBucket}, err))
		return
	}
	var fails scanners.Failures
	g := out.Group(p.scope(inventory.IAM), 4)
	pctx := forProject(ctx, p.ID)
	scanners.Each(g, buckets, func(b bucket) {
		pol, err := cl.storage.Bucket(b.name).IAM().V3().Policy(pctx)
		if err != nil {
			fails.Add(scanError(p.ID, inventory.IAM, opBucketPolicy.String(), []string{inventory.GCPBucket}, err))
			return
		}
		r := bucketResource(p, b)
		r.Storage = &inventory.Storage{Bindings: inventory.Known(bindings(pol.Bindings))}
		out.Add(r)
	})
	fails.Flush(out)
}
