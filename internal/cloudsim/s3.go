package cloudsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// S3: the caller's buckets and the bucket-level reads an audit needs. Buckets
// belong to one account; a request signed for another region than the
// bucket's is redirected the way S3 does, with x-amz-bucket-region.
var s3Ops = map[string]awsHandler{
	"ListBuckets":          s3ListBuckets,
	"HeadBucket":           s3HeadBucket,
	"GetBucketLocation":    s3GetBucketLocation,
	"GetBucketEncryption":  s3GetBucketEncryption,
	"GetBucketPolicy":      s3GetBucketPolicy,
	"GetPublicAccessBlock": s3GetPublicAccessBlock,
	"GetBucketTagging":     s3GetBucketTagging,
	"ListObjectsV2":        s3ListObjects,
	"ListObjects":          s3ListObjects,
}

// s3Operation names the S3 operation a REST request is and the bucket it
// addresses. The name decides whether the core refuses the request, so any
// PUT, POST or DELETE gets a name that does not read as a read.
func s3Operation(r *http.Request) (op, bucket string) {
	bucket, key := s3Address(r, s3WorldOf(r))
	return s3OpName(r.Method, r.URL.Query(), r.Header, bucket, key), bucket
}

// s3WorldOf finds the world the request is served from, so that a host such
// as "logs.sim.test" can be recognised as virtual-hosted because "logs" is
// one of its buckets. The router hands s3Operation only the request, and the
// server that accepted it carries the simulator as its handler; nil when the
// simulator is mounted some other way.
func s3WorldOf(r *http.Request) *World {
	hs, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if hs == nil {
		return nil
	}
	if s, ok := hs.Handler.(*Server); ok {
		return s.world
	}
	return nil
}

// s3Address splits a request into the bucket and object key it addresses,
// in either addressing style. A request is virtual-hosted when its host is a
// name (not an IP) whose first labels are followed by an S3 endpoint label
// ("<bucket>.s3.<anything>", "<bucket>.s3-fips.<...>") or by "localhost"
// ("<bucket>.localhost"), or when its first label is a bucket of the world.
// Everything else is path style: /<bucket>/<key>.
func s3Address(r *http.Request, w *World) (bucket, key string) {
	if b := s3HostBucket(r.Host, w); b != "" {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// s3HostBucket returns the bucket a virtual-hosted request names in its
// host, or "" for a path-style request.
func s3HostBucket(hostport string, w *World) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(host) != nil {
		return ""
	}
	labels := strings.Split(host, ".")
	// The service endpoint itself ("s3.localhost", "s3.eu-west-1.amazonaws.com")
	// starts with the service label; no bucket is two characters long.
	if len(labels) < 2 || labels[0] == "s3" {
		return ""
	}
	for i := 1; i < len(labels); i++ {
		if s3EndpointLabel(labels[i]) || (i == len(labels)-1 && labels[i] == "localhost") {
			return strings.Join(labels[:i], ".")
		}
	}
	if w != nil && w.AWS.hasBucket(labels[0]) {
		return labels[0]
	}
	return ""
}

// s3EndpointLabel reports whether a host label names the S3 service:
// "s3", the dash forms ("s3-fips", "s3-accelerate", "s3-us-west-2") and
// the S3 Express zonal endpoints.
func s3EndpointLabel(l string) bool {
	return l == "s3" || strings.HasPrefix(l, "s3-") || strings.HasPrefix(l, "s3express-")
}

// hasBucket reports whether any account of the world holds a bucket name.
func (w *AWSWorld) hasBucket(name string) bool {
	for _, a := range w.Accounts {
		if a.bucket(name) != nil {
			return true
		}
	}
	return false
}

// bucket returns the account's bucket with name, or nil.
func (a *Account) bucket(name string) *Bucket {
	for _, b := range a.Buckets {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// s3BucketSubresources pairs a bucket subresource with the noun of the
// operations that read or change it (GET ?encryption is GetBucketEncryption,
// PUT ?encryption PutBucketEncryption), in a fixed order so that a request
// naming two is named the same way every time.
var s3BucketSubresources = [][2]string{
	{"encryption", "BucketEncryption"},
	{"policy", "BucketPolicy"},
	{"policyStatus", "BucketPolicyStatus"},
	{"publicAccessBlock", "PublicAccessBlock"},
	{"location", "BucketLocation"},
	{"tagging", "BucketTagging"},
	{"acl", "BucketAcl"},
	{"versioning", "BucketVersioning"},
	{"cors", "BucketCors"},
	{"website", "BucketWebsite"},
	{"logging", "BucketLogging"},
	{"replication", "BucketReplication"},
	{"ownershipControls", "BucketOwnershipControls"},
	{"notification", "BucketNotificationConfiguration"},
	{"object-lock", "ObjectLockConfiguration"},
	{"requestPayment", "BucketRequestPayment"},
	{"accelerate", "BucketAccelerateConfiguration"},
	{"lifecycle", "BucketLifecycleConfiguration"},
	{"analytics", "BucketAnalyticsConfiguration"},
	{"metrics", "BucketMetricsConfiguration"},
	{"inventory", "BucketInventoryConfiguration"},
	{"intelligent-tiering", "BucketIntelligentTieringConfiguration"},
	{"metadataTable", "BucketMetadataTableConfiguration"},
	{"metadataConfiguration", "BucketMetadataConfiguration"},
	{"abac", "BucketAbac"},
}

// s3ObjectSubresources does the same for object subresources.
var s3ObjectSubresources = [][2]string{
	{"tagging", "ObjectTagging"},
	{"acl", "ObjectAcl"},
	{"retention", "ObjectRetention"},
	{"legal-hold", "ObjectLegalHold"},
	{"attributes", "ObjectAttributes"},
	{"torrent", "ObjectTorrent"},
	{"encryption", "ObjectEncryption"},
	{"annotation", "ObjectAnnotation"},
}

// s3OpName names the operation from method, query and address.
func s3OpName(method string, q url.Values, h http.Header, bucket, key string) string {
	write := method != http.MethodGet && method != http.MethodHead
	// The SDK names some operations itself (x-id=GetObject); trust it unless
	// it would let a change pass as a read.
	if id := q.Get("x-id"); id != "" && !(write && readOnly(id)) {
		return id
	}
	verb := s3Verb(method)
	if bucket == "" {
		// GET / with no subresource lists the buckets. With one, it is a
		// bucket call whose bucket the simulator could not see in the host
		// (a virtual-hosted name for a bucket the world lacks): named as
		// such, it is answered NoSuchBucket instead of a bucket list, and a
		// PUT is still CreateBucket.
		if op := s3BucketOpName(method, verb, q); op != "ListObjects" {
			return op
		}
		return "ListBuckets"
	}
	if key == "" {
		return s3BucketOpName(method, verb, q)
	}
	switch {
	case q.Has("uploadId"):
		switch method {
		case http.MethodGet:
			return "ListParts"
		case http.MethodPut:
			return "UploadPart"
		case http.MethodPost:
			return "CompleteMultipartUpload"
		case http.MethodDelete:
			return "AbortMultipartUpload"
		}
	case q.Has("uploads") && method == http.MethodPost:
		return "CreateMultipartUpload"
	case q.Has("restore"):
		return "RestoreObject"
	case q.Has("select"):
		return "SelectObjectContent"
	}
	for _, sub := range s3ObjectSubresources {
		if q.Has(sub[0]) {
			return verb + sub[1]
		}
	}
	if method == http.MethodPut && h.Get("X-Amz-Copy-Source") != "" {
		return "CopyObject"
	}
	return verb + "Object"
}

func s3BucketOpName(method, verb string, q url.Values) string {
	switch {
	case method == http.MethodHead:
		return "HeadBucket"
	case method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2"
	case method == http.MethodGet && q.Has("versions"):
		return "ListObjectVersions"
	case method == http.MethodGet && q.Has("uploads"):
		return "ListMultipartUploads"
	case method == http.MethodPost && q.Has("delete"):
		return "DeleteObjects"
	case method == http.MethodDelete && q.Has("lifecycle"):
		return "DeleteBucketLifecycle"
	case q.Has("session"):
		return "CreateSession"
	}
	for _, sub := range s3BucketSubresources {
		if q.Has(sub[0]) {
			return verb + sub[1]
		}
	}
	switch method {
	case http.MethodGet:
		return "ListObjects"
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	}
	return verb + "Bucket"
}

// s3Verb is the operation-name prefix of a method.
func s3Verb(method string) string {
	switch method {
	case http.MethodGet:
		return "Get"
	case http.MethodHead:
		return "Head"
	case http.MethodPut:
		return "Put"
	case http.MethodDelete:
		return "Delete"
	case http.MethodPost:
		return "Post"
	}
	if method == "" {
		return "Get"
	}
	return strings.ToUpper(method[:1]) + strings.ToLower(method[1:])
}

// s3Fail answers an S3 error; HEAD answers carry no body, as S3's do, so
// the SDK derives the code from the status ("NotFound").
func s3Fail(c *awsCall, status int, code, message string) {
	if c.r.Method != http.MethodHead {
		c.Fail(status, code, message)
		return
	}
	c.code = code
	c.write(status, "application/xml", nil)
}

// s3Region is the bucket's region; S3 calls the first region us-east-1
// when a bucket names none.
func s3Region(b *Bucket) string {
	if b.Region == "" {
		return "us-east-1"
	}
	return b.Region
}

// s3Target resolves the bucket a request addresses for the caller: a
// bucket of another account is AccessDenied (bucket names are global), an
// unknown one NoSuchBucket, and a request signed for the wrong region a
// 301 PermanentRedirect naming the bucket's region. It answers the error
// itself and returns nil then.
func s3Target(c *awsCall) *Bucket {
	b := c.Acct.bucket(c.Bucket)
	if b == nil {
		if c.s.world.AWS.hasBucket(c.Bucket) {
			s3Fail(c, http.StatusForbidden, "AccessDenied", "Access Denied")
			return nil
		}
		s3Fail(c, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return nil
	}
	region := s3Region(b)
	// GetBucketLocation exists to find a bucket's region, so S3 answers it
	// from any region.
	if c.Op == "GetBucketLocation" || region == c.Region {
		return b
	}
	c.w.Header().Set("x-amz-bucket-region", region)
	c.code = "PermanentRedirect"
	if c.r.Method == http.MethodHead {
		c.write(http.StatusMovedPermanently, "application/xml", nil)
		return nil
	}
	// No Location header: S3 sends none, so HTTP clients do not follow the
	// redirect and the SDK reports the error.
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>%s</Endpoint><Bucket>%s</Bucket><RequestId>%s</RequestId><HostId>cloudsim</HostId></Error>`,
		esc(b.Name+".s3."+region+".amazonaws.com"), esc(b.Name), requestID)
	c.write(http.StatusMovedPermanently, "application/xml", []byte(body))
	return nil
}

// s3Owner is the bucket owner element; the canonical id is derived from the
// account so that it is stable.
type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func s3OwnerOf(a *Account) s3Owner {
	sum := sha256.Sum256([]byte("cloudsim canonical user " + a.ID))
	name := a.Name
	if name == "" {
		name = a.ID
	}
	return s3Owner{ID: hex.EncodeToString(sum[:]), DisplayName: name}
}

// s3ListBucketsPaging: without a continuation token, prefix or region
// filter and without max-buckets, S3 answers every bucket in one page (the
// legacy behaviour); with any of them it pages by 10,000. max-buckets is
// 1-10000 (wire-facts marks the maximum UNCONFIRMED: 1000 or 10000).
var (
	s3ListBucketsUnpaged = Paging{Default: 0, Min: 1, Max: 10000}
	s3ListBucketsPaged   = Paging{Default: 10000, Min: 1, Max: 10000}
)

func s3ListBuckets(c *awsCall) {
	type entry struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion,omitempty"`
		BucketArn    string `xml:"BucketArn"`
	}
	prefix, region := c.Form.Get("prefix"), c.Form.Get("bucket-region")
	var asked int
	if v := c.Form.Get("max-buckets"); v != "" {
		if _, err := fmt.Sscan(v, &asked); err != nil || asked == 0 {
			c.ValidationError("max-buckets must be an integer from 1 to 10000")
			return
		}
	}
	var selected []*Bucket
	for _, b := range c.Acct.Buckets {
		if strings.HasPrefix(b.Name, prefix) && (region == "" || s3Region(b) == region) {
			selected = append(selected, b)
		}
	}
	// S3 lists buckets in name order, which keeps tokens stable.
	sort.Slice(selected, func(i, j int) bool { return selected[i].Name < selected[j].Name })
	paging := s3ListBucketsUnpaged
	if c.Form.Has("continuation-token") || c.Form.Has("prefix") || c.Form.Has("bucket-region") {
		paging = s3ListBucketsPaged
	}
	lo, hi, next, ok := c.Page(len(selected), asked, c.Form.Get("continuation-token"), paging)
	if !ok {
		return
	}
	out := struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
		Owner   s3Owner  `xml:"Owner"`
		Buckets struct {
			Bucket []entry `xml:"Bucket"`
		} `xml:"Buckets"`
		ContinuationToken string `xml:"ContinuationToken,omitempty"`
		Prefix            string `xml:"Prefix,omitempty"`
	}{Owner: s3OwnerOf(c.Acct), ContinuationToken: next, Prefix: prefix}
	for _, b := range selected[lo:hi] {
		e := entry{
			Name:         b.Name,
			CreationDate: s3Created(b).Format("2006-01-02T15:04:05.000Z"),
			BucketRegion: s3Region(b),
			BucketArn:    "arn:aws:s3:::" + b.Name,
		}
		if b.OmitRegion {
			e.BucketRegion = ""
		}
		out.Buckets.Bucket = append(out.Buckets.Bucket, e)
	}
	c.XMLDocument(out)
}

// s3Created is the bucket's creation date; a fixed date when the world
// names none, so answers stay reproducible.
func s3Created(b *Bucket) time.Time {
	if b.Created.IsZero() {
		return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return b.Created.UTC()
}

func s3HeadBucket(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	c.w.Header().Set("x-amz-bucket-region", s3Region(b))
	c.w.Header().Set("x-amz-access-point-alias", "false")
	c.Raw("application/xml", nil)
}

func s3GetBucketLocation(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	// us-east-1 is an empty LocationConstraint; the SDK's custom
	// deserializer reads the root element's own text.
	loc := s3Region(b)
	if loc == "us-east-1" {
		loc = ""
	}
	c.XMLDocument(struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
		Value   string   `xml:",chardata"`
	}{Value: loc})
}

func s3GetBucketEncryption(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	if b.Encryption == "" {
		c.Fail(http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
		return
	}
	type byDefault struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}
	type rule struct {
		Default          byDefault `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool      `xml:"BucketKeyEnabled"`
	}
	out := struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
		Rules   []rule   `xml:"Rule"`
	}{Rules: []rule{{Default: byDefault{SSEAlgorithm: b.Encryption}, BucketKeyEnabled: b.BucketKey}}}
	// S3 only keeps a key id for the KMS algorithms.
	if strings.HasPrefix(b.Encryption, "aws:kms") {
		out.Rules[0].Default.KMSMasterKeyID = b.KMSKeyID
	}
	c.XMLDocument(out)
}

func s3GetBucketPolicy(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	if b.Policy == "" {
		c.Fail(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
		return
	}
	// The body is the policy document itself, with no XML around it.
	c.Raw("application/json", []byte(b.Policy))
}

func s3GetPublicAccessBlock(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	p := b.PublicAccessBlock
	if p == nil {
		c.Fail(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
		return
	}
	c.XMLDocument(struct {
		XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PublicAccessBlockConfiguration"`
		BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
		IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
		BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
		RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
	}{
		BlockPublicAcls: p.BlockPublicAcls, IgnorePublicAcls: p.IgnorePublicAcls,
		BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets,
	})
}

func s3GetBucketTagging(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	if len(b.Tags) == 0 {
		c.Fail(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
		return
	}
	type tag struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	out := struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
		Tags    []tag    `xml:"TagSet>Tag"`
	}{}
	keys := make([]string, 0, len(b.Tags))
	for k := range b.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Tags = append(out.Tags, tag{k, b.Tags[k]})
	}
	c.XMLDocument(out)
}

// s3ListObjects answers an empty listing: the world holds no objects, and
// an audit only needs to know the bucket answers.
func s3ListObjects(c *awsCall) {
	b := s3Target(c)
	if b == nil {
		return
	}
	out := struct {
		XMLName     xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
		Name        string   `xml:"Name"`
		Prefix      string   `xml:"Prefix"`
		KeyCount    *int     `xml:"KeyCount,omitempty"`
		MaxKeys     int      `xml:"MaxKeys"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{Name: b.Name, Prefix: c.Form.Get("prefix"), MaxKeys: 1000}
	if c.Op == "ListObjectsV2" {
		zero := 0
		out.KeyCount = &zero
	}
	c.XMLDocument(out)
}
