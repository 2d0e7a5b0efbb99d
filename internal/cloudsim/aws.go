package cloudsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// protocol is an AWS wire protocol.
type protocol int

const (
	ec2Query protocol = iota // EC2: form in, <XResponse> without a Result wrapper out
	awsQuery                 // IAM, RDS, ELBv2, STS: form in, <XResponse><XResult> out
	awsJSON                  // SSM, KMS, Organizations: JSON 1.1 with X-Amz-Target
	restXML                  // S3
)

// awsService is one AWS service the simulator speaks, keyed by its SigV4
// signing name (which is also its IAM action prefix).
type awsService struct {
	protocol  protocol
	namespace string // XML namespace of query responses
	ops       map[string]awsHandler
}

// awsHandler answers one operation.
type awsHandler func(c *awsCall)

// awsServices lists the services; each service file contributes its ops.
func awsServices() map[string]awsService {
	return map[string]awsService{
		"ec2":                  {ec2Query, "http://ec2.amazonaws.com/doc/2016-11-15/", merge(ec2RegionOps, ec2NetworkOps, ec2ComputeOps, ec2StorageOps)},
		"iam":                  {awsQuery, "https://iam.amazonaws.com/doc/2010-05-08/", iamOps},
		"rds":                  {awsQuery, "http://rds.amazonaws.com/doc/2014-10-31/", rdsOps},
		"elasticloadbalancing": {awsQuery, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", elbv2Ops},
		"sts":                  {awsQuery, "https://sts.amazonaws.com/doc/2011-06-15/", stsOps},
		"ssm":                  {awsJSON, "", ssmOps},
		"kms":                  {awsJSON, "", kmsOps},
		"organizations":        {awsJSON, "", orgOps},
		"s3":                   {restXML, "http://s3.amazonaws.com/doc/2006-03-01/", s3Ops},
	}
}

func merge(tables ...map[string]awsHandler) map[string]awsHandler {
	out := map[string]awsHandler{}
	for _, t := range tables {
		for k, v := range t {
			out[k] = v
		}
	}
	return out
}

// awsCall is one AWS request being answered.
type awsCall struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	svc     awsService
	Service string
	Op      string
	Region  string
	// Account is the account the caller's credentials belong to; Acct is
	// its world entry (never nil once a handler runs).
	Account string
	Acct    *Account
	// Caller is the ARN of the caller: the root user for long-lived keys,
	// the assumed role for session keys.
	Caller string
	// Form holds query-protocol parameters (and the URL query for S3).
	Form url.Values
	// Body is the request body of JSON and REST requests.
	Body []byte
	// Bucket is the S3 bucket the request addresses, from the host or path.
	Bucket string

	status int
	code   string
	// fault names the bad answer (or "unanswered") injected, if any; bad
	// is the one that mangles the handler's answer in write.
	fault string
	bad   *BadAnswer
	// resource is what Request.Resource records.
	resource string
}

// Reg returns what the account holds in the request's region; an empty
// region when it holds nothing there.
func (c *awsCall) Reg() *Region {
	if r, ok := c.Acct.Regions[c.Region]; ok && r != nil {
		return r
	}
	return &Region{}
}

// Decode parses a JSON request body into v.
func (c *awsCall) Decode(v any) bool {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return true
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		c.Fail(http.StatusBadRequest, "SerializationException", "cannot parse the request: "+err.Error())
		return false
	}
	return true
}

// List returns the values of a query list parameter, e.g. List("GroupId")
// reads GroupId.1, GroupId.2, ... (and "member" forms such as
// Names.member.1).
func (c *awsCall) List(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.Form[name+"."+strconv.Itoa(i)]
		if !ok {
			v, ok = c.Form[name+".member."+strconv.Itoa(i)]
		}
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// Int reads an integer parameter; zero when absent.
func (c *awsCall) Int(name string) int {
	n, _ := strconv.Atoi(c.Form.Get(name))
	return n
}

// XML answers a query or EC2 request: result's fields become the children
// of <OpResult> (query) or of <OpResponse> itself (EC2).
func (c *awsCall) XML(result any) {
	inner, err := innerXML(result)
	if err != nil {
		c.Fail(http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, c.Op, c.svc.namespace)
	if c.svc.protocol == ec2Query {
		b.WriteString("<requestId>" + requestID + "</requestId>")
		b.WriteString(inner)
	} else {
		fmt.Fprintf(&b, "<%sResult>%s</%sResult>", c.Op, inner, c.Op)
		b.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata>")
	}
	fmt.Fprintf(&b, "</%sResponse>", c.Op)
	c.write(http.StatusOK, "text/xml", []byte(b.String()))
}

// XMLDocument answers a REST-XML request with v as the whole document (v
// names its root element with an XMLName field).
func (c *awsCall) XMLDocument(v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		c.Fail(http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	c.write(http.StatusOK, "application/xml", append([]byte(xml.Header), out...))
}

// Raw answers with body as is (S3 GetBucketPolicy returns the policy JSON).
func (c *awsCall) Raw(contentType string, body []byte) {
	c.write(http.StatusOK, contentType, body)
}

// JSON answers a JSON 1.1 request.
func (c *awsCall) JSON(v any) {
	out, err := json.Marshal(v)
	if err != nil {
		c.Fail(http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	c.write(http.StatusOK, "application/x-amz-json-1.1", out)
}

const requestID = "c10d51a1-0000-4000-8000-000000000000"

// contentType is the Content-Type of the protocol's answers.
func (c *awsCall) contentType() string {
	switch c.svc.protocol {
	case awsJSON:
		return "application/x-amz-json-1.1"
	case restXML:
		return "application/xml"
	}
	return "text/xml"
}

// Fail answers with the protocol's error envelope.
func (c *awsCall) Fail(status int, code, message string) {
	c.code = code
	var body []byte
	contentType := c.contentType()
	switch c.svc.protocol {
	case ec2Query:
		body = []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
			esc(code), esc(message), requestID))
	case awsQuery:
		kind := "Sender"
		if status >= 500 {
			kind = "Receiver"
		}
		body = []byte(fmt.Sprintf(`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			c.svc.namespace, kind, esc(code), esc(message), requestID))
	case awsJSON:
		body, _ = json.Marshal(map[string]string{"__type": code, "message": message})
	case restXML:
		body = []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId><HostId>cloudsim</HostId></Error>`,
			esc(code), esc(message), requestID))
	}
	c.write(status, contentType, body)
}

// AccessDenied answers the protocol's access-denied error in the words AWS
// uses, naming the action so the scanner can report the missing permission.
func (c *awsCall) AccessDenied() {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s:%s because no identity-based policy allows the %s:%s action",
		c.Caller, c.Service, c.Op, c.Service, c.Op)
	switch c.svc.protocol {
	case ec2Query:
		c.Fail(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. "+msg)
	case awsJSON:
		c.Fail(http.StatusBadRequest, "AccessDeniedException", msg)
	default:
		c.Fail(http.StatusForbidden, "AccessDenied", msg)
	}
}

// ValidationError answers a bad parameter.
func (c *awsCall) ValidationError(message string) {
	switch c.svc.protocol {
	case ec2Query:
		c.Fail(http.StatusBadRequest, "InvalidParameterValue", message)
	case awsJSON:
		c.Fail(http.StatusBadRequest, "ValidationException", message)
	case restXML:
		c.Fail(http.StatusBadRequest, "InvalidArgument", message)
	default:
		c.Fail(http.StatusBadRequest, "ValidationError", message)
	}
}

func (c *awsCall) write(status int, contentType string, body []byte) {
	c.status = status
	if c.bad != nil {
		c.answerBadly(*c.bad, status, contentType, body)
		return
	}
	c.w.Header().Set("Content-Type", contentType)
	c.w.Header().Set("X-Amzn-RequestId", requestID)
	c.w.Header().Set("X-Amz-Request-Id", requestID)
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// innerXML marshals v and strips its outer element, leaving its children.
func innerXML(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return "", err
	}
	s := b.String()
	s = strings.TrimPrefix(s, "<x>")
	s = strings.TrimSuffix(s, "</x>")
	if s == "<x/>" {
		s = ""
	}
	return s, nil
}

// Paging is how an operation pages: the page size when the caller names
// none (0: everything in one page) and the valid range of the size it may
// name. Clamp answers sizes above Max with Max items instead of an error
// (EC2 DescribeVolumes does).
type Paging struct {
	Default, Min, Max int
	Clamp             bool
}

// Page works out which items of total a request gets: asked is the page
// size the caller named (0 for none), token the continuation token it sent.
// It answers a validation error itself and returns ok false when the size
// or token is invalid.
func (c *awsCall) Page(total, asked int, token string, p Paging) (lo, hi int, next string, ok bool) {
	size := p.Default
	if asked != 0 {
		size = asked
		if asked < p.Min || (asked > p.Max && !p.Clamp) {
			c.ValidationError(fmt.Sprintf("page size %d is outside %d-%d", asked, p.Min, p.Max))
			return 0, 0, "", false
		}
		if asked > p.Max {
			size = p.Max
		}
	}
	if token != "" {
		lo, ok = decodeToken(c.Op, token)
		if !ok || lo > total {
			code := "InvalidNextToken"
			if c.svc.protocol == restXML {
				code = "InvalidArgument"
			}
			c.Fail(http.StatusBadRequest, code, "the pagination token is invalid")
			return 0, 0, "", false
		}
	}
	hi = total
	if size > 0 && lo+size < total {
		hi = lo + size
		next = encodeToken(c.Op, hi)
	}
	return lo, hi, next, true
}

// Tokens are opaque to callers, as AWS's are; they name the operation so
// a token from one cannot be replayed on another.
func encodeToken(op string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(op + ":" + strconv.Itoa(offset)))
}

func decodeToken(op, token string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	name, n, found := strings.Cut(string(raw), ":")
	if !found || name != op {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}

// serveAWS answers a SigV4-signed request.
func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request) {
	scope := credentialScope(r.Header.Get("Authorization"))
	c := &awsCall{s: s, w: w, r: r, Service: scope.service, Region: scope.region}
	svc, known := awsServices()[scope.service]
	c.svc = svc
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	c.Body = body
	switch svc.protocol {
	case ec2Query, awsQuery:
		if r.Method == http.MethodPost {
			c.Form, _ = url.ParseQuery(string(body))
		} else {
			c.Form = r.URL.Query()
		}
		c.Op = c.Form.Get("Action")
	case awsJSON:
		target := r.Header.Get("X-Amz-Target")
		c.Op = target[strings.LastIndex(target, ".")+1:]
	case restXML:
		c.Form = r.URL.Query()
		c.Op, c.Bucket = s3Operation(r)
	}
	defer func() {
		s.record(Request{Cloud: "aws", Service: c.Service, Operation: c.Op, Account: c.Account, Region: c.Region,
			Status: c.status, Code: c.code, Write: c.Op != "" && !readOnly(c.Op), Attempt: sdkAttempt(r), Fault: c.fault, Resource: c.resource})
	}()
	if !known {
		c.svc = awsService{protocol: awsQuery}
		c.Fail(http.StatusBadRequest, "UnknownService", "cloudsim does not simulate service "+scope.service)
		return
	}
	if !readOnly(c.Op) {
		c.Fail(http.StatusForbidden, "UnauthorizedOperation", fmt.Sprintf("cloudsim is read-only: %s:%s changes the account and is refused", c.Service, c.Op))
		return
	}
	if err := s.authenticate(c, scope.accessKey); err != nil {
		return
	}
	if s.faultState().inject(c) {
		return
	}
	h, ok := svc.ops[c.Op]
	if !ok {
		c.Fail(http.StatusBadRequest, "InvalidAction", fmt.Sprintf("cloudsim does not simulate %s:%s", c.Service, c.Op))
		return
	}
	h(c)
}

// authenticate maps the access key to an account and caller; it answers
// the error itself.
func (s *Server) authenticate(c *awsCall, key string) error {
	s.mu.Lock()
	sess, isSession := s.sessions[key]
	s.mu.Unlock()
	switch {
	case isSession:
		c.Account = sess.Account
		c.Caller = fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/ownaudit", sess.Account, sess.Role)
	case s.world.AWS.AccessKeys[key] != "":
		c.Account = s.world.AWS.AccessKeys[key]
		c.Caller = "arn:aws:iam::" + c.Account + ":user/auditor"
	}
	c.Acct = s.world.AWS.Account(c.Account)
	if c.Acct != nil {
		return nil
	}
	switch c.svc.protocol {
	case ec2Query:
		c.Fail(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
	case awsJSON:
		c.Fail(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case restXML:
		c.Fail(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	default:
		c.Fail(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	return errNoCredentials
}

type scope struct{ accessKey, region, service string }

// credentialScope reads "Credential=AKID/20261129/eu-west-1/ec2/aws4_request"
// from a SigV4 Authorization header.
func credentialScope(auth string) scope {
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return scope{}
	}
	cred := auth[i+len("Credential="):]
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return scope{}
	}
	return scope{accessKey: parts[0], region: parts[2], service: parts[3]}
}

// ec2Tag is one item of an EC2 tagSet.
type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// ec2Tags renders tags as an EC2 tagSet in key order, so that every answer
// lists them the same way.
func ec2Tags(tags Tags) []ec2Tag {
	out := make([]ec2Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, ec2Tag{k, tags[k]})
	}
	return out
}

// ec2Filter is one Filter.N of a request: a name and the values any of
// which may match.
type ec2Filter struct {
	name   string
	values []string
}

// ec2Filters reads the Filter.N.Name / Filter.N.Value.M of an EC2
// Describe call. A filter name the operation does not support is refused
// as EC2 refuses it, rather than ignored, so a test world never silently
// answers unfiltered.
func ec2Filters(c *awsCall, supported ...string) ([]ec2Filter, bool) {
	var out []ec2Filter
	for i := 1; ; i++ {
		prefix := "Filter." + strconv.Itoa(i) + "."
		name, ok := c.Form[prefix+"Name"]
		if !ok {
			return out, true
		}
		if !contains(supported, name[0]) {
			c.Fail(http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", name[0]))
			return nil, false
		}
		out = append(out, ec2Filter{name: name[0], values: c.List(prefix + "Value")})
	}
}

// ec2IDsWithoutMaxResults answers InvalidParameterCombination, with
// AWS's message for the call, when the request names both ids and
// MaxResults, which the EC2 Describe calls that cannot page a list of ids
// refuse. It reports whether the request may go on.
func ec2IDsWithoutMaxResults(c *awsCall, ids []string, message string) bool {
	if len(ids) > 0 && c.Form.Get("MaxResults") != "" {
		c.Fail(http.StatusBadRequest, "InvalidParameterCombination", message)
		return false
	}
	return true
}

// sdkAttempt reads the attempt number from "amz-sdk-request: attempt=2; max=5".
func sdkAttempt(r *http.Request) int {
	for _, part := range strings.Split(r.Header.Get("Amz-Sdk-Request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
