package scanners

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// TestMergeKeepsEveryFacet adds two partial reads of one resource, each
// with one facet set, for every pair of Resource's facet fields and in both
// orders, and checks that the merged resource has both. The fields are
// found by reflection, so a facet added to Resource and forgotten in
// mergeResource fails here.
func TestMergeKeepsEveryFacet(t *testing.T) {
	rt := reflect.TypeFor[inventory.Resource]()
	var facets []reflect.StructField
	for i := range rt.NumField() {
		if f := rt.Field(i); f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
			facets = append(facets, f)
		}
	}
	if len(facets) < 14 {
		t.Fatalf("found %d facet fields, want at least 14", len(facets))
	}
	with := func(f reflect.StructField) inventory.Resource {
		r := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Type: inventory.AWSDBInstance, ID: "db-1"}
		reflect.ValueOf(&r).Elem().FieldByIndex(f.Index).Set(reflect.New(f.Type.Elem()))
		return r
	}
	for _, a := range facets {
		for _, b := range facets {
			s := NewSink()
			s.Add(with(a))
			s.Add(with(b))
			var inv inventory.Inventory
			s.Fill(&inv)
			if len(inv.Resources) != 1 {
				t.Fatalf("two reads of one resource gave %d resources, want 1", len(inv.Resources))
			}
			got := reflect.ValueOf(inv.Resources[0])
			for _, f := range []reflect.StructField{a, b} {
				if got.FieldByIndex(f.Index).IsNil() {
					t.Errorf("merging a read with %s and then one with %s lost %s", a.Name, b.Name, f.Name)
				}
			}
		}
	}
}

// TestMergeKeepsTagsAndName checks the header fields a second read may
// bring: its name when the first had none, and tags, the first read's
// winning where both have a key.
func TestMergeKeepsTagsAndName(t *testing.T) {
	s := NewSink()
	r := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSBucket, ID: "b"}
	first, second := r, r
	first.Tags = map[string]string{"team": "a"}
	second.Name, second.Tags = "bucket-b", map[string]string{"team": "b", "env": "prod"}
	s.Add(first)
	s.Add(second)
	var inv inventory.Inventory
	s.Fill(&inv)
	got := inv.Resources[0]
	if got.Name != "bucket-b" || got.Tags["team"] != "a" || got.Tags["env"] != "prod" {
		t.Errorf("merged = name %q tags %v, want bucket-b with team=a env=prod", got.Name, got.Tags)
	}
}

// TestMergeKeepsEveryFieldOfAFacet adds two reads of one bucket whose
// storage facets each know part of it, as GCP's encryption scanner (the
// default key) and IAM scanner (the bindings) read it, and checks that the
// merged facet knows both parts, and the first read wins where both do.
func TestMergeKeepsEveryFieldOfAFacet(t *testing.T) {
	s := NewSink()
	r := inventory.Resource{Cloud: inventory.GCP, Target: "p", Type: inventory.GCPBucket, ID: "b"}
	keys, iam := r, r
	keys.Storage = &inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}
	bindings := []inventory.Binding{{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}}}
	iam.Storage = &inventory.Storage{Bindings: inventory.Known(bindings), KeyManager: inventory.Known(inventory.KeyCustomer)}
	s.Add(keys)
	s.Add(iam)
	var inv inventory.Inventory
	s.Fill(&inv)
	got := inv.Resources[0].Storage
	if b, ok := got.Bindings.Get(); !ok || len(b) != 1 {
		t.Errorf("merged bindings = %v, want the IAM read's", got.Bindings)
	}
	if m, _ := got.KeyManager.Get(); m != inventory.KeyProvider || !got.Encrypted.IsKnown() {
		t.Errorf("merged key manager = %v, encrypted %v: want the first read's", got.KeyManager, got.Encrypted)
	}
	if _, ok := keys.Storage.Bindings.Get(); ok {
		t.Error("merging changed the first read's own facet")
	}
}

func TestStreamingSinkHandsOnCompleteResourcesOnce(t *testing.T) {
	s := NewSink()
	var got []string
	s.Stream(func(r inventory.Resource) {
		got = append(got, r.ID+":"+strings.Join(r.Facets(), ","))
	})
	sg := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Type: inventory.AWSSecurityGroup, ID: "sg-1",
		Firewall: &inventory.FirewallRules{}}
	db := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Type: inventory.AWSDBInstance, ID: "db-1"}
	up, enc := db, db
	up.Upgrade = &inventory.ManagedUpgrade{}
	enc.Database = &inventory.Database{}
	half := db
	half.ID = "db-2"
	half.Upgrade = &inventory.ManagedUpgrade{}

	s.Add(sg, up, half)
	if want := []string{"sg-1:firewall"}; !slices.Equal(got, want) {
		t.Fatalf("after the first parts, handed on %v, want %v: a complete resource at once, partial ones held", got, want)
	}
	s.Add(enc, sg)
	if want := []string{"sg-1:firewall", "db-1:upgrade,database"}; !slices.Equal(got, want) {
		t.Fatalf("after the second parts, handed on %v, want %v: the merged resource once complete, no repeat", got, want)
	}
	s.Flush()
	if want := []string{"sg-1:firewall", "db-1:upgrade,database", "db-2:upgrade"}; !slices.Equal(got, want) {
		t.Fatalf("after Flush, handed on %v, want %v: the incomplete resource at the end", got, want)
	}
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(inv.Resources) != 0 {
		t.Errorf("a streaming sink still holds %d resources after Flush", len(inv.Resources))
	}
}

// TestStreamingSinkWaitsForEveryPartOfAFacet streams a GCS bucket whose
// storage facet the encryption and IAM scanners each read a part of: the
// bucket is handed on once, with both parts, however the reads arrive.
func TestStreamingSinkWaitsForEveryPartOfAFacet(t *testing.T) {
	r := inventory.Resource{Cloud: inventory.GCP, Target: "p", Type: inventory.GCPBucket, ID: "b"}
	keys, iam := r, r
	keys.Storage = &inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}
	iam.Storage = &inventory.Storage{Bindings: inventory.Known([]inventory.Binding{{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}}})}
	for _, order := range [][]inventory.Resource{{keys, iam}, {iam, keys}} {
		s := NewSink()
		var got []inventory.Resource
		s.Stream(func(r inventory.Resource) { got = append(got, r) })
		s.Add(order[0])
		if len(got) != 0 {
			t.Fatalf("handed on the bucket after one part: %+v", got[0].Storage)
		}
		s.Add(order[1])
		s.Flush()
		if len(got) != 1 {
			t.Fatalf("handed on %d buckets, want 1", len(got))
		}
		st := got[0].Storage
		if _, ok := st.Bindings.Get(); !ok || !st.Encrypted.IsKnown() {
			t.Errorf("streamed bucket = %+v, want the bindings and the key", st)
		}
	}
}
