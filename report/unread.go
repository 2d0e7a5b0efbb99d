package report

import (
	"slices"

	"github.com/ownaudit/ownaudit/rules"
)

// where names the cloud, target and region of a failed read:
// "aws 111111111111/eu-west-1".
func (e Error) where() string {
	at := string(e.Cloud) + " " + e.Target
	if e.Region != "" {
		at += "/" + e.Region
	}
	return at
}

// failedRead names a failed read for a reader who wants its cause: the
// operation (or, when unknown, the domain) and where it failed.
func (e Error) failedRead() string {
	return cmpOr(e.Operation, string(e.Domain)) + " in " + e.where()
}

// readFailure finds the failed read that left f's input unread: an errors
// entry of f's cloud, target and domain, in f's region or in none (a
// global read), over f's resource type or every type, that names f's
// control. It is nil when no entry does: the resource was read, but
// without the values the control needs.
func readFailure(errs []Error, f rules.Finding) *Error {
	r := f.Resource
	for i, e := range errs {
		if e.Cloud == r.Cloud && e.Target == r.Target && e.Domain == f.Domain &&
			(e.Region == "" || e.Region == r.Region) &&
			(len(e.ResourceTypes) == 0 || slices.Contains(e.ResourceTypes, r.Type)) &&
			slices.Contains(e.Controls, f.Control) {
			return &errs[i]
		}
	}
	return nil
}
