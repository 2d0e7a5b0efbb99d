package inventory

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// facetFields returns Resource's facet fields: every pointer to a struct.
// A facet added to Resource shows up here without anyone listing it.
func facetFields(t *testing.T) []reflect.StructField {
	t.Helper()
	var out []reflect.StructField
	rt := reflect.TypeFor[Resource]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
			out = append(out, f)
		}
	}
	if len(out) < 14 {
		t.Fatalf("found %d facet fields in Resource, want at least the 14 it had when this test was written", len(out))
	}
	return out
}

// jsonName is the field's name in the inventory JSON.
func jsonName(f reflect.StructField) string {
	return strings.Split(f.Tag.Get("json"), ",")[0]
}

func TestFacetsNamesEveryFacetField(t *testing.T) {
	for _, f := range facetFields(t) {
		var r Resource
		reflect.ValueOf(&r).Elem().FieldByIndex(f.Index).Set(reflect.New(f.Type.Elem()))
		if got := r.Facets(); !slices.Equal(got, []string{jsonName(f)}) {
			t.Errorf("Facets() with only %s set = %v, want [%s]", f.Name, got, jsonName(f))
		}
	}
}

func TestTypesNameOnlyRealFacets(t *testing.T) {
	var names []string
	for _, f := range facetFields(t) {
		names = append(names, jsonName(f))
	}
	for _, typ := range TypeNames() {
		for _, f := range Types[typ].Facets {
			if !slices.Contains(names, f) {
				t.Errorf("Types[%q].Facets names %q, which is no facet of Resource (%v)", typ, f, names)
			}
		}
	}
}

func TestValidateRefusesAFacetTheTypeLacks(t *testing.T) {
	r := Resource{Cloud: AWS, Target: "111111111111", Type: AWSSecurityGroup, ID: "sg-1", Firewall: &FirewallRules{}}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate(security group with firewall rules) = %v, want nil", err)
	}
	r.Volume = &Volume{}
	err := r.Validate()
	if err == nil || !strings.Contains(err.Error(), "volume facet") {
		t.Errorf("Validate(security group with a volume) = %v, want an error naming the volume facet", err)
	}
	r.Firewall, r.Volume = nil, nil
	if err := r.Validate(); err != nil {
		t.Errorf("Validate(security group whose rules were not read) = %v, want nil: a missing facet is unknown, not invalid", err)
	}
}
