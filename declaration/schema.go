package declaration

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/ownaudit/ownaudit/inventory"
)

// SchemaID is the $id of the declaration's JSON Schema.
const SchemaID = "https://github.com/ownaudit/ownaudit/configs/schema/declaration.schema.json"

// Schema returns the JSON Schema (draft 2020-12) of the declaration,
// generated from the Go types and refined where a Go type cannot say
// enough (id shapes, the four domain keys, either assign or controls).
// Editors use it for completion; the parser remains the authority, as the
// schema cannot check references between parties and entries.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag: "yaml",
		// Required keys are set below: a missing match is allowed, which
		// the tags alone would not say.
		RequiredFromJSONSchemaTags: true,
		LookupComment:              SchemaComments(schemaDocs),
	}
	s := r.Reflect(&Declaration{})
	s.ID = SchemaID
	s.Title = "ownaudit declaration"
	if err := refineSchema(s.Definitions); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("declaration schema: %w", err)
	}
	return append(b, '\n'), nil
}

// schemaDocs are the descriptions an editor shows, by Go type and field.
var schemaDocs = map[string]string{
	"Declaration":                         "Who owns which responsibility (firewall, patching, encryption, iam) for which cloud resources.",
	"Declaration.Version":                 "Format version; this ownaudit reads version 1.",
	"Declaration.Parties":                 "Everyone who can be responsible: the customer, its managed-service providers, the cloud providers.",
	"Declaration.Targets":                 "What to scan, per cloud. Without targets ownaudit scans what the ambient credentials reach.",
	"Declaration.Responsibilities":        "Entries that assign owners to matched resources. Later entries override earlier ones, per domain.",
	"Declaration.OwnershipTag":            "A resource tag whose value must name the responsible party; a disagreeing tag is an ownership.tag_conflict finding.",
	"Declaration.Settings":                "Thresholds of some controls; anything left out takes its default.",
	"Declaration.Suppressions":            "Accepted risks: failing findings of a control on matching resources are marked suppressed until a date, and do not count for --fail-on.",
	"Declaration.RateLimits":              "Lower request rates for targets whose quotas are smaller than the provider's defaults. A limit can only lower ownaudit's own pace, never raise it.",
	"RateLimit":                           "Holds the APIs that api matches, in one target, to perSecond calls a second, per region and per API.",
	"RateLimit.Target":                    "An AWS account id (quoted), an Azure subscription id or a GCP project id; its shape says the cloud.",
	"RateLimit.API":                       "An API name or a pattern with * (any characters), case ignored: ec2:Describe* (AWS service:Operation), Microsoft.Compute/* (Azure RBAC action of a Resource Manager read), compute.*.list (GCP service.resource.method).",
	"RateLimit.PerSecond":                 "Calls a second, above 0 and at most ownaudit's own pace for every API matched.",
	"RateLimit.Burst":                     "Calls that may start at once; one second's worth of perSecond when left out.",
	"SuppressionEntry":                    "One accepted risk, by a declared party, until a date.",
	"SuppressionEntry.Control":            "The control id whose failing findings are accepted (see `ownaudit controls`); ownership findings cannot be suppressed.",
	"SuppressionEntry.Resource":           "The finding's resource id, or a glob over it: * matches any characters, ? one.",
	"SuppressionEntry.Reason":             "Why the risk is accepted.",
	"SuppressionEntry.AcceptedBy":         "The id of the declared party that accepts the risk; it owns the ownership.expired_acceptance finding once the suppression expires.",
	"SuppressionEntry.Expires":            "The last day the acceptance holds, YYYY-MM-DD, compared with the day the inventory was collected.",
	"Party":                               "Someone who can be responsible.",
	"Party.ID":                            "Short id the rest of the file refers to: lowercase letters, digits, '.', '_' or '-'.",
	"Party.Role":                          "What the party is in the shared-responsibility model.",
	"Party.Name":                          "Display name shown in reports.",
	"Party.Contact":                       "Where to send findings, e.g. a team mailbox.",
	"Targets":                             "What is scanned, per cloud.",
	"Targets.AWS":                         "AWS accounts, or every account of an AWS Organization.",
	"Targets.Azure":                       "Azure subscriptions, management groups, or all visible subscriptions.",
	"Targets.GCP":                         "Google Cloud projects.",
	"AWSTarget":                           "One AWS account, or every active account of the organization.",
	"AWSTarget.Account":                   "The 12-digit account id, quoted.",
	"AWSTarget.AssumeRole":                "ARN of a role in the account to assume for reading; without it the ambient credentials are used.",
	"AWSTarget.ExternalID":                "External id the role's trust policy requires.",
	"AWSTarget.Organization":              "List the organization's accounts and scan each active one.",
	"AWSTarget.AssumeRoleName":            "With organization: the role name to assume in every member account.",
	"AWSTarget.Regions":                   "Regions to scan; without it every enabled region.",
	"AzureTarget":                         "One Azure subscription, every subscription below a management group, or every subscription the credentials can see.",
	"AzureTarget.Subscription":            "The subscription id (a GUID).",
	"AzureTarget.ManagementGroup":         "A management group id: scan every subscription below it, at any depth.",
	"AzureTarget.AllSubscriptions":        "Scan every subscription the credentials can see.",
	"AzureTarget.Cloud":                   "The sovereign cloud the target is in; AzurePublic when absent.",
	"AzureTarget.Regions":                 "Regions (locations) to scan; without it all of them.",
	"GCPTarget":                           "One Google Cloud project, or every active project under an organization or folder.",
	"GCPTarget.Project":                   "The project id (not its number).",
	"GCPTarget.Organization":              "An organization's number: every ACTIVE project under it, at any depth.",
	"GCPTarget.Folder":                    "A folder's number: every ACTIVE project under it, at any depth.",
	"GCPTarget.Regions":                   "Regions to scan; without it all of them.",
	"Responsibility":                      "One entry: what it matches and whom it assigns. It needs assign, controls or both.",
	"Responsibility.Match":                "Which resources the entry selects; every field set must match, and an empty or absent match selects everything.",
	"Responsibility.Assign":               "Owner per domain: a party id for firewall, patching, encryption or iam.",
	"Responsibility.Controls":             "Owner per control id (see `ownaudit controls`); overrides assign for that control.",
	"Match":                               "Selects resources. Every field that is set must match.",
	"Match.Cloud":                         "Only resources of this cloud.",
	"Match.Targets":                       "Only resources in these accounts, subscriptions or projects.",
	"Match.Regions":                       "Only resources in these regions; global resources never match a region list.",
	"Match.ResourceTypes":                 "Only these resource types; glob patterns such as aws.ec2.* are allowed.",
	"Match.Tags":                          "Only resources carrying these tags with these values; the value \"*\" matches any value.",
	"Settings":                            "Thresholds of some controls.",
	"Settings.AccessKeyMaxAgeDays":        "iam.access_key_rotation: an active access key older than this fails.",
	"Settings.PatchAssessmentMaxAgeDays":  "patching.assessment_stale: a patch assessment older than this fails.",
	"Settings.RequireCustomerManagedKeys": "encryption.provider_managed_key runs only when true.",
	"Settings.KeyRotationMaxDays":         "encryption.key_rotation_disabled: a rotation period longer than this fails.",
	"Settings.UnusedCredentialsDays":      "iam.unused_credentials: a password or key unused for this long fails.",
	"Settings.MaxOwners":                  "iam.too_many_owners: more principals than this with the owner role fails.",
}

// SchemaComments returns a schema reflector's comment lookup over docs,
// which are keyed by Go type name ("Party") and type.field ("Party.ID").
func SchemaComments(docs map[string]string) func(t reflect.Type, field string) string {
	return func(t reflect.Type, field string) string {
		if field == "" {
			return docs[t.Name()]
		}
		return docs[t.Name()+"."+field]
	}
}

// Patterns the schema shares with the parser.
const (
	schemaPartyID    = `^[a-z0-9][a-z0-9_.-]*$`
	schemaRoleARN    = `^arn:aws(-cn|-us-gov|-iso|-iso-b|-eusc)?:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`
	schemaRoleName   = `^[\w+=,.@-]{1,64}$`
	schemaAzureSub   = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	schemaGCPProject = `^[a-z][a-z0-9-]{4,28}[a-z0-9]$`
	schemaGCPNode    = `^[0-9]{1,20}$`
	schemaControlID  = `^(firewall|patching|encryption|iam)\.[a-z0-9_]+$`
	// A resource type glob has a wildcard; plain names are in the enum.
	schemaTypeGlob = `^(aws|azure|gcp)\.[a-z0-9_.*?\[\]!-]*[*?\[]`
)

// refineSchema adds what the Go types cannot express. It fails when a
// definition it expects is missing, so that a renamed type cannot quietly
// drop a constraint.
func refineSchema(defs jsonschema.Definitions) error {
	prop := func(def, name string) (*jsonschema.Schema, error) {
		d, ok := defs[def]
		if !ok || d.Properties == nil {
			return nil, fmt.Errorf("declaration schema: no definition %s", def)
		}
		p, ok := d.Properties.Get(name)
		if !ok {
			return nil, fmt.Errorf("declaration schema: no property %s.%s", def, name)
		}
		return p, nil
	}
	str := func(pattern string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "string", Pattern: pattern}
	}
	one := uint64(1)
	set := []struct {
		def, name string
		edit      func(p *jsonschema.Schema)
	}{
		{"Declaration", "responsibilities", func(p *jsonschema.Schema) { p.MinItems = &one }},
		{"Declaration", "ownershipTag", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"AWSTarget", "assumeRole", func(p *jsonschema.Schema) { p.Pattern = schemaRoleARN }},
		{"AWSTarget", "assumeRoleName", func(p *jsonschema.Schema) { p.Pattern = schemaRoleName }},
		{"AWSTarget", "externalId", func(p *jsonschema.Schema) { p.Pattern = `^[\w+=,.@:/-]{2,}$` }},
		{"AzureTarget", "subscription", func(p *jsonschema.Schema) { p.Pattern = schemaAzureSub }},
		{"AzureTarget", "managementGroup", func(p *jsonschema.Schema) { p.Pattern = azureGroupRe.String() }},
		{"GCPTarget", "project", func(p *jsonschema.Schema) { p.Pattern = schemaGCPProject }},
		{"GCPTarget", "organization", func(p *jsonschema.Schema) { p.Pattern = schemaGCPNode }},
		{"GCPTarget", "folder", func(p *jsonschema.Schema) { p.Pattern = schemaGCPNode }},
		{"Match", "targets", func(p *jsonschema.Schema) {
			p.Items = &jsonschema.Schema{Type: "string", AnyOf: []*jsonschema.Schema{
				{Pattern: awsAccountRe.String()}, {Pattern: schemaAzureSub}, {Pattern: schemaGCPProject},
			}}
		}},
		{"Match", "regions", func(p *jsonschema.Schema) {
			p.Items = &jsonschema.Schema{Type: "string", AnyOf: []*jsonschema.Schema{
				{Pattern: regionRe[inventory.AWS].String()}, {Pattern: regionRe[inventory.Azure].String()}, {Pattern: regionRe[inventory.GCP].String()},
			}}
		}},
		{"Match", "resourceTypes", func(p *jsonschema.Schema) {
			var names []any
			for _, n := range inventory.TypeNames() {
				names = append(names, n)
			}
			p.Items = &jsonschema.Schema{Type: "string", AnyOf: []*jsonschema.Schema{{Enum: names}, {Pattern: schemaTypeGlob}}}
		}},
		{"Responsibility", "assign", func(p *jsonschema.Schema) {
			p.Properties = orderedmap.New[string, *jsonschema.Schema]()
			for _, d := range inventory.Domains {
				p.Properties.Set(string(d), str(schemaPartyID))
			}
			p.AdditionalProperties = jsonschema.FalseSchema
		}},
		{"RateLimit", "target", func(p *jsonschema.Schema) {
			p.AnyOf = []*jsonschema.Schema{{Pattern: awsAccountRe.String()}, {Pattern: schemaAzureSub}, {Pattern: schemaGCPProject}}
		}},
		{"RateLimit", "api", func(p *jsonschema.Schema) { p.Pattern = `\S` }},
		{"SuppressionEntry", "control", func(p *jsonschema.Schema) { p.Pattern = schemaControlID }},
		{"SuppressionEntry", "resource", func(p *jsonschema.Schema) { p.MinLength = &one }},
		{"SuppressionEntry", "reason", func(p *jsonschema.Schema) { p.Pattern = `\S` }},
		{"SuppressionEntry", "acceptedBy", func(p *jsonschema.Schema) { p.Pattern = schemaPartyID }},
		{"SuppressionEntry", "expires", func(p *jsonschema.Schema) {
			p.Pattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
			p.Format = "date"
		}},
		{"Responsibility", "controls", func(p *jsonschema.Schema) {
			p.PropertyNames = str(schemaControlID)
			p.AdditionalProperties = str(schemaPartyID)
		}},
	}
	for _, c := range []inventory.Cloud{inventory.AWS, inventory.Azure, inventory.GCP} {
		def := map[inventory.Cloud]string{inventory.AWS: "AWSTarget", inventory.Azure: "AzureTarget", inventory.GCP: "GCPTarget"}[c]
		re := regionRe[c].String()
		set = append(set, struct {
			def, name string
			edit      func(p *jsonschema.Schema)
		}{def, "regions", func(p *jsonschema.Schema) { p.Items = str(re) }})
	}
	for _, s := range set {
		p, err := prop(s.def, s.name)
		if err != nil {
			return err
		}
		s.edit(p)
	}

	required := map[string][]string{
		"Declaration":      {"version", "parties", "responsibilities"},
		"Party":            {"id", "role"},
		"SuppressionEntry": {"control", "resource", "reason", "acceptedBy", "expires"},
		"RateLimit":        {"target", "api", "perSecond"},
	}
	for def, keys := range required {
		d, ok := defs[def]
		if !ok {
			return fmt.Errorf("declaration schema: no definition %s", def)
		}
		d.Required = keys
	}
	// An entry needs an owner somewhere; an AWS target is one account or
	// the whole organization, never both.
	defs["Responsibility"].AnyOf = []*jsonschema.Schema{
		{Required: []string{"assign"}, Properties: minProps("assign")},
		{Required: []string{"controls"}, Properties: minProps("controls")},
	}
	orgTrue := orderedmap.New[string, *jsonschema.Schema]()
	orgTrue.Set("organization", &jsonschema.Schema{Const: true})
	defs["AWSTarget"].If = &jsonschema.Schema{Properties: orgTrue, Required: []string{"organization"}}
	defs["AWSTarget"].Then = &jsonschema.Schema{Not: &jsonschema.Schema{Required: []string{"account"}}}
	defs["AWSTarget"].Else = &jsonschema.Schema{Required: []string{"account"}}
	// An Azure target is exactly one of its three kinds.
	allTrue := orderedmap.New[string, *jsonschema.Schema]()
	allTrue.Set("allSubscriptions", &jsonschema.Schema{Const: true})
	defs["AzureTarget"].OneOf = []*jsonschema.Schema{
		{Required: []string{"subscription"}},
		{Required: []string{"managementGroup"}},
		{Required: []string{"allSubscriptions"}, Properties: allTrue},
	}
	// A GCP target is one project, or an organization, or a folder.
	defs["GCPTarget"].OneOf = []*jsonschema.Schema{
		{Required: []string{"project"}}, {Required: []string{"organization"}}, {Required: []string{"folder"}},
	}
	return nil
}

// minProps says that the object under key has at least one property.
func minProps(key string) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	one := uint64(1)
	m := orderedmap.New[string, *jsonschema.Schema]()
	m.Set(key, &jsonschema.Schema{MinProperties: &one})
	return m
}
