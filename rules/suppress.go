package rules

import (
	"fmt"
	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"strings"
	"time"
)

// ViaSuppression is the Decision.Via of an ownership.expired_acceptance
// finding: the acceptor was named by a suppressions entry, and
// Decision.Entry is its index in suppressions.
const ViaSuppression = "suppression"

// ScanDay is the day (YYYY-MM-DD, UTC) suppressions are judged against:
// the day the inventory was collected, so that a saved snapshot evaluates
// the same on any later day. A zero time gives year 1, before any expiry.
func ScanDay(collectedAt time.Time) string {
	return collectedAt.UTC().Format(time.DateOnly)
}

// suppress marks f when it is a failing control finding that an
// unexpired suppression matches, and returns the
// ownership.expired_acceptance finding for it when only expired
// suppressions match.
//
// An entry holds through its expires day. When several unexpired entries
// match, the first one in the file marks the finding; when only expired
// ones match, the one that expired last is reported (the first of equals),
// so a finding gets at most one expired_acceptance and its id stays stable.
func (e *worker) suppress(f *Finding) (Finding, bool) {
	d := e.d
	if len(d.Suppressions) == 0 || f.Status != controls.Fail || strings.HasPrefix(f.Control, "ownership.") {
		return Finding{}, false
	}
	live, expired := -1, -1
	for j, s := range d.Suppressions {
		if s.Control != f.Control || !globMatch(s.Resource, f.Resource.ID) {
			continue
		}
		if s.Expires >= e.day {
			live = j
			break
		}
		if expired < 0 || s.Expires > d.Suppressions[expired].Expires {
			expired = j
		}
	}
	switch {
	case live >= 0:
		s := d.Suppressions[live]
		f.Suppressed = &Suppression{Reason: s.Reason, AcceptedBy: s.AcceptedBy, Expires: s.Expires,
			Entry: live, File: s.Pos.File, Line: s.Pos.Line, Column: s.Pos.Column}
	case expired >= 0:
		return expiredAcceptance(d, *f, expired, e.day), true
	}
	return Finding{}, false
}

// expiredAcceptance is the ownership finding for failing finding f, whose
// acceptance by suppressions entry i ran out before day. It is owned by
// the party that accepted the risk, who has to renew or end it.
func expiredAcceptance(d *declaration.Declaration, f Finding, i int, day string) Finding {
	s := d.Suppressions[i]
	owner := &Responsible{
		Party:     s.AcceptedBy,
		DecidedBy: Decision{Entry: i, Via: ViaSuppression, File: s.Pos.File, Line: s.Pos.Line, Column: s.Pos.Column},
	}
	if p, ok := d.Party(s.AcceptedBy); ok {
		owner.Role, owner.Name, owner.Contact = p.Role, p.Name, p.Contact
	}
	c := ownershipControl(OwnershipExpiredAcceptance)
	at := fmt.Sprintf("%s:%d:%d", s.Pos.File, s.Pos.Line, s.Pos.Column)
	msg := fmt.Sprintf("%q accepted %s on %s %q until %s (reason: %q; suppressions[%d] at %s), but the acceptance has expired and the finding still fails on %s",
		s.AcceptedBy, f.Control, f.Resource.Type, f.Resource.ID, s.Expires, s.Reason, i, at, day)
	ev := map[string]any{
		"control": f.Control, "severity": f.Severity, "finding": f.ID, "resource": s.Resource,
		"reason": s.Reason, "acceptedBy": s.AcceptedBy, "expires": s.Expires, "scanDay": day,
		"file": s.Pos.File, "line": s.Pos.Line, "column": s.Pos.Column,
	}
	return ownershipFinding(c, f.Domain, f.Control, f.Resource, owner, []controls.Role{}, msg, ev)
}

// globMatch reports whether name matches pattern, where * matches any run
// of characters ("/" and ":" included, as resource ids are ARNs and paths)
// and ? exactly one character; everything else matches itself.
func globMatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	// star is the position after the last * seen and next the name
	// position it is trying to match from; on a mismatch the * takes one
	// more character.
	star, next := -1, 0
	i, j := 0, 0
	for j < len(n) {
		switch {
		case i < len(p) && p[i] == '*':
			star, next = i+1, j
			i++
		case i < len(p) && (p[i] == '?' || p[i] == n[j]):
			i++
			j++
		case star >= 0:
			next++
			i, j = star, next
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}
