package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Page sizes the encryption scanner asks for: each API's maximum, so a
// region takes as few requests as it can. Tests lower them to read several
// pages from a small world.
var (
	volumePageSize   int32 = 500  // ec2:DescribeVolumes MaxResults, 5-500
	kmsKeyPageSize   int32 = 1000 // kms:ListKeys Limit, 1-1000
	kmsAliasPageSize int32 = 100  // kms:ListAliases Limit, 1-100
	kmsTagPageSize   int32 = 50   // kms:ListResourceTags Limit, 1-50
	rdsPageSize      int32 = 100  // rds:DescribeDBInstances MaxRecords, 20-100
	elbPageSize      int32 = 400  // elbv2 PageSize, 1-400
	// bucketPageSize is S3's max-buckets; 1000 is inside both ranges the
	// documentation has given for it (1-1000 and 1-10000).
	bucketPageSize int32 = 1000
	// sslPolicyBatch is how many policy names one DescribeSSLPolicies asks
	// for.
	sslPolicyBatch = 20
	// elbTagBatch is how many load balancers one DescribeTags names: ELBv2
	// takes at most 20 ARNs a call.
	elbTagBatch = 20
)

// encryptionFetches bounds the per-item calls (DescribeKey, DescribeListeners,
// the bucket reads) of one region in flight at once; the scheduler paces
// them further.
const encryptionFetches = 8

// Resource types whose key manager comes from the KMS catalogue of their
// region: if the catalogue is incomplete, so are they.
var keyedTypes = []string{inventory.AWSKMSKey, inventory.AWSVolume, inventory.AWSDBInstance, inventory.AWSBucket}

// scanEncryption reads, per account and region, the EBS volumes and the
// region's encryption-by-default switch, the customer-managed KMS keys, the
// RDS instances and the ELBv2 listeners; and once per account the S3
// buckets, which S3 lists globally. Keys, listeners and buckets are read
// with their tags, as declarations match ownership by tag; their list
// calls do not carry them, as EC2's and RDS's do.
//
// The KMS keys of a region are read first into a catalogue (key id, key
// ARN and alias → who manages the key) that volumes, databases and
// buckets are classified against: EC2, RDS and S3 name keys by ARN, and
// only DescribeKey tells an AWS-managed key from a customer's. The other
// lists are read meanwhile and wait for the catalogue only to classify.
func scanEncryption(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	return e.eachAccount(ctx, t, out, inventory.Encryption, func(a *account) {
		s := &encryptionScan{a: a, out: out, catalogs: map[string]*keyCatalog{}}
		for _, r := range a.Regions {
			s.catalogs[r] = &keyCatalog{ready: make(chan struct{}), managers: map[string]string{}}
		}
		g := out.Group(a.scope("", inventory.Encryption), 0)
		for _, r := range a.Regions {
			in := g.Region(r)
			in.Go(func() { s.keys(ctx, r) })
			in.Go(func() { s.volumes(ctx, r) })
			in.Go(func() { s.ebsDefault(ctx, r) })
			in.Go(func() { s.databases(ctx, r) })
			in.Go(func() { s.listeners(ctx, r) })
		}
		g.Go(func() { s.buckets(ctx) })
		g.Wait()
		s.failures.Flush(out)
	})
}

// encryptionScan is one account's encryption scan.
type encryptionScan struct {
	a        *account
	out      *scanners.Sink
	catalogs map[string]*keyCatalog // by region
	failures scanners.Failures
}

// fail notes a failed call; the scan records one error entry per region
// and operation when it is done.
func (s *encryptionScan) fail(region, operation string, types []string, err error) {
	s.failures.Add(scanError(s.a.ID, region, inventory.Encryption, operation, types, err))
}

// fetches is a group for the per-item calls of one region ("" for S3's
// global ones), at most encryptionFetches in flight.
func (s *encryptionScan) fetches(region string) *scanners.Group {
	return s.out.Fetches(s.a.scope(region, inventory.Encryption), encryptionFetches)
}

func (s *encryptionScan) resource(region, typ, id string) inventory.Resource {
	return inventory.Resource{Cloud: inventory.AWS, Target: s.a.ID, Region: region, Type: typ, ID: id}
}

// keyCatalog maps what names a region's keys (key id, key ARN, alias
// name, alias ARN) to their KeyManager, AWS or CUSTOMER. It is complete
// once ready is closed.
type keyCatalog struct {
	ready    chan struct{}
	managers map[string]string
}

// keyManager classifies the key a volume, database or bucket names, as
// KeyProvider or KeyCustomer; unknown when the catalogue does not know it
// and nothing else tells.
func (s *encryptionScan) keyManager(region, ref string) inventory.String {
	if ref == "" {
		return inventory.String{}
	}
	if cat := s.catalogs[region]; cat != nil {
		<-cat.ready
		switch cat.managers[ref] {
		case string(kmstypes.KeyManagerTypeAws):
			return inventory.Known(inventory.KeyProvider)
		case string(kmstypes.KeyManagerTypeCustomer):
			return inventory.Known(inventory.KeyCustomer)
		}
	}
	// Aliases under alias/aws/ are reserved for AWS-managed keys.
	if strings.HasPrefix(ref, "alias/aws/") || strings.Contains(ref, ":alias/aws/") {
		return inventory.Known(inventory.KeyProvider)
	}
	// AWS-managed keys cannot be used from another account, so a key of
	// another account is a customer's.
	if acct := accountFromARN(ref); acct != "" && acct != s.a.ID {
		return inventory.Known(inventory.KeyCustomer)
	}
	return inventory.String{}
}

// keys reads the region's KMS keys: every key's metadata goes into the
// catalogue, and the customer-managed ones become resources with their
// rotation setting.
func (s *encryptionScan) keys(ctx context.Context, region string) {
	cat := s.catalogs[region]
	defer close(cat.ready)
	client := s.a.kms(region)

	var (
		aliases  map[string][]string // key id → alias names
		aliasErr error
	)
	aliasRead := s.fetches(region)
	aliasRead.Go(func() { aliases, aliasErr = listAliases(ctx, client) })
	var keys []kmstypes.KeyListEntry
	p := kms.NewListKeysPaginator(client, &kms.ListKeysInput{}, func(o *kms.ListKeysPaginatorOptions) { o.Limit = kmsKeyPageSize })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.fail(region, "kms:ListKeys", keyedTypes, err)
			keys = nil
			break
		}
		keys = append(keys, page.Keys...)
	}
	aliasRead.Wait()
	if aliasErr != nil {
		// Only names are lost: classification goes by key id and ARN.
		s.fail(region, "kms:ListAliases", []string{inventory.AWSKMSKey}, aliasErr)
	}

	var mu sync.Mutex
	var found []inventory.Resource
	scanners.Each(s.fetches(region), keys, func(k kmstypes.KeyListEntry) {
		r, manager, ok := s.key(ctx, client, region, k)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ref := range []string{sdk.ToString(k.KeyId), sdk.ToString(k.KeyArn)} {
			cat.managers[ref] = manager
		}
		for _, name := range aliases[sdk.ToString(k.KeyId)] {
			cat.managers[name] = manager
			cat.managers[fmt.Sprintf("arn:%s:kms:%s:%s:%s", partition(region), s.a.ID, region, name)] = manager
		}
		if r != nil {
			if names := aliases[sdk.ToString(k.KeyId)]; len(names) > 0 {
				r.Name = strings.TrimPrefix(names[0], "alias/")
			}
			found = append(found, *r)
		}
	})
	s.out.Add(found...)
}

// listAliases maps each key id to its alias names, sorted.
func listAliases(ctx context.Context, client *kms.Client) (map[string][]string, error) {
	out := map[string][]string{}
	p := kms.NewListAliasesPaginator(client, &kms.ListAliasesInput{}, func(o *kms.ListAliasesPaginatorOptions) { o.Limit = kmsAliasPageSize })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Aliases {
			if id := sdk.ToString(a.TargetKeyId); id != "" {
				out[id] = append(out[id], sdk.ToString(a.AliasName))
			}
		}
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out, nil
}

// key describes one key. It returns the key's manager for the catalogue,
// and a resource when the customer manages the key; ok is false when the
// key could not be described.
func (s *encryptionScan) key(ctx context.Context, client *kms.Client, region string, k kmstypes.KeyListEntry) (*inventory.Resource, string, bool) {
	desc, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyArn})
	if err != nil {
		s.fail(region, "kms:DescribeKey", keyedTypes, err)
		return nil, "", false
	}
	m := desc.KeyMetadata
	if m == nil {
		return nil, "", false
	}
	if m.KeyManager != kmstypes.KeyManagerTypeCustomer {
		return nil, string(m.KeyManager), true
	}
	arn := sdk.ToString(m.Arn)
	if arn == "" {
		arn = sdk.ToString(k.KeyArn)
	}
	r := s.resource(region, inventory.AWSKMSKey, arn)
	key := &inventory.Key{KeyManager: inventory.Known(inventory.KeyCustomer), State: string(m.KeyState)}
	spec := string(m.KeySpec)
	if spec == "" {
		//lint:ignore SA1019 keys described before KeySpec existed carry only the old field
		spec = string(m.CustomerMasterKeySpec)
	}
	symmetric := spec == string(kmstypes.KeySpecSymmetricDefault)
	if spec != "" {
		key.Symmetric = inventory.Known(symmetric)
	}
	key.Origin = string(m.Origin)
	customStore := sdk.ToString(m.CustomKeyStoreId) != "" ||
		m.Origin == kmstypes.OriginTypeAwsCloudhsm || m.Origin == kmstypes.OriginTypeExternalKeyStore
	switch {
	case symmetric && (customStore || m.Origin == kmstypes.OriginTypeExternal):
		// KMS rotates only key material it generated in its own key
		// store: imported material and custom key stores are rotated by
		// hand (new material, or a new key behind the alias) or not at
		// all, whatever a rotation setting would say.
		key.AutoRotatable = inventory.False
	case symmetric && m.Origin == kmstypes.OriginTypeAwsKms && m.KeyState == kmstypes.KeyStateEnabled:
		s.rotation(ctx, client, region, arn, key)
	}
	// Other keys are left without a rotation setting: asymmetric and HMAC
	// keys cannot rotate automatically, and disabled keys and keys pending
	// deletion are skipped by the control by their state.
	r.Key = key
	r.Tags, r.TagsUnknown = s.keyTags(ctx, client, region, arn)
	return &r, string(m.KeyManager), true
}

// keyTags reads a customer-managed key's tags; nil when it has none, and
// nil with unknown true when they could not be read.
func (s *encryptionScan) keyTags(ctx context.Context, client *kms.Client, region, arn string) (tagMap map[string]string, unknown bool) {
	var list []kmstypes.Tag
	p := kms.NewListResourceTagsPaginator(client, &kms.ListResourceTagsInput{KeyId: sdk.String(arn)},
		func(o *kms.ListResourceTagsPaginatorOptions) { o.Limit = kmsTagPageSize })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			// Part of a key's tags could match a declaration entry the
			// whole set would not: none rather than some.
			s.fail(region, "kms:ListResourceTags", []string{inventory.AWSKMSKey}, err)
			return nil, true
		}
		list = append(list, page.Tags...)
	}
	return tags(list, func(t kmstypes.Tag) (*string, *string) { return t.TagKey, t.TagValue }), false
}

// rotation reads a key's automatic rotation setting into key.
func (s *encryptionScan) rotation(ctx context.Context, client *kms.Client, region, arn string, key *inventory.Key) {
	rot, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: sdk.String(arn)})
	switch {
	case errorCode(err) == "UnsupportedOperationException":
		// KMS says this key cannot rotate automatically.
		key.AutoRotatable = inventory.False
	case err != nil:
		s.fail(region, "kms:GetKeyRotationStatus", []string{inventory.AWSKMSKey}, err)
	default:
		key.AutoRotatable = inventory.True
		key.RotationEnabled = inventory.Known(rot.KeyRotationEnabled)
		// KMS leaves RotationPeriodInDays out of answers for keys whose
		// rotation was enabled before custom periods existed; the
		// control applies AWS's default then, and says so.
		if rot.KeyRotationEnabled && rot.RotationPeriodInDays != nil {
			key.RotationPeriodDays = inventory.Known(int(*rot.RotationPeriodInDays))
		}
	}
}

// volumes records the region's EBS volumes.
func (s *encryptionScan) volumes(ctx context.Context, region string) {
	// The list is read once the region's keys are: a region's volumes
	// are many, and holding them while the keys are read (three calls a
	// key) would hold every region's in flight. Each page becomes
	// resources at once, so that they are held as the little the
	// controls need rather than as the SDK's answers.
	if cat := s.catalogs[region]; cat != nil {
		select {
		case <-cat.ready:
		case <-ctx.Done():
		}
	}
	var out []inventory.Resource
	p := ec2.NewDescribeVolumesPaginator(s.a.ec2(region), &ec2.DescribeVolumesInput{MaxResults: sdk.Int32(volumePageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			// A partial list would pass for a complete one.
			s.fail(region, "ec2:DescribeVolumes", []string{inventory.AWSVolume}, err)
			return
		}
		out = slices.Grow(out, len(page.Volumes))
		for _, v := range page.Volumes {
			out = append(out, s.volume(region, v))
		}
	}
	for i := range out {
		if vol := out[i].Volume; vol.KeyID != "" {
			vol.KeyManager = s.keyManager(region, vol.KeyID)
		}
	}
	s.out.Add(out...)
}

// volume is one EBS volume as a resource, its key named but not yet
// classified.
func (s *encryptionScan) volume(region string, v ec2types.Volume) inventory.Resource {
	r := s.resource(region, inventory.AWSVolume, sdk.ToString(v.VolumeId))
	r.Tags = tags(v.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })
	r.Name = r.Tags["Name"]
	vol := &inventory.Volume{}
	if v.Encrypted != nil {
		vol.Encrypted = inventory.Known(*v.Encrypted)
	}
	if sdk.ToBool(v.Encrypted) {
		vol.KeyID = sdk.ToString(v.KmsKeyId)
	}
	for _, at := range v.Attachments {
		if id := sdk.ToString(at.InstanceId); id != "" {
			vol.AttachedTo = append(vol.AttachedTo, id)
		}
	}
	sort.Strings(vol.AttachedTo)
	r.Volume = vol
	return r
}

// ebsDefault records the region's EBS encryption-by-default switch; the
// setting exists in every region, so it is recorded unknown when it could
// not be read.
func (s *encryptionScan) ebsDefault(ctx context.Context, region string) {
	id := fmt.Sprintf("arn:%s:ec2:%s:%s:ebs-encryption-by-default", partition(region), region, s.a.ID)
	r := s.resource(region, inventory.AWSEBSDefault, id)
	r.EncryptionDefault = &inventory.EncryptionDefault{}
	res, err := s.a.ec2(region).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	switch {
	case err != nil:
		s.fail(region, "ec2:GetEbsEncryptionByDefault", []string{inventory.AWSEBSDefault}, err)
	case res.EbsEncryptionByDefault != nil:
		r.EncryptionDefault.Enabled = inventory.Known(*res.EbsEncryptionByDefault)
	}
	s.out.Add(r)
}

// databases records the storage encryption of the region's RDS instances.
// The patching scanner records the same instances with their upgrade
// setting; the sink merges the two by identity.
func (s *encryptionScan) databases(ctx context.Context, region string) {
	dbs, err := s.a.dbInstances(ctx, region)
	if err != nil {
		s.fail(region, "rds:DescribeDBInstances", []string{inventory.AWSDBInstance}, err)
		return
	}
	out := make([]inventory.Resource, 0, len(dbs))
	for _, d := range dbs {
		r := s.resource(region, inventory.AWSDBInstance, sdk.ToString(d.DBInstanceArn))
		r.Name = sdk.ToString(d.DBInstanceIdentifier)
		r.Tags = tags(d.TagList, func(t rdstypes.Tag) (*string, *string) { return t.Key, t.Value })
		db := &inventory.Database{Engine: sdk.ToString(d.Engine)}
		if d.StorageEncrypted != nil {
			db.StorageEncrypted = inventory.Known(*d.StorageEncrypted)
		}
		if sdk.ToBool(d.StorageEncrypted) {
			db.KeyManager = s.keyManager(region, sdk.ToString(d.KmsKeyId))
		}
		r.Database = db
		out = append(out, r)
	}
	s.out.Add(out...)
}

// tlsVersions maps ELBv2 SslProtocols to the normalized TLS versions.
var tlsVersions = map[string]string{"TLSv1": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2", "TLSv1.3": "1.3"}

// listeners records the region's ELBv2 listeners with the lowest TLS
// version their security policy accepts. Plaintext listeners are recorded
// too, with their protocol and no TLS version: the outdated-TLS control
// leaves them out by protocol.
//
// A listener carries its load balancer's tags. Listeners are parts of a
// load balancer, created and deleted with it and rarely tagged on their
// own; whoever the load balancer's tags name owns what it listens on, so
// a declaration entry matching the load balancer's tags matches its
// listeners too.
func (s *encryptionScan) listeners(ctx context.Context, region string) {
	client := s.a.elbv2(region)
	var lbs []elbtypes.LoadBalancer
	p := elbv2.NewDescribeLoadBalancersPaginator(client, &elbv2.DescribeLoadBalancersInput{PageSize: sdk.Int32(elbPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.fail(region, "elasticloadbalancing:DescribeLoadBalancers", []string{inventory.AWSListener}, err)
			return
		}
		lbs = append(lbs, page.LoadBalancers...)
	}

	var (
		lbTags     map[string]map[string]string // by load balancer ARN
		lbTagsLost map[string]bool              // load balancers whose tags could not be read
	)
	tagRead := s.fetches(region)
	tagRead.Go(func() { lbTags, lbTagsLost = s.loadBalancerTags(ctx, client, region, lbs) })

	type listener struct {
		lb, lbARN string
		l         elbtypes.Listener
	}
	var (
		mu        sync.Mutex
		listeners []listener
	)
	scanners.Each(s.fetches(region), lbs, func(lb elbtypes.LoadBalancer) {
		var got []listener
		p := elbv2.NewDescribeListenersPaginator(client, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: sdk.Int32(elbPageSize)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				s.fail(region, "elasticloadbalancing:DescribeListeners", []string{inventory.AWSListener}, err)
				return
			}
			for _, l := range page.Listeners {
				got = append(got, listener{sdk.ToString(lb.LoadBalancerName), sdk.ToString(lb.LoadBalancerArn), l})
			}
		}
		mu.Lock()
		listeners = append(listeners, got...)
		mu.Unlock()
	})

	var names []string
	for _, l := range listeners {
		if name := sdk.ToString(l.l.SslPolicy); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	minimum := s.sslPolicies(ctx, client, region, names)
	tagRead.Wait()

	out := make([]inventory.Resource, 0, len(listeners))
	for _, l := range listeners {
		r := s.resource(region, inventory.AWSListener, sdk.ToString(l.l.ListenerArn))
		r.Name = l.lb + ":" + strconv.Itoa(int(sdk.ToInt32(l.l.Port)))
		r.Tags, r.TagsUnknown = maps.Clone(lbTags[l.lbARN]), lbTagsLost[l.lbARN]
		tls := &inventory.TLSEndpoint{Protocol: string(l.l.Protocol), Policy: sdk.ToString(l.l.SslPolicy)}
		if v, ok := minimum[tls.Policy]; ok && tls.Policy != "" {
			tls.MinTLSVersion = inventory.Known(v)
		}
		r.TLS = tls
		out = append(out, r)
	}
	s.out.Add(out...)
}

// loadBalancerTags reads the load balancers' tags, elbTagBatch a call,
// by load balancer ARN. A batch that could not be read leaves its load
// balancers out of the map, and so their listeners untagged, and names
// them in lost, so their listeners say their tags are unknown.
func (s *encryptionScan) loadBalancerTags(ctx context.Context, client *elbv2.Client, region string, lbs []elbtypes.LoadBalancer) (out map[string]map[string]string, lost map[string]bool) {
	out, lost = map[string]map[string]string{}, map[string]bool{}
	for lo := 0; lo < len(lbs); lo += elbTagBatch {
		var arns []string
		for _, lb := range lbs[lo:min(lo+elbTagBatch, len(lbs))] {
			arns = append(arns, sdk.ToString(lb.LoadBalancerArn))
		}
		res, err := client.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns})
		if err != nil {
			s.fail(region, "elasticloadbalancing:DescribeTags", []string{inventory.AWSListener}, err)
			for _, arn := range arns {
				lost[arn] = true
			}
			continue
		}
		for _, d := range res.TagDescriptions {
			if t := tags(d.Tags, func(t elbtypes.Tag) (*string, *string) { return t.Key, t.Value }); t != nil {
				out[sdk.ToString(d.ResourceArn)] = t
			}
		}
	}
	return out, lost
}

// sslPolicies returns the lowest TLS version each named policy accepts;
// a policy that could not be read, or lists no version we know, is
// missing from the map.
func (s *encryptionScan) sslPolicies(ctx context.Context, client *elbv2.Client, region string, names []string) map[string]string {
	out := map[string]string{}
	for lo := 0; lo < len(names); lo += sslPolicyBatch {
		batch := names[lo:min(lo+sslPolicyBatch, len(names))]
		in := &elbv2.DescribeSSLPoliciesInput{Names: batch}
		for {
			page, err := client.DescribeSSLPolicies(ctx, in)
			if err != nil {
				s.fail(region, "elasticloadbalancing:DescribeSSLPolicies", []string{inventory.AWSListener}, err)
				break
			}
			for _, p := range page.SslPolicies {
				if v, ok := lowestTLS(p.SslProtocols); ok {
					out[sdk.ToString(p.Name)] = v
				}
			}
			if sdk.ToString(page.NextMarker) == "" {
				break
			}
			in.Marker = page.NextMarker
		}
	}
	return out
}

// lowestTLS is the oldest TLS version among ELBv2 SslProtocols.
func lowestTLS(protocols []string) (string, bool) {
	low, found := "", false
	for _, p := range protocols {
		v, ok := tlsVersions[p]
		if ok && (!found || v < low) {
			low, found = v, true
		}
	}
	return low, found
}

// buckets records the account's S3 buckets once, in their own regions.
// ListBuckets answers for the whole account from any region; the buckets
// of regions the target does not scan are left out, as every other
// regional resource there is.
func (s *encryptionScan) buckets(ctx context.Context) {
	if len(s.a.Regions) == 0 {
		return
	}
	home := s.a.s3(s.a.Regions[0])
	var list []s3types.Bucket
	p := s3.NewListBucketsPaginator(home, &s3.ListBucketsInput{MaxBuckets: sdk.Int32(bucketPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.fail("", "s3:ListBuckets", []string{inventory.AWSBucket}, err)
			return
		}
		list = append(list, page.Buckets...)
	}
	var unplaced []string
	for _, b := range list {
		if sdk.ToString(b.BucketRegion) == "" {
			unplaced = append(unplaced, sdk.ToString(b.Name))
		}
	}
	located := s.locateBuckets(ctx, home, unplaced)

	type placed struct{ name, region string }
	clients := map[string]*s3.Client{}
	var in []placed
	for _, b := range list {
		name, region := sdk.ToString(b.Name), sdk.ToString(b.BucketRegion)
		if region == "" {
			region = located[name]
		}
		if region == "" || s.catalogs[region] == nil {
			continue
		}
		if clients[region] == nil {
			clients[region] = s.a.s3(region)
		}
		in = append(in, placed{name, region})
	}
	var (
		mu  sync.Mutex
		out []inventory.Resource
	)
	scanners.Each(s.fetches(""), in, func(b placed) {
		r := s.bucket(ctx, clients[b.region], b.region, b.name)
		mu.Lock()
		out = append(out, r)
		mu.Unlock()
	})
	s.out.Add(out...)
}

// locateBuckets asks GetBucketLocation for the region of each bucket that
// ListBuckets named none for. S3 has named it in ListBuckets since 2024, so
// this costs real S3 no request; S3-compatible endpoints and emulators
// that leave it out still answer GetBucketLocation, from any region. A
// bucket whose location could not be read is missing from the map, and
// one error entry names all such buckets: they are left unread rather than
// read in a guessed region.
func (s *encryptionScan) locateBuckets(ctx context.Context, client *s3.Client, names []string) map[string]string {
	var (
		mu       sync.Mutex
		located  = map[string]string{}
		failed   []string
		firstErr error
	)
	scanners.Each(s.fetches(""), names, func(name string) {
		loc, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: sdk.String(name)})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed = append(failed, name)
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		located[name] = bucketRegion(loc.LocationConstraint)
	})
	if len(failed) > 0 {
		sort.Strings(failed)
		e := scanError(s.a.ID, "", inventory.Encryption, "s3:GetBucketLocation", []string{inventory.AWSBucket}, firstErr)
		e.Message += fmt.Sprintf(" (ListBuckets named no region for %d buckets whose location could not be read: %s; they were not read)",
			len(failed), strings.Join(failed, ", "))
		s.out.Fail(e)
	}
	return located
}

// bucketRegion is the region a GetBucketLocation answer names: S3 answers
// an empty LocationConstraint for us-east-1, and the legacy "EU" for
// buckets made in eu-west-1 under that name.
func bucketRegion(c s3types.BucketLocationConstraint) string {
	switch c {
	case "":
		return "us-east-1"
	case s3types.BucketLocationConstraintEu:
		return "eu-west-1"
	}
	return string(c)
}

// bucket reads one bucket's default encryption, policy and tags.
func (s *encryptionScan) bucket(ctx context.Context, client *s3.Client, region, name string) inventory.Resource {
	r := s.resource(region, inventory.AWSBucket, fmt.Sprintf("arn:%s:s3:::%s", partition(region), name))
	r.Name = name
	st := &inventory.Storage{}
	r.Storage = st

	enc, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: sdk.String(name)})
	switch {
	case errorCode(err) == "ServerSideEncryptionConfigurationNotFoundError":
		st.Encrypted = inventory.False
	case err != nil:
		s.fail(region, "s3:GetBucketEncryption", []string{inventory.AWSBucket}, err)
	default:
		st.Encrypted, st.KeyManager = s.bucketEncryption(region, enc.ServerSideEncryptionConfiguration)
	}

	pol, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: sdk.String(name)})
	switch {
	case errorCode(err) == "NoSuchBucketPolicy":
		st.Policy = inventory.Known([]inventory.Statement{})
	case err != nil:
		s.fail(region, "s3:GetBucketPolicy", []string{inventory.AWSBucket}, err)
	default:
		stmts, err := parsePolicy(sdk.ToString(pol.Policy))
		if err != nil {
			s.fail(region, "s3:GetBucketPolicy", []string{inventory.AWSBucket}, fmt.Errorf("bucket %s: %w", name, err))
			break
		}
		st.Policy = inventory.Known(stmts)
	}

	tagging, err := client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: sdk.String(name)})
	switch {
	case errorCode(err) == "NoSuchTagSet":
		// S3's answer for a bucket without tags.
	case err != nil:
		s.fail(region, "s3:GetBucketTagging", []string{inventory.AWSBucket}, err)
		r.TagsUnknown = true
	default:
		r.Tags = tags(tagging.TagSet, func(t s3types.Tag) (*string, *string) { return t.Key, t.Value })
	}
	return r
}

// bucketEncryption reads a bucket's default encryption rule: SSE-S3
// (AES256) and SSE-KMS without a key or with the aws/s3 key are the
// provider's keys; any other KMS key is classified through the region's
// catalogue.
func (s *encryptionScan) bucketEncryption(region string, cfg *s3types.ServerSideEncryptionConfiguration) (inventory.Bool, inventory.String) {
	if cfg == nil {
		return inventory.Bool{}, inventory.String{}
	}
	for _, rule := range cfg.Rules {
		def := rule.ApplyServerSideEncryptionByDefault
		if def == nil {
			continue
		}
		switch def.SSEAlgorithm {
		case s3types.ServerSideEncryptionAes256:
			return inventory.True, inventory.Known(inventory.KeyProvider)
		case s3types.ServerSideEncryptionAwsKms, s3types.ServerSideEncryptionAwsKmsDsse:
			key := sdk.ToString(def.KMSMasterKeyID)
			if key == "" {
				return inventory.True, inventory.Known(inventory.KeyProvider)
			}
			return inventory.True, s.keyManager(region, key)
		}
		// Other algorithms (aws:fsx, aws:backup) encrypt with keys S3 does
		// not describe.
		return inventory.True, inventory.String{}
	}
	return inventory.False, inventory.String{}
}
