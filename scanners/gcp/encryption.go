package gcp

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"cloud.google.com/go/asset/apiv1/assetpb"
	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"cloud.google.com/go/sql/apiv1/sqlpb"
	"cloud.google.com/go/storage"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scanEncryption reads a project's disks, SSL policies, Cloud SQL
// instances, buckets' default keys and Cloud KMS keys.
func scanEncryption(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	cl, _ := e.clients(ctx)
	g := out.Group(p.scope(inventory.Encryption), 0)
	g.Go(func() { scanDisks(ctx, e, cl, p, out) })
	g.Go(func() { scanSSLPolicies(ctx, e, cl, p, out) })
	g.Go(func() { scanSQL(ctx, e, cl, p, out) })
	g.Go(func() { scanBucketKeys(ctx, e, p, out) })
	g.Go(func() { scanKeys(ctx, e, cl, p, out) })
	g.Wait()
}

func scanDisks(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	err := each(cl.disks.AggregatedList(ctx, &computepb.AggregatedListDisksRequest{Project: p.ID}, e.retry()).Next,
		func(pair compute.DisksScopedListPair) {
			for _, d := range pair.Value.GetDisks() {
				place := "zones/" + lastSegment(d.GetZone())
				if d.GetRegion() != "" {
					place = "regions/" + lastSegment(d.GetRegion())
				}
				region := regionOf(place)
				if !p.keeps(region) {
					continue
				}
				// Google encrypts every disk; the question is whose key.
				vol := &inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}
				if k := d.GetDiskEncryptionKey(); k != nil {
					vol.KeyManager = inventory.Known(inventory.KeyCustomer)
					vol.KeyID = k.GetKmsKeyName()
				}
				for _, u := range d.GetUsers() {
					vol.AttachedTo = append(vol.AttachedTo, lastSegment(u))
				}
				out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: region, Type: inventory.GCPDisk,
					ID: "projects/" + p.ID + "/" + place + "/disks/" + d.GetName(), Name: d.GetName(), Tags: d.GetLabels(), Volume: vol})
			}
		})
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Encryption, opDisks.String(), []string{inventory.GCPDisk}, err))
	}
}

// tlsVersions maps SSL policies' minTlsVersion to the normalized form.
var tlsVersions = map[string]string{"TLS_1_0": "1.0", "TLS_1_1": "1.1", "TLS_1_2": "1.2", "TLS_1_3": "1.3"}

func scanSSLPolicies(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	err := each(cl.sslPolicies.AggregatedList(ctx, &computepb.AggregatedListSslPoliciesRequest{Project: p.ID}, e.retry()).Next,
		func(pair compute.SslPoliciesScopedListPair) {
			for _, sp := range pair.Value.GetSslPolicies() {
				place, region := "global", ""
				if sp.GetRegion() != "" {
					region = lastSegment(sp.GetRegion())
					place = "regions/" + region
				}
				if !p.keeps(region) {
					continue
				}
				tls := &inventory.TLSEndpoint{Policy: sp.GetName()}
				// An unset minimum is TLS 1.0, the API's default.
				v, known := tlsVersions[sp.GetMinTlsVersion()]
				switch {
				case sp.GetMinTlsVersion() == "":
					tls.MinTLSVersion = inventory.Known("1.0")
				case known:
					tls.MinTLSVersion = inventory.Known(v)
				default:
					tls.MinTLSVersion = inventory.Known(sp.GetMinTlsVersion())
				}
				out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: region, Type: inventory.GCPSSLPolicy,
					ID: "projects/" + p.ID + "/" + place + "/sslPolicies/" + sp.GetName(), Name: sp.GetName(), TLS: tls})
			}
		})
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Encryption, opSSLPolicies.String(), []string{inventory.GCPSSLPolicy}, err))
	}
}

// scanSQL reads the project's Cloud SQL instances. The client's List
// iterator yields the list's warnings rather than its instances, so the
// pages are fetched one by one and the instances taken from each
// response.
func scanSQL(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	it := cl.sql.List(ctx, &sqlpb.SqlInstancesListRequest{Project: p.ID}, e.retry())
	for token := ""; ; {
		_, next, err := it.InternalFetch(0, token)
		if err != nil {
			out.Fail(scanError(p.ID, inventory.Encryption, opSQLInstances.String(), []string{inventory.GCPSQLInstance}, err))
			return
		}
		resp, _ := it.Response.(*sqlpb.InstancesListResponse)
		for _, i := range resp.GetItems() {
			if !p.keeps(i.GetRegion()) {
				continue
			}
			db := &inventory.Database{Engine: i.GetDatabaseVersion().String(), StorageEncrypted: inventory.True,
				KeyManager: inventory.Known(inventory.KeyProvider), RequireTLS: inventory.Known(requiresTLS(i.GetSettings().GetIpConfiguration()))}
			if i.GetDiskEncryptionConfiguration().GetKmsKeyName() != "" {
				db.KeyManager = inventory.Known(inventory.KeyCustomer)
			}
			out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: i.GetRegion(), Type: inventory.GCPSQLInstance,
				ID: "projects/" + p.ID + "/instances/" + i.GetName(), Name: i.GetName(), Tags: i.GetSettings().GetUserLabels(), Database: db})
		}
		if next == "" {
			return
		}
		token = next
	}
}

// requiresTLS reads a Cloud SQL instance's SSL mode, which takes priority
// over the legacy requireSsl flag: only ALLOW_UNENCRYPTED_AND_ENCRYPTED
// lets plaintext connections in.
func requiresTLS(ip *sqlpb.IpConfiguration) bool {
	switch ip.GetSslMode() {
	case sqlpb.IpConfiguration_ENCRYPTED_ONLY, sqlpb.IpConfiguration_TRUSTED_CLIENT_CERTIFICATE_REQUIRED:
		return true
	case sqlpb.IpConfiguration_ALLOW_UNENCRYPTED_AND_ENCRYPTED:
		return false
	}
	return ip.GetRequireSsl().GetValue()
}

// bucket is a bucket as the list answers it; the encryption and IAM
// scanners both need the list, which is read once per project.
type bucket struct {
	name   string
	kmsKey string
	labels map[string]string
}

func (p *project) bucketList(ctx context.Context, e *env) ([]bucket, error) {
	p.bucketsOnce.Do(func() {
		cl, _ := e.clients(ctx)
		it := cl.storage.Buckets(ctx, p.ID)
		p.bucketsErr = each(it.Next, func(b *storage.BucketAttrs) {
			bk := bucket{name: b.Name, labels: b.Labels}
			if b.Encryption != nil {
				bk.kmsKey = b.Encryption.DefaultKMSKeyName
			}
			p.buckets = append(p.buckets, bk)
		})
	})
	return p.buckets, p.bucketsErr
}

func bucketResource(p *project, b bucket) inventory.Resource {
	return inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Type: inventory.GCPBucket, ID: b.name, Name: b.name, Tags: b.labels}
}

func scanBucketKeys(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	buckets, err := p.bucketList(ctx, e)
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Encryption, opBuckets.String(), []string{inventory.GCPBucket}, err))
		return
	}
	for _, b := range buckets {
		r := bucketResource(p, b)
		r.Storage = &inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}
		if b.kmsKey != "" {
			r.Storage.KeyManager = inventory.Known(inventory.KeyCustomer)
		}
		out.Add(r)
	}
}

// keyRingSearch is one Cloud Asset Inventory search for key rings over a
// scope: the project's own, or the organization or folder the project was
// found under, so that one paged search replaces listing key rings in
// every location of every project.
type keyRingSearch struct {
	once      sync.Once
	byProject map[string][]string
	err       error
}

const keyRingType = "cloudkms.googleapis.com/KeyRing"

func (e *env) keyRingsOf(ctx context.Context, cl *clients, p *project) ([]string, error) {
	e.mu.Lock()
	s, ok := e.keyRings[p.assetScope]
	if !ok {
		s = &keyRingSearch{byProject: map[string][]string{}}
		e.keyRings[p.assetScope] = s
	}
	e.mu.Unlock()
	s.once.Do(func() {
		it := cl.asset.SearchAllResources(ctx, &assetpb.SearchAllResourcesRequest{Scope: p.assetScope, AssetTypes: []string{keyRingType}, PageSize: 500}, e.retry())
		s.err = each(it.Next, func(r *assetpb.ResourceSearchResult) {
			// //cloudkms.googleapis.com/projects/ID/locations/L/keyRings/R
			name := strings.TrimPrefix(r.GetName(), "//cloudkms.googleapis.com/")
			parts := strings.Split(name, "/")
			if len(parts) == 6 && parts[0] == "projects" {
				s.byProject[parts[1]] = append(s.byProject[parts[1]], name)
			}
		})
	})
	return s.byProject[p.ID], s.err
}

func scanKeys(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	rings, err := e.keyRingsOf(ctx, cl, p)
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Encryption, opSearchResources.String(), []string{inventory.GCPCryptoKey},
			fmt.Errorf("find the key rings in %s: %w", p.assetScope, err)))
		return
	}
	var fails scanners.Failures
	g := out.Group(p.scope(inventory.Encryption), 4)
	scanners.Each(g, rings, func(ring string) {
		location := strings.Split(ring, "/")[3]
		if location != "global" && !p.keeps(location) {
			return
		}
		err := each(cl.kms.ListCryptoKeys(ctx, &kmspb.ListCryptoKeysRequest{Parent: ring}, e.retry()).Next, func(k *kmspb.CryptoKey) {
			region := location
			if region == "global" {
				region = ""
			}
			out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: region, Type: inventory.GCPCryptoKey,
				ID: k.GetName(), Name: lastSegment(k.GetName()), Tags: k.GetLabels(), Key: cryptoKey(k)})
		})
		if err != nil {
			fails.Add(scanError(p.ID, inventory.Encryption, opCryptoKeys.String(), []string{inventory.GCPCryptoKey}, err))
		}
	})
	fails.Flush(out)
}

// cryptoKey normalizes a Cloud KMS key. Only symmetric (ENCRYPT_DECRYPT)
// keys rotate automatically; they do when a rotation period is set. The
// period is counted in whole days, rounded up, so that a period a second
// over the allowed maximum is over it.
func cryptoKey(k *kmspb.CryptoKey) *inventory.Key {
	key := &inventory.Key{KeyManager: inventory.Known(inventory.KeyCustomer),
		Symmetric: inventory.Known(k.GetPurpose() == kmspb.CryptoKey_ENCRYPT_DECRYPT)}
	if pv := k.GetPrimary(); pv != nil {
		key.State = pv.GetState().String()
	}
	period := k.GetRotationPeriod()
	key.RotationEnabled = inventory.Known(period != nil)
	if period != nil {
		secs := period.GetSeconds()
		if period.GetNanos() > 0 {
			secs++
		}
		key.RotationPeriodDays = inventory.Known(int((secs + 86399) / 86400))
	}
	return key
}
