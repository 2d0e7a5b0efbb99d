package cloudsim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ELBv2: the region's load balancers, their listeners, and the built-in
// SSL policies listeners name.
var elbv2Ops = map[string]awsHandler{
	"DescribeLoadBalancers": elbDescribeLoadBalancers,
	"DescribeListeners":     elbDescribeListeners,
	"DescribeSSLPolicies":   elbDescribeSSLPolicies,
	"DescribeTags":          elbDescribeTags,
}

// elbTagsPerCall is how many resources one DescribeTags may name.
const elbTagsPerCall = 20

// elbPaging is PageSize 1-400. The size ELBv2 uses when PageSize is
// omitted is UNCONFIRMED in wire-facts; the simulator takes the maximum.
var elbPaging = Paging{Default: 400, Min: 1, Max: 400}

// elbMembers is a query-protocol list: <Name><member>…</member></Name>. It
// is always written, empty or not, as the service does.
type elbMembers[T any] struct {
	Member []T `xml:"member"`
}

// elbHexID is a 16-hex-digit id derived from parts, so ARNs are stable
// across runs.
func elbHexID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:8])
}

// elbKind is the ARN segment of a load balancer type.
func elbKind(lb *LoadBalancer) string {
	switch elbType(lb) {
	case "network":
		return "net"
	case "gateway":
		return "gwy"
	}
	return "app"
}

func elbType(lb *LoadBalancer) string {
	if lb.Type == "" {
		return "application"
	}
	return lb.Type
}

func elbScheme(lb *LoadBalancer) string {
	if lb.Scheme == "" {
		return "internet-facing"
	}
	return lb.Scheme
}

func elbID(lb *LoadBalancer) string {
	if lb.ID != "" {
		return lb.ID
	}
	return elbHexID(lb.Name)
}

// LoadBalancerARN is the ARN the simulator gives lb in account and region:
// arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>.
func LoadBalancerARN(account, region string, lb *LoadBalancer) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", region, account, elbKind(lb), lb.Name, elbID(lb))
}

// ListenerARN is the ARN the simulator gives listener l of lb:
// arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<listener id>.
func ListenerARN(account, region string, lb *LoadBalancer, l *Listener) string {
	id := l.ID
	if id == "" {
		id = elbHexID(lb.Name, elbID(lb), strconv.Itoa(l.Port))
	}
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s/%s/%s", region, account, elbKind(lb), lb.Name, elbID(lb), id)
}

func elbDescribeLoadBalancers(c *awsCall) {
	type state struct {
		Code string `xml:"Code"`
	}
	type loadBalancer struct {
		LoadBalancerArn       string              `xml:"LoadBalancerArn"`
		DNSName               string              `xml:"DNSName"`
		CanonicalHostedZoneID string              `xml:"CanonicalHostedZoneId"`
		CreatedTime           string              `xml:"CreatedTime"`
		LoadBalancerName      string              `xml:"LoadBalancerName"`
		Scheme                string              `xml:"Scheme"`
		VpcID                 string              `xml:"VpcId,omitempty"`
		State                 state               `xml:"State"`
		Type                  string              `xml:"Type"`
		SecurityGroups        *elbMembers[string] `xml:"SecurityGroups,omitempty"`
		IPAddressType         string              `xml:"IpAddressType"`
	}
	all := c.Reg().LoadBalancers
	arns, names := c.List("LoadBalancerArns"), c.List("Names")
	if len(arns) > 0 && len(names) > 0 {
		c.ValidationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
		return
	}
	selected := all
	if len(arns) > 0 || len(names) > 0 {
		selected = nil
		for _, want := range append(arns, names...) {
			lb := elbFind(c, all, want)
			if lb == nil {
				c.Fail(http.StatusBadRequest, "LoadBalancerNotFound", fmt.Sprintf("Load balancers '[%s]' not found", want))
				return
			}
			selected = append(selected, lb)
		}
	}
	lo, hi, next, ok := c.Page(len(selected), c.Int("PageSize"), c.Form.Get("Marker"), elbPaging)
	if !ok {
		return
	}
	out := struct {
		LoadBalancers elbMembers[loadBalancer] `xml:"LoadBalancers"`
		NextMarker    string                   `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, lb := range selected[lo:hi] {
		e := loadBalancer{
			LoadBalancerArn:       LoadBalancerARN(c.Account, c.Region, lb),
			DNSName:               elbDNSName(c.Region, lb),
			CanonicalHostedZoneID: "Z" + strings.ToUpper(elbHexID("zone", c.Region, elbType(lb)))[:13],
			CreatedTime:           "2020-01-01T00:00:00.000Z",
			LoadBalancerName:      lb.Name,
			Scheme:                elbScheme(lb),
			VpcID:                 lb.VPC,
			State:                 state{"active"},
			Type:                  elbType(lb),
			IPAddressType:         "ipv4",
		}
		if len(lb.Groups) > 0 {
			e.SecurityGroups = &elbMembers[string]{Member: lb.Groups}
		}
		out.LoadBalancers.Member = append(out.LoadBalancers.Member, e)
	}
	c.XML(out)
}

// elbFind returns the load balancer a name or ARN names, or nil.
func elbFind(c *awsCall, all []*LoadBalancer, nameOrARN string) *LoadBalancer {
	for _, lb := range all {
		if lb.Name == nameOrARN || LoadBalancerARN(c.Account, c.Region, lb) == nameOrARN {
			return lb
		}
	}
	return nil
}

// elbDNSName follows AWS's shapes: ALBs "<name>-<n>.<region>.elb.amazonaws.com"
// ("internal-" first when internal), NLBs "<name>-<hex>.elb.<region>.amazonaws.com".
func elbDNSName(region string, lb *LoadBalancer) string {
	id := elbID(lb)
	if elbType(lb) != "application" {
		return fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", lb.Name, id, region)
	}
	n, _ := strconv.ParseUint(id[:8], 16, 64)
	name := fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", lb.Name, n, region)
	if elbScheme(lb) == "internal" {
		name = "internal-" + name
	}
	return name
}

type elbListenerRef struct {
	lb *LoadBalancer
	l  *Listener
}

func elbDescribeListeners(c *awsCall) {
	lbARN, listenerARNs := c.Form.Get("LoadBalancerArn"), c.List("ListenerArns")
	switch {
	case lbARN == "" && len(listenerARNs) == 0:
		c.ValidationError("You must specify either listener ARNs or a load balancer ARN")
		return
	case lbARN != "" && len(listenerARNs) > 0:
		c.ValidationError("Listener ARNs and a load balancer ARN cannot be specified at the same time")
		return
	}
	all := c.Reg().LoadBalancers
	var selected []elbListenerRef
	if lbARN != "" {
		var lb *LoadBalancer
		for _, x := range all {
			if LoadBalancerARN(c.Account, c.Region, x) == lbARN {
				lb = x
			}
		}
		if lb == nil {
			c.Fail(http.StatusBadRequest, "LoadBalancerNotFound", fmt.Sprintf("Load balancer '%s' not found", lbARN))
			return
		}
		for _, l := range lb.Listeners {
			selected = append(selected, elbListenerRef{lb, l})
		}
	}
	for _, want := range listenerARNs {
		ref, ok := elbFindListener(c, all, want)
		if !ok {
			c.Fail(http.StatusBadRequest, "ListenerNotFound", fmt.Sprintf("One or more listeners not found: '%s'", want))
			return
		}
		selected = append(selected, ref)
	}
	lo, hi, next, ok := c.Page(len(selected), c.Int("PageSize"), c.Form.Get("Marker"), elbPaging)
	if !ok {
		return
	}
	out := struct {
		Listeners  elbMembers[elbListener] `xml:"Listeners"`
		NextMarker string                  `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, ref := range selected[lo:hi] {
		out.Listeners.Member = append(out.Listeners.Member, elbListenerOf(c, ref))
	}
	c.XML(out)
}

func elbFindListener(c *awsCall, all []*LoadBalancer, arn string) (elbListenerRef, bool) {
	for _, lb := range all {
		for _, l := range lb.Listeners {
			if ListenerARN(c.Account, c.Region, lb, l) == arn {
				return elbListenerRef{lb, l}, true
			}
		}
	}
	return elbListenerRef{}, false
}

type elbCertificate struct {
	CertificateArn string `xml:"CertificateArn"`
	IsDefault      bool   `xml:"IsDefault,omitempty"`
}

type elbTargetGroup struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int    `xml:"Weight"`
}

type elbForward struct {
	TargetGroups elbMembers[elbTargetGroup] `xml:"TargetGroups"`
}

type elbRedirect struct {
	Protocol   string `xml:"Protocol"`
	Port       string `xml:"Port"`
	Host       string `xml:"Host"`
	Path       string `xml:"Path"`
	Query      string `xml:"Query"`
	StatusCode string `xml:"StatusCode"`
}

type elbAction struct {
	Type           string       `xml:"Type"`
	Order          int          `xml:"Order"`
	TargetGroupArn string       `xml:"TargetGroupArn,omitempty"`
	ForwardConfig  *elbForward  `xml:"ForwardConfig,omitempty"`
	RedirectConfig *elbRedirect `xml:"RedirectConfig,omitempty"`
}

type elbListener struct {
	ListenerArn     string                      `xml:"ListenerArn"`
	LoadBalancerArn string                      `xml:"LoadBalancerArn"`
	Port            int                         `xml:"Port"`
	Protocol        string                      `xml:"Protocol"`
	SslPolicy       string                      `xml:"SslPolicy,omitempty"`
	Certificates    *elbMembers[elbCertificate] `xml:"Certificates,omitempty"`
	DefaultActions  elbMembers[elbAction]       `xml:"DefaultActions"`
}

func elbListenerOf(c *awsCall, ref elbListenerRef) elbListener {
	lb, l := ref.lb, ref.l
	arn := ListenerARN(c.Account, c.Region, lb, l)
	out := elbListener{
		ListenerArn:     arn,
		LoadBalancerArn: LoadBalancerARN(c.Account, c.Region, lb),
		Port:            l.Port,
		Protocol:        l.Protocol,
		SslPolicy:       l.SSLPolicy,
	}
	certs := l.Certificates
	if len(certs) == 0 && (l.Protocol == "HTTPS" || l.Protocol == "TLS") {
		sum := sha256.Sum256([]byte("certificate/" + arn))
		id := hex.EncodeToString(sum[:16])
		certs = []string{fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s-%s-%s-%s-%s",
			c.Region, c.Account, id[:8], id[8:12], id[12:16], id[16:20], id[20:])}
	}
	if len(certs) > 0 {
		// DescribeListeners names the default certificate only; the others
		// are DescribeListenerCertificates'.
		out.Certificates = &elbMembers[elbCertificate]{Member: []elbCertificate{{CertificateArn: certs[0]}}}
	}
	if l.RedirectToHTTPS {
		out.DefaultActions.Member = []elbAction{{
			Type: "redirect", Order: 1,
			RedirectConfig: &elbRedirect{Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301"},
		}}
		return out
	}
	tg := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s-%d/%s", c.Region, c.Account, lb.Name, l.Port, elbHexID("targetgroup", arn))
	out.DefaultActions.Member = []elbAction{{
		Type: "forward", Order: 1, TargetGroupArn: tg,
		ForwardConfig: &elbForward{TargetGroups: elbMembers[elbTargetGroup]{Member: []elbTargetGroup{{tg, 1}}}},
	}}
	return out
}

// elbSSLPolicy is one of AWS's predefined security policies.
type elbSSLPolicy struct {
	Name      string
	Protocols []string
	Ciphers   []string
}

// Cipher suites in OpenSSL names, as the policies list them.
var (
	elbTLS13Ciphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
	elbFSCiphers    = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}
	elbLegacy       = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES128-SHA", "AES256-SHA"}
)

// elbSSLPolicies are real predefined policies with the protocols AWS lists
// for them; each carries a few of its ciphers, enough to read.
var elbSSLPolicies = []elbSSLPolicy{
	{"ELBSecurityPolicy-2016-08", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, elbLegacy},
	{"ELBSecurityPolicy-2015-05", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, elbLegacy},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", []string{"TLSv1.1", "TLSv1.2"}, elbLegacy},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", []string{"TLSv1.2"}, append([]string{}, elbFSCiphers...)},
	{"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", []string{"TLSv1.2"}, append(append([]string{}, elbFSCiphers...), "AES128-GCM-SHA256")},
	{"ELBSecurityPolicy-FS-1-2-Res-2020-10", []string{"TLSv1.2"}, elbFSCiphers},
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"TLSv1.2", "TLSv1.3"}, append(append([]string{}, elbTLS13Ciphers...), elbFSCiphers...)},
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", []string{"TLSv1.3"}, elbTLS13Ciphers},
}

func elbDescribeSSLPolicies(c *awsCall) {
	type cipher struct {
		Name     string `xml:"Name"`
		Priority int    `xml:"Priority"`
	}
	type policy struct {
		Ciphers                    elbMembers[cipher] `xml:"Ciphers"`
		Name                       string             `xml:"Name"`
		SslProtocols               elbMembers[string] `xml:"SslProtocols"`
		SupportedLoadBalancerTypes elbMembers[string] `xml:"SupportedLoadBalancerTypes"`
	}
	// Predefined policies serve application and network load balancers;
	// gateway load balancers take none.
	switch c.Form.Get("LoadBalancerType") {
	case "", "application", "network":
	case "gateway":
		c.XML(struct {
			SslPolicies elbMembers[policy] `xml:"SslPolicies"`
		}{})
		return
	default:
		c.ValidationError(fmt.Sprintf("'%s' is not a valid load balancer type", c.Form.Get("LoadBalancerType")))
		return
	}
	selected := elbSSLPolicies
	if names := c.List("Names"); len(names) > 0 {
		selected = nil
		for _, n := range names {
			p, ok := elbSSLPolicyNamed(n)
			if !ok {
				c.Fail(http.StatusBadRequest, "SSLPolicyNotFound", fmt.Sprintf("SSL policy '%s' not found", n))
				return
			}
			selected = append(selected, p)
		}
	}
	lo, hi, next, ok := c.Page(len(selected), c.Int("PageSize"), c.Form.Get("Marker"), elbPaging)
	if !ok {
		return
	}
	out := struct {
		NextMarker  string             `xml:"NextMarker,omitempty"`
		SslPolicies elbMembers[policy] `xml:"SslPolicies"`
	}{NextMarker: next}
	for _, p := range selected[lo:hi] {
		e := policy{
			Name:                       p.Name,
			SslProtocols:               elbMembers[string]{Member: p.Protocols},
			SupportedLoadBalancerTypes: elbMembers[string]{Member: []string{"application", "network"}},
		}
		for i, ci := range p.Ciphers {
			e.Ciphers.Member = append(e.Ciphers.Member, cipher{ci, i + 1})
		}
		out.SslPolicies.Member = append(out.SslPolicies.Member, e)
	}
	c.XML(out)
}

func elbSSLPolicyNamed(name string) (elbSSLPolicy, bool) {
	for _, p := range elbSSLPolicies {
		if p.Name == name {
			return p, true
		}
	}
	return elbSSLPolicy{}, false
}

// elbDescribeTags answers the tags of up to 20 load balancers or listeners,
// in the order asked. The world gives listeners no tags of their own, so
// theirs are empty. One unknown ARN fails the whole call, as ELBv2 does.
func elbDescribeTags(c *awsCall) {
	type tag struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	type description struct {
		ResourceArn string          `xml:"ResourceArn"`
		Tags        elbMembers[tag] `xml:"Tags"`
	}
	arns := c.List("ResourceArns")
	switch {
	case len(arns) == 0:
		c.ValidationError("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
		return
	case len(arns) > elbTagsPerCall:
		c.ValidationError(fmt.Sprintf("too many resource ARNs: %d given, at most %d per call", len(arns), elbTagsPerCall))
		return
	}
	all := c.Reg().LoadBalancers
	var out struct {
		TagDescriptions elbMembers[description] `xml:"TagDescriptions"`
	}
	for _, arn := range arns {
		d := description{ResourceArn: arn}
		if strings.Contains(arn, ":listener/") {
			if _, ok := elbFindListener(c, all, arn); !ok {
				c.Fail(http.StatusBadRequest, "ListenerNotFound", fmt.Sprintf("One or more listeners not found: '%s'", arn))
				return
			}
			out.TagDescriptions.Member = append(out.TagDescriptions.Member, d)
			continue
		}
		lb := elbFind(c, all, arn)
		if lb == nil || !strings.HasPrefix(arn, "arn:") {
			c.Fail(http.StatusBadRequest, "LoadBalancerNotFound", fmt.Sprintf("Load balancers '[%s]' not found", arn))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(lb.Tags)) {
			d.Tags.Member = append(d.Tags.Member, tag{k, lb.Tags[k]})
		}
		out.TagDescriptions.Member = append(out.TagDescriptions.Member, d)
	}
	c.XML(out)
}
