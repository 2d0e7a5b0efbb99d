package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// parsePolicy reads an IAM policy document (an identity policy or a
// resource policy such as an S3 bucket policy) into normalized statements.
//
// IAM lets most elements be a single value or a list, so every element is
// accepted in both shapes. Principals become plain strings, "*" standing
// for everyone whether written as "*" or {"AWS": "*"}. Condition values
// become strings (IAM compares them as strings; true and "true" are the
// same) and conditions are sorted, because JSON objects have no order and
// the inventory must be the same on every run.
//
// NotPrincipal and NotResource are kept as they are written: which
// verdicts they could change is the controls' judgement, so one such
// statement does not leave the whole policy unknown.
func parsePolicy(doc string) ([]inventory.Statement, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := policyDecode([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	if len(bytes.TrimSpace(raw.Statement)) == 0 || bytes.Equal(bytes.TrimSpace(raw.Statement), []byte("null")) {
		return nil, errors.New("policy document has no Statement")
	}
	var elems []json.RawMessage
	if t := bytes.TrimSpace(raw.Statement); t[0] == '[' {
		if err := policyDecode(t, &elems); err != nil {
			return nil, fmt.Errorf("policy Statement: %w", err)
		}
	} else {
		elems = []json.RawMessage{t}
	}
	out := make([]inventory.Statement, 0, len(elems))
	for i, e := range elems {
		st, err := parsePolicyStatement(e)
		if err != nil {
			return nil, fmt.Errorf("policy statement %d: %w", i, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// policyStatement is one statement as written; the elements that may be
// one value or a list stay raw until normalized.
type policyStatement struct {
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       json.RawMessage
	NotAction    json.RawMessage
	Resource     json.RawMessage
	NotResource  json.RawMessage
	Condition    map[string]map[string]json.RawMessage
}

func parsePolicyStatement(b []byte) (inventory.Statement, error) {
	var ps policyStatement
	if err := policyDecode(b, &ps); err != nil {
		return inventory.Statement{}, err
	}
	// IAM matches Effect exactly; anything else is a malformed document
	// whose meaning we cannot know.
	if ps.Effect != "Allow" && ps.Effect != "Deny" {
		return inventory.Statement{}, fmt.Errorf("effect %q is neither Allow nor Deny", ps.Effect)
	}
	st := inventory.Statement{Effect: ps.Effect}
	var err error
	if st.Principals, err = policyPrincipals(ps.Principal); err != nil {
		return inventory.Statement{}, fmt.Errorf("element Principal: %w", err)
	}
	if st.NotPrincipals, err = policyPrincipals(ps.NotPrincipal); err != nil {
		return inventory.Statement{}, fmt.Errorf("element NotPrincipal: %w", err)
	}
	if st.NotResources, err = policyStrings(ps.NotResource); err != nil {
		return inventory.Statement{}, fmt.Errorf("element NotResource: %w", err)
	}
	if st.Actions, err = policyStrings(ps.Action); err != nil {
		return inventory.Statement{}, fmt.Errorf("element Action: %w", err)
	}
	if st.NotActions, err = policyStrings(ps.NotAction); err != nil {
		return inventory.Statement{}, fmt.Errorf("element NotAction: %w", err)
	}
	if st.Resources, err = policyStrings(ps.Resource); err != nil {
		return inventory.Statement{}, fmt.Errorf("element Resource: %w", err)
	}
	if st.Conditions, err = policyConditions(ps.Condition); err != nil {
		return inventory.Statement{}, fmt.Errorf("element Condition: %w", err)
	}
	return st, nil
}

// policyPrincipals flattens "*" or {"AWS": ..., "Service": ..., "Federated": ...,
// "CanonicalUser": ...} into one list. Map keys are walked in sorted order
// so the list is stable.
func policyPrincipals(b json.RawMessage) ([]string, error) {
	if !policyPresent(b) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "*" {
			return nil, fmt.Errorf("string principal %q is not \"*\"", s)
		}
		return []string{"*"}, nil
	}
	var m map[string]json.RawMessage
	if err := policyDecode(b, &m); err != nil {
		return nil, errors.New("neither \"*\" nor an object")
	}
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var out []string
	for _, k := range kinds {
		vs, err := policyStrings(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// policyConditions turns {operator: {key: value-or-list}} into a sorted list.
func policyConditions(m map[string]map[string]json.RawMessage) ([]inventory.Condition, error) {
	var out []inventory.Condition
	for op, keys := range m {
		for key, raw := range keys {
			vs, err := policyStrings(raw)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", op, key, err)
			}
			if vs == nil {
				vs = []string{}
			}
			out = append(out, inventory.Condition{Operator: op, Key: key, Values: vs})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// policyStrings reads a scalar or a list of scalars as strings. Booleans
// and numbers keep their JSON spelling ("true", "10"), which is how IAM
// compares them.
func policyStrings(b json.RawMessage) ([]string, error) {
	if !policyPresent(b) {
		return nil, nil
	}
	t := bytes.TrimSpace(b)
	if t[0] == '[' {
		var items []json.RawMessage
		if err := policyDecode(t, &items); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, err := policyScalar(it)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := policyScalar(t)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// policyScalar returns a JSON string, boolean or number as a string.
func policyScalar(b json.RawMessage) (string, error) {
	var v any
	if err := policyDecode(b, &v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case json.Number:
		return v.String(), nil
	}
	return "", fmt.Errorf("%s is not a string, number or boolean", strings.TrimSpace(string(b)))
}

// policyPresent reports whether an element was written with a value.
func policyPresent(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// policyDecode decodes one JSON value, keeping numbers exact and refusing
// trailing data.
func policyDecode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
