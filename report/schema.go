package report

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// FindingsSchemaID is the $id of the findings document's JSON Schema.
const FindingsSchemaID = "https://github.com/ownaudit/ownaudit/configs/schema/findings.schema.json"

// enumDef is a string type of a closed set, shared by every field of that
// type through one definition.
type enumDef struct {
	name        string
	description string
	values      []string
}

// schemaEnums are the closed string types a document uses.
func schemaEnums() map[reflect.Type]enumDef {
	var statuses, severities, domains, roles, clouds []string
	for _, s := range controls.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, s := range controls.Severities {
		severities = append(severities, string(s))
	}
	for _, d := range inventory.Domains {
		domains = append(domains, string(d))
	}
	for _, r := range controls.Roles {
		roles = append(roles, string(r))
	}
	for _, c := range inventory.Clouds {
		clouds = append(clouds, string(c))
	}
	return map[reflect.Type]enumDef{
		reflect.TypeFor[controls.Status]():   {"Status", "fail: the control found a problem; error: it could not be evaluated because an input could not be read; pass: no problem.", statuses},
		reflect.TypeFor[controls.Severity](): {"Severity", "How urgent a failing finding is, most severe first.", severities},
		reflect.TypeFor[inventory.Domain]():  {"Domain", "The area of responsibility.", domains},
		reflect.TypeFor[controls.Role]():     {"Role", "What a party is in the shared-responsibility model.", roles},
		reflect.TypeFor[inventory.Cloud]():   {"Cloud", "The cloud provider.", clouds},
	}
}

// schemaDocs are the descriptions of the schema, by Go type and field.
var schemaDocs = map[string]string{
	"Document":               "The findings of one ownaudit scan.",
	"Document.SchemaVersion": "Version of this document format.",
	"Document.Scan":          "What was scanned, when, with which declaration, and how completely.",
	"Document.Parties":       "The parties of the declaration, in declaration order.",
	"Document.Findings":      "One entry per control and resource, and per ownership problem.",
	"Document.Errors":        "What could not be read, and the controls that leaves unevaluated.",
	"Document.Summary":       "Counts over all findings of the scan, passed ones included even when they are left out of findings.",

	"Scan":               "The scan that produced the document.",
	"Scan.ID":            "Random id of this scan run.",
	"Scan.Tool":          "The program that wrote the document.",
	"Scan.Started":       "When the scan started.",
	"Scan.Finished":      "When the scan finished.",
	"Scan.Declaration":   "The declaration the findings were judged against.",
	"Scan.Source":        "Where the inventory came from: scan (the live clouds), inventory:FILE (a saved snapshot) or demo.",
	"Scan.Targets":       "Every account, subscription or project, and how completely it was read.",
	"Scan.Shard":         "Set when the scan covered one shard of the declared targets (scan --shard); absent in a full scan and in a merge of shards.",
	"Shard":              "Which part of the declared targets a sharded scan covered: those whose hash modulo count is index.",
	"Shard.Index":        "The shard, from 0 to count-1.",
	"Shard.Count":        "How many shards the targets were split into.",
	"Shard.UnusedScopes": "ownership.unused_scope findings the shard held back: the entry may match resources of another shard, so ownaudit merge reports those every shard holds back.",
	"Scan.Resources":     "Resources read per target and type; types with none are left out.",
	"Scan.Scanners":      "One entry per domain scanner run over a target and region, for monitoring (ownaudit_scanner_success).",
	"Scan.APIRequests":   "API requests per operation and outcome, every attempt counted (ownaudit_api_requests_total).",

	"ResourceCount":              "The number of resources of one type in one target.",
	"ScannerRun":                 "One run of a domain scanner.",
	"ScannerRun.Region":          "The region read; absent for global resources (IAM) or a run over a whole target.",
	"ScannerRun.Scanner":         "The domain scanner.",
	"ScannerRun.Success":         "false when the run recorded an error or could not run.",
	"ScannerRun.DurationSeconds": "How long the run took, in seconds.",
	"APIRequestCount":            "Requests to one API operation that ended with one outcome.",
	"APIRequestCount.Service":    "The API, as its IAM action prefix (ec2, iam, ssm, ...).",
	"APIRequestCount.Operation":  "The operation, e.g. DescribeSecurityGroups.",
	"APIRequestCount.Code":       "OK, the provider's error code (e.g. ThrottlingException, AccessDenied), or NetworkError when no answer came back.",
	"Tool":                       "Name and version of the program.",
	"DeclarationRef":             "Path and SHA-256 digest of the declaration file.",
	"TargetStatus":               "One target and how completely it was read.",
	"TargetStatus.Status":        "ok: every domain was read; partial: some domain had an error; failed: every domain had an error.",
	"TargetStatus.Errors":        "Number of errors entries for the target.",

	"Error":               "Something a scanner could not read.",
	"Error.Operation":     "The API operation that failed, e.g. ssm:DescribeInstancePatchStates.",
	"Error.ResourceTypes": "The resource types left unread or incomplete; absent when the whole domain is affected.",
	"Error.Permission":    "The missing permission, when the provider named it.",
	"Error.Controls":      "Controls of the domain over the affected resource types: their findings on those resources are missing or have status error.",

	"Summary":            "Finding counts.",
	"Summary.Total":      "Number of findings.",
	"Summary.ByStatus":   "Findings per status; suppressed findings keep their status and count here as failed.",
	"Summary.Suppressed": "Failed findings a declaration suppression accepts (accepted risk).",
	"Summary.BySeverity": "Findings per severity and status.",
	"Summary.ByDomain":   "Findings per domain and status.",
	"Summary.ByParty":    "Findings per responsible party id and status; unassigned counts findings without a responsible party.",
	"StatusCounts":       "Finding counts per status; fail leaves out the suppressed findings, which suppressed counts.",

	"Party": "Someone who can be responsible.",

	"Finding":                "One result: a control on a resource, or an ownership problem.",
	"Finding.ID":             "Stable id: the same control on the same resource has the same id in every scan, so scans can be compared.",
	"Finding.Control":        "The control id, e.g. firewall.admin_ports_open_to_internet or ownership.unassigned.",
	"Finding.Title":          "The control's title.",
	"Finding.Resource":       "The resource the finding is about.",
	"Finding.Responsible":    "The party declared responsible, and the declaration entry that decided it; null when nobody is.",
	"Finding.ExpectedRoles":  "The roles the responsibility model allows to own this resource type and domain.",
	"Finding.Evidence":       "The values that decided the verdict.",
	"Finding.Message":        "What was found, in one sentence.",
	"Finding.Remediation":    "How to fix it.",
	"Finding.References":     "Benchmark recommendations, as benchmark:id.",
	"Finding.Suppressed":     "Set when a declaration suppression accepts this failing finding (accepted risk); the status stays fail, but --fail-on and the failing counts leave it out.",
	"Suppression":            "The declaration suppression that accepted a finding's risk.",
	"Suppression.Reason":     "Why the risk is accepted.",
	"Suppression.AcceptedBy": "The id of the party that accepted the risk.",
	"Suppression.Expires":    "The last day the acceptance holds, YYYY-MM-DD.",
	"Suppression.Entry":      "Index in the declaration's suppressions, from 0.",
	"ResourceRef":            "Identifies a resource: cloud, target, region, type and provider id together are unique.",
	"ResourceRef.Target":     "The AWS account, Azure subscription or GCP project.",
	"ResourceRef.Type":       "The normalized resource type, e.g. aws.ec2.security_group.",
	"ResourceRef.ID":         "The provider's id of the resource.",
	"Responsible":            "The party a finding is attributed to, and why.",
	"Responsible.Party":      "The party id.",
	"Responsible.DecidedBy":  "The declaration entry that assigned the party.",
	"Decision":               "A declaration entry.",
	"Decision.Entry":         "Index in responsibilities, from 0; in suppressions when via is suppression.",
	"Decision.Via":           "assign (a domain assignment), controls (a per-control override) or suppression (the acceptor of an expired suppression).",
}

// FindingsSchema returns the JSON Schema (draft 2020-12) of the findings
// document, generated from the Go types and refined where a Go type cannot
// say enough: the closed sets, id shapes, a nullable responsible party.
func FindingsSchema() ([]byte, error) {
	enums := schemaEnums()
	r := &jsonschema.Reflector{
		ExpandedStruct: true,
		LookupComment:  declaration.SchemaComments(schemaDocs),
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if e, ok := enums[t]; ok {
				return &jsonschema.Schema{Ref: "#/$defs/" + e.name}
			}
			return nil
		},
	}
	s := r.Reflect(&Document{})
	s.ID = FindingsSchemaID
	s.Title = "ownaudit findings"
	for _, e := range enums {
		values := make([]any, len(e.values))
		for i, v := range e.values {
			values[i] = v
		}
		s.Definitions[e.name] = &jsonschema.Schema{Type: "string", Enum: values, Description: e.description}
	}
	if err := refineFindingsSchema(s); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("findings schema: %w", err)
	}
	return append(b, '\n'), nil
}

// refineFindingsSchema adds what the Go types cannot express. It fails when
// a property it expects is missing, so that a renamed field cannot quietly
// drop a constraint.
func refineFindingsSchema(root *jsonschema.Schema) error {
	defs := root.Definitions
	prop := func(def, name string) (*jsonschema.Schema, error) {
		d := root
		if def != "Document" {
			d = defs[def]
		}
		if d == nil || d.Properties == nil {
			return nil, fmt.Errorf("findings schema: no definition %s", def)
		}
		p, ok := d.Properties.Get(name)
		if !ok {
			return nil, fmt.Errorf("findings schema: no property %s.%s", def, name)
		}
		return p, nil
	}
	ref := func(name string) *jsonschema.Schema { return &jsonschema.Schema{Ref: "#/$defs/" + name} }
	one := uint64(1)
	set := []struct {
		def, name string
		edit      func(p *jsonschema.Schema)
	}{
		{"Document", "schemaVersion", func(p *jsonschema.Schema) { p.Const = SchemaVersion }},
		{"Scan", "id", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"Scan", "source", func(p *jsonschema.Schema) { p.Pattern = `^(scan|demo|inventory:.+)$` }},
		{"Tool", "name", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"DeclarationRef", "sha256", func(p *jsonschema.Schema) { p.Pattern = `^[0-9a-f]{64}$` }},
		{"TargetStatus", "status", func(p *jsonschema.Schema) { p.Enum = []any{TargetOK, TargetPartial, TargetFailed} }},
		{"TargetStatus", "id", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"TargetStatus", "errors", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"Error", "controls", func(p *jsonschema.Schema) { p.Items.Pattern = `^[a-z]+\.[a-z0-9_]+$` }},
		{"Finding", "id", func(p *jsonschema.Schema) { p.Pattern = `^[0-9a-f]{32}$` }},
		{"Finding", "control", func(p *jsonschema.Schema) { p.Pattern = `^[a-z]+\.[a-z0-9_]+$` }},
		{"ResourceRef", "type", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"ResourceRef", "id", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"Responsible", "party", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"Decision", "via", func(p *jsonschema.Schema) { p.Enum = []any{rules.ViaAssign, rules.ViaControls, rules.ViaSuppression} }},
		{"Suppression", "expires", func(p *jsonschema.Schema) { p.Pattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$` }},
		{"Suppression", "acceptedBy", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"Suppression", "entry", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"Summary", "suppressed", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"Decision", "entry", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"Summary", "total", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"ResourceCount", "count", func(p *jsonschema.Schema) { p.Minimum = "1" }},
		{"ResourceCount", "type", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"ScannerRun", "durationSeconds", func(p *jsonschema.Schema) { p.Minimum = "0" }},
		{"APIRequestCount", "count", func(p *jsonschema.Schema) { p.Minimum = "1" }},
		{"APIRequestCount", "code", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"APIRequestCount", "operation", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"Summary", "byStatus", func(p *jsonschema.Schema) { p.PropertyNames = ref("Status") }},
		{"Summary", "bySeverity", func(p *jsonschema.Schema) { p.PropertyNames = ref("Severity") }},
		{"Summary", "byDomain", func(p *jsonschema.Schema) { p.PropertyNames = ref("Domain") }},
	}
	for _, s := range set {
		p, err := prop(s.def, s.name)
		if err != nil {
			return err
		}
		s.edit(p)
	}
	for _, name := range []string{"pass", "fail", "error", "suppressed"} {
		p, err := prop("StatusCounts", name)
		if err != nil {
			return err
		}
		p.Minimum = "0"
	}

	// Responsible is null for a finding nobody is declared responsible for;
	// the key is still required, so that "unassigned" is explicit.
	p, err := prop("Finding", "responsible")
	if err != nil {
		return err
	}
	defs["Finding"].Properties.Set("responsible", &jsonschema.Schema{
		Description: p.Description,
		OneOf:       []*jsonschema.Schema{{Ref: p.Ref}, {Type: "null"}},
	})
	return nil
}
