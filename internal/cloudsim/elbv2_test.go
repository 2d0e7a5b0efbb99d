package cloudsim

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const elbTestKey = "AKIAELBTEST000000001"

// elbTestFiller is how many load balancers besides "web", "tcp" and
// "pinned" the region holds, so that listing them takes several pages.
const elbTestFiller = 8

func elbTestWorld(t *testing.T) *World {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `aws:
  accessKeys:
    %s: "111111111111"
  accounts:
    - id: "111111111111"
      regions:
        eu-west-1: {}
        eu-central-1:
          loadBalancers:
            - name: web
              vpc: vpc-0a1
              groups: [sg-0web1, sg-0web2]
              listeners:
                - {port: 80, protocol: HTTP, redirectToHttps: true}
                - port: 443
                  protocol: HTTPS
                  sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
                  certificates: [arn:aws:acm:eu-central-1:111111111111:certificate/11111111-2222-3333-4444-555555555555, arn:aws:acm:eu-central-1:111111111111:certificate/other]
                - {port: 8080, protocol: HTTP}
            - name: tcp
              type: network
              scheme: internal
              vpc: vpc-0a1
              listeners:
                - {port: 443, protocol: TLS, sslPolicy: ELBSecurityPolicy-2016-08}
            - name: pinned
              id: 0123456789abcdef
              vpc: vpc-0a1
              listeners:
                - {port: 443, protocol: HTTPS, sslPolicy: ELBSecurityPolicy-TLS-1-2-2017-01, id: fedcba9876543210}
`, elbTestKey)
	for i := 0; i < elbTestFiller; i++ {
		fmt.Fprintf(&b, "            - {name: filler-%d, vpc: vpc-0b2}\n", i)
	}
	w, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func elbStartSim(t *testing.T) (*Server, *elbv2.Client) {
	t.Helper()
	srv := serveWorld(t, elbTestWorld(t))
	return srv, elbTestClient(srv, "eu-central-1")
}

func elbTestClient(srv *Server, region string) *elbv2.Client {
	return elbv2.NewFromConfig(sdkConfig(srv, elbTestKey, region))
}

var (
	elbARNPattern      = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/(app|net)/([a-z0-9-]+)/([0-9a-f]{16})$`)
	elbListenerPattern = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-central-1:111111111111:listener/(app|net)/([a-z0-9-]+)/([0-9a-f]{16})/([0-9a-f]{16})$`)
)

func TestELBv2DescribeLoadBalancersPages(t *testing.T) {
	srv, client := elbStartSim(t)
	want := []string{"web", "tcp", "pinned"}
	for i := 0; i < elbTestFiller; i++ {
		want = append(want, fmt.Sprintf("filler-%d", i))
	}
	tests := []struct {
		name      string
		pageSize  *int32
		wantPages int
	}{
		{"page size 4", aws.Int32(4), 3},
		{"page size 1", aws.Int32(1), len(want)},
		{"page size 400", aws.Int32(400), 1},
		{"default page size", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetLog()
			p := elbv2.NewDescribeLoadBalancersPaginator(client, &elbv2.DescribeLoadBalancersInput{PageSize: tc.pageSize})
			var got []types.LoadBalancer
			pages := 0
			for _, out := range allPages(t, p) {
				pages++
				got = append(got, out.LoadBalancers...)
			}
			var names []string
			for _, lb := range got {
				names = append(names, aws.ToString(lb.LoadBalancerName))
			}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("load balancers = %v, want %v", names, want)
			}
			if pages != tc.wantPages {
				t.Errorf("pages = %d, want %d", pages, tc.wantPages)
			}
			if c := srv.Counts(); !reflect.DeepEqual(c, map[string]int{"elasticloadbalancing:DescribeLoadBalancers": tc.wantPages}) {
				t.Errorf("requests = %v, want %d elasticloadbalancing:DescribeLoadBalancers", c, tc.wantPages)
			}
		})
	}
}

func TestELBv2LoadBalancerFields(t *testing.T) {
	srv, client := elbStartSim(t)
	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{Names: []string{"web", "tcp", "pinned"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LoadBalancers) != 3 {
		t.Fatalf("load balancers = %d, want 3", len(out.LoadBalancers))
	}
	if out.NextMarker != nil {
		t.Errorf("NextMarker = %q, want none", *out.NextMarker)
	}
	region := srv.World().AWS.Accounts[0].Regions["eu-central-1"]
	type fields struct {
		Kind, Type, Scheme, VPC, State, IPType string
		Groups                                 []string
	}
	wants := map[string]fields{
		"web":    {"app", "application", "internet-facing", "vpc-0a1", "active", "ipv4", []string{"sg-0web1", "sg-0web2"}},
		"tcp":    {"net", "network", "internal", "vpc-0a1", "active", "ipv4", nil},
		"pinned": {"app", "application", "internet-facing", "vpc-0a1", "active", "ipv4", nil},
	}
	for i, lb := range out.LoadBalancers {
		name := aws.ToString(lb.LoadBalancerName)
		arn := aws.ToString(lb.LoadBalancerArn)
		m := elbARNPattern.FindStringSubmatch(arn)
		if m == nil || m[2] != name {
			t.Errorf("%s ARN = %q, want loadbalancer/<kind>/%s/<16 hex>", name, arn, name)
			continue
		}
		if want := LoadBalancerARN("111111111111", "eu-central-1", region.LoadBalancers[i]); arn != want {
			t.Errorf("%s ARN = %q, want LoadBalancerARN's %q", name, arn, want)
		}
		if name == "pinned" && m[3] != "0123456789abcdef" {
			t.Errorf("pinned id = %s, want the world's 0123456789abcdef", m[3])
		}
		if name != "pinned" && m[3] != elbHexID(name) {
			t.Errorf("%s id = %s, want %s derived from the name", name, m[3], elbHexID(name))
		}
		got := fields{m[1], string(lb.Type), string(lb.Scheme), aws.ToString(lb.VpcId), string(lb.State.Code), string(lb.IpAddressType), lb.SecurityGroups}
		if !reflect.DeepEqual(got, wants[name]) {
			t.Errorf("%s = %+v, want %+v", name, got, wants[name])
		}
		dns := aws.ToString(lb.DNSName)
		if !strings.HasPrefix(dns, map[string]string{"web": "web-", "tcp": "tcp-", "pinned": "pinned-"}[name]) || !strings.HasSuffix(dns, ".amazonaws.com") || !strings.Contains(dns, "eu-central-1") {
			t.Errorf("%s DNSName = %q, want <name>-….eu-central-1….amazonaws.com", name, dns)
		}
		if lb.CreatedTime == nil || lb.CreatedTime.IsZero() {
			t.Errorf("%s has no CreatedTime", name)
		}
	}
}

func TestELBv2DescribeListeners(t *testing.T) {
	srv, client := elbStartSim(t)
	web := srv.World().AWS.Accounts[0].Regions["eu-central-1"].LoadBalancers[0]
	webARN := LoadBalancerARN("111111111111", "eu-central-1", web)
	type action struct {
		Type, TargetGroup, Protocol, Port, Status string
	}
	type listener struct {
		Port         int32
		Protocol     string
		SSLPolicy    string
		Certificates []string
		Actions      []action
	}
	summarize := func(l types.Listener) listener {
		out := listener{Port: aws.ToInt32(l.Port), Protocol: string(l.Protocol), SSLPolicy: aws.ToString(l.SslPolicy)}
		for _, c := range l.Certificates {
			out.Certificates = append(out.Certificates, aws.ToString(c.CertificateArn))
		}
		for _, a := range l.DefaultActions {
			x := action{Type: string(a.Type)}
			if a.TargetGroupArn != nil {
				x.TargetGroup = "tg"
				if a.ForwardConfig == nil || len(a.ForwardConfig.TargetGroups) != 1 || aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn) != aws.ToString(a.TargetGroupArn) {
					t.Errorf("listener %d forward config = %+v, want the one target group", out.Port, a.ForwardConfig)
				}
			}
			if r := a.RedirectConfig; r != nil {
				x.Protocol, x.Port, x.Status = aws.ToString(r.Protocol), aws.ToString(r.Port), string(r.StatusCode)
			}
			out.Actions = append(out.Actions, x)
		}
		return out
	}
	want := []listener{
		{80, "HTTP", "", nil, []action{{Type: "redirect", Protocol: "HTTPS", Port: "443", Status: "HTTP_301"}}},
		{443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"arn:aws:acm:eu-central-1:111111111111:certificate/11111111-2222-3333-4444-555555555555"}, []action{{Type: "forward", TargetGroup: "tg"}}},
		{8080, "HTTP", "", nil, []action{{Type: "forward", TargetGroup: "tg"}}},
	}
	for _, tc := range []struct {
		name      string
		pageSize  *int32
		wantPages int
	}{{"page size 2", aws.Int32(2), 2}, {"default page size", nil, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetLog()
			p := elbv2.NewDescribeListenersPaginator(client, &elbv2.DescribeListenersInput{LoadBalancerArn: &webARN, PageSize: tc.pageSize})
			var got []listener
			pages := 0
			for _, out := range allPages(t, p) {
				pages++
				for _, l := range out.Listeners {
					if aws.ToString(l.LoadBalancerArn) != webARN {
						t.Errorf("listener LoadBalancerArn = %q, want %q", aws.ToString(l.LoadBalancerArn), webARN)
					}
					m := elbListenerPattern.FindStringSubmatch(aws.ToString(l.ListenerArn))
					if m == nil || m[2] != "web" || m[3] != elbHexID("web") {
						t.Errorf("ListenerArn = %q, want listener/app/web/%s/<16 hex>", aws.ToString(l.ListenerArn), elbHexID("web"))
					}
					got = append(got, summarize(l))
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("listeners = %+v\nwant %+v", got, want)
			}
			if pages != tc.wantPages {
				t.Errorf("pages = %d, want %d", pages, tc.wantPages)
			}
			if c := srv.Counts(); !reflect.DeepEqual(c, map[string]int{"elasticloadbalancing:DescribeListeners": tc.wantPages}) {
				t.Errorf("requests = %v, want %d elasticloadbalancing:DescribeListeners", c, tc.wantPages)
			}
		})
	}
}

func TestELBv2ListenersByARN(t *testing.T) {
	srv, client := elbStartSim(t)
	lbs := srv.World().AWS.Accounts[0].Regions["eu-central-1"].LoadBalancers
	tcp, pinned := lbs[1], lbs[2]
	tcpListener := ListenerARN("111111111111", "eu-central-1", tcp, tcp.Listeners[0])
	pinnedListener := ListenerARN("111111111111", "eu-central-1", pinned, pinned.Listeners[0])
	if want := "arn:aws:elasticloadbalancing:eu-central-1:111111111111:listener/app/pinned/0123456789abcdef/fedcba9876543210"; pinnedListener != want {
		t.Errorf("pinned listener ARN = %s, want %s", pinnedListener, want)
	}
	out, err := client.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{ListenerArns: []string{pinnedListener, tcpListener}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range out.Listeners {
		got = append(got, fmt.Sprintf("%s %s %d %s certs=%d", aws.ToString(l.ListenerArn), l.Protocol, aws.ToInt32(l.Port), aws.ToString(l.SslPolicy), len(l.Certificates)))
	}
	// TLS and HTTPS listeners always carry a certificate.
	want := []string{
		pinnedListener + " HTTPS 443 ELBSecurityPolicy-TLS-1-2-2017-01 certs=1",
		tcpListener + " TLS 443 ELBSecurityPolicy-2016-08 certs=1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listeners = %v, want %v", got, want)
	}
}

func TestELBv2DescribeSSLPolicies(t *testing.T) {
	srv, client := elbStartSim(t)
	ctx := context.Background()
	out, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-3-2021-06"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range out.SslPolicies {
		got[aws.ToString(p.Name)] = p.SslProtocols
		if len(p.Ciphers) == 0 || aws.ToString(p.Ciphers[0].Name) == "" || aws.ToInt32(p.Ciphers[0].Priority) != 1 {
			t.Errorf("%s ciphers = %+v, want named ciphers from priority 1", aws.ToString(p.Name), p.Ciphers)
		}
		if !reflect.DeepEqual(p.SupportedLoadBalancerTypes, []string{"application", "network"}) {
			t.Errorf("%s SupportedLoadBalancerTypes = %v", aws.ToString(p.Name), p.SupportedLoadBalancerTypes)
		}
	}
	want := map[string][]string{
		"ELBSecurityPolicy-TLS13-1-2-2021-06": {"TLSv1.2", "TLSv1.3"},
		"ELBSecurityPolicy-2016-08":           {"TLSv1", "TLSv1.1", "TLSv1.2"},
		"ELBSecurityPolicy-TLS13-1-3-2021-06": {"TLSv1.3"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SSL policies = %v, want %v", got, want)
	}

	// Without names: every policy, paged by Marker (there is no SDK
	// paginator for this operation).
	srv.ResetLog()
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{PageSize: aws.Int32(3), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.SslPolicies {
			names = append(names, aws.ToString(p.Name))
		}
		if marker = out.NextMarker; marker == nil {
			break
		}
	}
	var all []string
	for _, p := range elbSSLPolicies {
		all = append(all, p.Name)
	}
	sort.Strings(all)
	sort.Strings(names)
	if !reflect.DeepEqual(names, all) {
		t.Errorf("all policies = %v, want %v", names, all)
	}
	if wantPages := (len(all) + 2) / 3; pages != wantPages || srv.Counts()["elasticloadbalancing:DescribeSSLPolicies"] != wantPages {
		t.Errorf("pages = %d, requests = %v, want %d", pages, srv.Counts(), wantPages)
	}
	for _, name := range []string{"ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10", "ELBSecurityPolicy-2015-05"} {
		if !contains(all, name) {
			t.Errorf("built-in policies lack %s", name)
		}
	}
}

func TestELBv2Errors(t *testing.T) {
	srv, client := elbStartSim(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		call       func() error
		wantOp     string
		wantCode   string
		wantStatus int
	}{
		{"unknown load balancer name", func() error {
			_, err := client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"web", "nope"}})
			return err
		}, "DescribeLoadBalancers", "LoadBalancerNotFound", 400},
		{"unknown load balancer ARN", func() error {
			_, err := client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{"arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/app/nope/0000000000000000"}})
			return err
		}, "DescribeLoadBalancers", "LoadBalancerNotFound", 400},
		{"page size above 400", func() error {
			_, err := client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
			return err
		}, "DescribeLoadBalancers", "ValidationError", 400},
		{"listeners of nothing", func() error {
			_, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{})
			return err
		}, "DescribeListeners", "ValidationError", 400},
		{"listeners of an unknown load balancer", func() error {
			_, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/app/nope/0000000000000000")})
			return err
		}, "DescribeListeners", "LoadBalancerNotFound", 400},
		{"unknown listener", func() error {
			_, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{"arn:aws:elasticloadbalancing:eu-central-1:111111111111:listener/app/web/0000000000000000/0000000000000000"}})
			return err
		}, "DescribeListeners", "ListenerNotFound", 400},
		{"unknown SSL policy", func() error {
			_, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-Nope"}})
			return err
		}, "DescribeSSLPolicies", "SSLPolicyNotFound", 400},
		{"a write is refused", func() error {
			_, err := client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/app/web/x")})
			return err
		}, "DeleteLoadBalancer", "UnauthorizedOperation", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetLog()
			err := tc.call()
			if code, status := errStatus(err); code != tc.wantCode || status != tc.wantStatus {
				t.Errorf("%s error = %q (HTTP %d) [%v], want %q (HTTP %d)", tc.wantOp, code, status, err, tc.wantCode, tc.wantStatus)
			}
			if ops := srv.Operations(); !reflect.DeepEqual(ops, []string{"elasticloadbalancing:" + tc.wantOp}) {
				t.Errorf("operations = %v, want [elasticloadbalancing:%s]", ops, tc.wantOp)
			}
			wantWrites := 0
			if tc.wantCode == "UnauthorizedOperation" {
				wantWrites = 1
			}
			if w := srv.Writes(); len(w) != wantWrites {
				t.Errorf("writes = %v, want %d", w, wantWrites)
			}
		})
	}
}

func TestELBv2EmptyRegion(t *testing.T) {
	srv, _ := elbStartSim(t)
	client := elbTestClient(srv, "eu-west-1")
	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LoadBalancers) != 0 || out.NextMarker != nil {
		t.Errorf("eu-west-1 = %d load balancers, marker %v; want none", len(out.LoadBalancers), out.NextMarker)
	}
	if r := srv.Requests(); len(r) != 1 || r[0].Region != "eu-west-1" || r[0].Status != 200 {
		t.Errorf("requests = %+v, want one answered in eu-west-1", r)
	}
}

// TestELBv2DescribeTags: each load balancer's tags in the order asked, up
// to 20 resources a call; listeners answer with no tags; one unknown ARN
// fails the call.
func TestELBv2DescribeTags(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, `aws:
  accessKeys: {%s: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          loadBalancers:
            - name: web
              tags: {team: payments, env: prod}
              listeners: [{port: 443, protocol: HTTPS, sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06}]
            - {name: bare}
`, elbTestKey)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "            - {name: filler-%02d, tags: {n: \"%d\"}}\n", i, i)
	}
	w, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveWorld(t, w)
	client := elbTestClient(srv, "eu-central-1")
	reg := w.AWS.Accounts[0].Regions["eu-central-1"]
	arn := func(i int) string { return LoadBalancerARN("111111111111", "eu-central-1", reg.LoadBalancers[i]) }
	listener := ListenerARN("111111111111", "eu-central-1", reg.LoadBalancers[0], reg.LoadBalancers[0].Listeners[0])

	out, err := client.DescribeTags(context.Background(), &elbv2.DescribeTagsInput{ResourceArns: []string{arn(1), arn(0), listener}})
	if err != nil {
		t.Fatal(err)
	}
	type described struct {
		arn  string
		tags []string
	}
	var got []described
	for _, d := range out.TagDescriptions {
		e := described{arn: aws.ToString(d.ResourceArn)}
		for _, tag := range d.Tags {
			e.tags = append(e.tags, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		got = append(got, e)
	}
	want := []described{{arn(1), nil}, {arn(0), []string{"env=prod", "team=payments"}}, {listener, nil}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DescribeTags = %+v, want %+v", got, want)
	}

	var twenty, twentyOne []string
	for i := range 21 {
		if i < 20 {
			twenty = append(twenty, arn(i))
		}
		twentyOne = append(twentyOne, arn(i))
	}
	for _, tt := range []struct {
		name     string
		arns     []string
		wantCode string
		wantN    int
	}{
		{"twenty", twenty, "", 20},
		{"twenty-one", twentyOne, "ValidationError", 0},
		{"unknown load balancer", []string{arn(0), "arn:aws:elasticloadbalancing:eu-central-1:111111111111:loadbalancer/app/nope/0123456789abcdef"}, "LoadBalancerNotFound", 0},
		{"another region's", []string{"arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/" + elbHexID("web")}, "LoadBalancerNotFound", 0},
		{"a name, not an ARN", []string{"web"}, "LoadBalancerNotFound", 0},
		{"unknown listener", []string{listener + "0"}, "ListenerNotFound", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeTags(context.Background(), &elbv2.DescribeTagsInput{ResourceArns: tt.arns})
			if wantCode(t, "DescribeTags", err, tt.wantCode) && len(out.TagDescriptions) != tt.wantN {
				t.Errorf("DescribeTags = %d descriptions, want %d", len(out.TagDescriptions), tt.wantN)
			}
		})
	}
	wantRequests(t, srv, "elasticloadbalancing:DescribeTags", 7)
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}
