// Package aws reads AWS accounts into the normalized inventory through
// aws-sdk-go-v2: one scanner per domain (firewall.go, patching.go,
// encryption.go, iam.go), sharing what they learn about a target (the
// accounts an organization expands into, the credentials assumed into
// each, the enabled regions) and pacing every call through the scan's
// scheduler.
//
// Credentials come from config.LoadDefaultConfig: the environment, shared
// profiles, SSO, IMDS and web identity (IRSA); the SDK's own
// AWS_ENDPOINT_URL handling applies. Scanners only read.
package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Register adds the four AWS scanners to g. They share one env, so a
// target's accounts, credentials and regions are resolved once per run.
//
// A target's Params may name assumeRole (a role ARN to assume in the
// account), externalId (the external id its trust policy requires) and,
// for the "organization" group, assumeRoleName (the role to assume in every
// member account, OrganizationAccountAccessRole by default). An endpoint
// for inventory.AWS in o points every client at it, with the endpoint's
// Identity as a static access key id.
func Register(g *scanners.Registry, o scanners.Options) { register(g, settings{Options: o}) }

// settings are the shared options plus what only the AWS scanners tune;
// tests shorten the waits.
type settings struct {
	scanners.Options
	// loadOptions are applied after the SDK defaults (and after the
	// endpoint's); tests name an endpoint and credentials here.
	loadOptions []func(*config.LoadOptions) error
	// maxAttempts is the standard retryer's attempt budget (default 5).
	maxAttempts int
	// reportPoll is how long to wait between credential report polls
	// (default 2s); reportTimeout bounds the whole wait (default 2m).
	reportPoll    time.Duration
	reportTimeout time.Duration
	// sessionName names the AssumeRole sessions (default "ownaudit").
	sessionName string
	// maxAnswer is the largest response body read (default
	// defaultMaxAnswer); a larger one fails the read.
	maxAnswer int64
}

func register(g *scanners.Registry, o settings) {
	e := newEnv(o)
	e.o.Scheduler.Throttling(string(inventory.AWS), throttleCodes()...)
	scanners.RegisterDomains(g, inventory.AWS, e, map[inventory.Domain]scanners.DomainScan[*env]{
		inventory.Firewall:   scanFirewall,
		inventory.Patching:   scanPatching,
		inventory.Encryption: scanEncryption,
		inventory.IAM:        scanIAM,
	})
}

// Target parameters (scanners.Target.Params) and group the AWS scanners
// read, under the declaration's names.
const (
	paramAssumeRole     = "assumeRole"
	paramExternalID     = "externalId"
	paramAssumeRoleName = "assumeRoleName"
	groupOrganization   = "organization"
)

// env is what the scanners of one run share.
type env struct {
	o settings

	baseOnce sync.Once
	base     sdk.Config
	baseErr  error

	credOnce sync.Once
	credErr  error

	targets scanners.Resolutions[*account]
}

// account is one AWS account to scan, with credentials in it.
type account struct {
	ID      string
	Name    string
	Regions []string
	cfg     sdk.Config
	// rootCentral is whether the organization manages the account's root
	// credentials centrally; unknown outside an organization scan or when
	// IAM would not say.
	rootCentral inventory.Bool
	// err is why the account cannot be scanned (the role could not be
	// assumed, regions could not be listed).
	err       error
	operation string

	// dbs holds each region's RDS instances once read: the patching and
	// encryption scanners both need them, and one read serves both.
	dbMu sync.Mutex
	dbs  map[string]*dbRead
}

type dbRead struct {
	once sync.Once
	list []rdstypes.DBInstance
	err  error
}

// dbInstances reads every page of the region's RDS instances, once per
// account and region however many scanners ask.
func (a *account) dbInstances(ctx context.Context, region string) ([]rdstypes.DBInstance, error) {
	a.dbMu.Lock()
	if a.dbs == nil {
		a.dbs = map[string]*dbRead{}
	}
	r, ok := a.dbs[region]
	if !ok {
		r = &dbRead{}
		a.dbs[region] = r
	}
	a.dbMu.Unlock()
	r.once.Do(func() {
		p := rds.NewDescribeDBInstancesPaginator(a.rds(region), &rds.DescribeDBInstancesInput{MaxRecords: sdk.Int32(rdsPageSize)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				r.list, r.err = nil, err
				return
			}
			r.list = append(r.list, page.DBInstances...)
		}
	})
	return r.list, r.err
}

func newEnv(o settings) *env {
	if o.Scheduler == nil {
		o.Scheduler = scanners.NewScheduler(16)
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = time.Minute
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = 5
	}
	if o.reportPoll == 0 {
		o.reportPoll = 2 * time.Second
	}
	if o.reportTimeout == 0 {
		o.reportTimeout = 2 * time.Minute
	}
	if o.sessionName == "" {
		o.sessionName = "ownaudit"
	}
	if o.maxAnswer == 0 {
		o.maxAnswer = defaultMaxAnswer
	}
	if ep, ok := o.Endpoints[inventory.AWS]; ok {
		region := ep.Region
		if region == "" {
			region = defaultRegion
		}
		o.loadOptions = append(Isolated(ep.URL, region, ep.Identity, "simulated-secret-not-a-credential"), o.loadOptions...)
	}
	return &env{o: o}
}

// sdkLogger hands the SDK's log lines to l at debug level, instead of the
// SDK writing them to stderr in a format of its own.
func sdkLogger(l *slog.Logger) logging.Logger {
	if l == nil {
		return logging.Nop{}
	}
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		l.Debug(fmt.Sprintf(format, v...), "source", "aws-sdk", "classification", string(c))
	})
}

// defaultRegion is where global calls (IAM, STS, Organizations) go when
// the configuration names no region.
const defaultRegion = "us-east-1"

func (e *env) baseConfig(ctx context.Context) (sdk.Config, error) {
	e.baseOnce.Do(func() {
		opts := append(loadLogging(sdkLogger(e.o.Logger)),
			config.WithRetryer(func() sdk.Retryer { return newRetryer(e.o.Scheduler, e.o.maxAttempts) }),
			// ownaudit's own client, always: the SDK builds one only when
			// something like AWS_CA_BUNDLE asks for it, and without one
			// --call-timeout had nothing to bound. LoadDefaultConfig still
			// adds a custom CA bundle to it (a buildable client takes
			// transport options).
			config.WithHTTPClient(awshttp.NewBuildableClient().
				WithTransportOptions(func(tr *http.Transport) { scanners.ConfigureTransport(tr, e.o.CallTimeout) }).
				WithTimeout(e.o.CallTimeout)),
		)
		opts = append(opts, e.o.loadOptions...)
		e.base, e.baseErr = config.LoadDefaultConfig(ctx, opts...)
		if e.baseErr == nil && e.base.Region == "" {
			e.base.Region = defaultRegion
		}
		e.base.Logger = sdkLogger(e.o.Logger)
		e.base.APIOptions = append(e.base.APIOptions, checkAnswers(e.o.maxAnswer))
		// Every service client would otherwise clone the buildable HTTP
		// client into a transport of its own: a scan makes a client per
		// account, region and service, and nothing would share their
		// connections. One frozen client is one connection pool. The
		// per-call timeout is the client's own: it stops a request without
		// cancelling a context after the call, which net/http can answer by
		// closing a connection another request has just taken over.
		if b, ok := e.base.HTTPClient.(*awshttp.BuildableClient); ok {
			e.base.HTTPClient = b.Freeze()
		}
	})
	return e.base, e.baseErr
}

// accounts resolves t into the accounts to scan, once per run: the
// organization's active members, the account behind an assumed role, or
// the one the ambient credentials belong to. Each account is recorded as a
// target in out.
func (e *env) accounts(ctx context.Context, t scanners.Target, out *scanners.Sink) ([]*account, error) {
	key := fmt.Sprintf("%s|%s|%s|%s|%s|%s", t.ID, t.Params[paramAssumeRole], t.Params[paramExternalID], t.Group,
		t.Params[paramAssumeRoleName], strings.Join(t.Regions, ","))
	return e.targets.Get(ctx, out, inventory.AWS, key, func() ([]*account, error) { return e.resolve(ctx, t, out) },
		func(a *account) string { return a.Name })
}

func (e *env) resolve(ctx context.Context, t scanners.Target, out *scanners.Sink) ([]*account, error) {
	base, err := e.baseConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w; %s", err, credentialsAdvice)
	}
	if err := e.checkCredentials(ctx, base); err != nil {
		return nil, err
	}
	// A bug in resolving one account makes that account unreadable, for
	// every domain, rather than ending the scan.
	resolving := func(a *account) *scanners.Group {
		return out.Group(scanners.Scope{Cloud: inventory.AWS, Target: a.ID}, 0).OnPanic(func(err error) {
			a.err, a.operation = err, "resolve the account"
		})
	}
	var accts []*account
	assumeRole, externalID := t.Params[paramAssumeRole], t.Params[paramExternalID]
	switch {
	case t.Group == groupOrganization:
		members, management, err := e.listAccounts(ctx, base)
		if err != nil {
			return nil, err
		}
		central := e.rootCredentialsManagement(ctx, base)
		for _, a := range members {
			// Central root management covers the members only; the
			// management account keeps its root credentials.
			if a.ID != management {
				a.rootCentral = central
			}
		}
		role := t.Params[paramAssumeRoleName]
		if role == "" {
			role = "OrganizationAccountAccessRole"
		}
		var groups []*scanners.Group
		for _, a := range members {
			accts = append(accts, a)
			g := resolving(a)
			groups = append(groups, g)
			g.Go(func() {
				arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(base.Region), a.ID, role)
				e.assume(ctx, base, a, arn, externalID)
			})
		}
		for _, g := range groups {
			g.Wait()
		}
	case t.Group != "":
		return nil, fmt.Errorf("unknown AWS target group %q: want %q", t.Group, groupOrganization)
	case assumeRole != "":
		id := t.ID
		if id == "" {
			id = accountFromARN(assumeRole)
		}
		a := &account{ID: id}
		e.assume(ctx, base, a, assumeRole, externalID)
		accts = append(accts, a)
	default:
		a := &account{ID: t.ID, cfg: e.instrument(base, t.ID)}
		who, err := sts.NewFromConfig(a.cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch {
		case err != nil:
			if a.ID == "" {
				return nil, fmt.Errorf("find the account of the ambient credentials: sts:GetCallerIdentity: %w", err)
			}
			a.err, a.operation = err, "sts:GetCallerIdentity"
		case a.ID == "":
			a.ID = sdk.ToString(who.Account)
			a.cfg = e.instrument(base, a.ID)
		case sdk.ToString(who.Account) != a.ID:
			a.err = fmt.Errorf("the credentials belong to account %s, not %s; set assumeRole for the target or use credentials of that account", sdk.ToString(who.Account), a.ID)
			a.operation = "sts:GetCallerIdentity"
		}
		accts = append(accts, a)
	}
	var groups []*scanners.Group
	for _, a := range accts {
		if a.err != nil {
			continue
		}
		g := resolving(a)
		groups = append(groups, g)
		g.Go(func() { e.regions(ctx, a, t.Regions) })
	}
	for _, g := range groups {
		g.Wait()
	}
	sort.Slice(accts, func(i, j int) bool { return accts[i].ID < accts[j].ID })
	return accts, nil
}

// listAccounts lists the organization's members that can be scanned, and
// the management account's id, which every member's ARN carries
// (arn:aws:organizations::<management>:account/o-.../<id>).
func (e *env) listAccounts(ctx context.Context, base sdk.Config) ([]*account, string, error) {
	client := organizations.NewFromConfig(e.instrument(base, baseCaller))
	var out []*account
	management := ""
	// 20 is the most one page holds: a page of the default 10 would
	// double the calls of a large organization.
	p := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{MaxResults: sdk.Int32(20)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("list the organization's accounts: organizations:ListAccounts: %w", err)
		}
		for _, a := range page.Accounts {
			if management == "" {
				management = accountFromARN(sdk.ToString(a.Arn))
			}
			state := string(a.State)
			if state == "" {
				state = string(a.Status) // older answers only carry Status
			}
			if state != "ACTIVE" {
				continue
			}
			out = append(out, &account{ID: sdk.ToString(a.Id), Name: sdk.ToString(a.Name)})
		}
	}
	return out, management, nil
}

// rootCredentialsManagement asks IAM, with the management account's
// credentials, whether the organization manages its members' root
// credentials centrally. It only explains a root user without
// credentials, which the account summary shows by itself, so a refusal
// (not the management account, the feature's service access not enabled,
// access denied) leaves it unknown rather than making the scan partial.
func (e *env) rootCredentialsManagement(ctx context.Context, base sdk.Config) inventory.Bool {
	out, err := iam.NewFromConfig(e.instrument(base, baseCaller)).ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	if err != nil {
		if e.o.Logger != nil {
			e.o.Logger.Debug("centralized root access features not read", "operation", "iam:ListOrganizationsFeatures", "error", errorMessage("iam:ListOrganizationsFeatures", err))
		}
		return inventory.Bool{}
	}
	return inventory.Known(slices.Contains(out.EnabledFeatures, iamtypes.FeatureTypeRootCredentialsManagement))
}

// baseCaller is the pace target of the calls made with the credentials the
// scan started with (listing the organization, assuming roles): the
// provider's quotas for them are the calling account's.
const baseCaller = "organization"

// assume gives a credentials for roleARN, checking at once that the role
// can be assumed so a refusal is one error entry for the account.
func (e *env) assume(ctx context.Context, base sdk.Config, a *account, roleARN, externalID string) {
	// STS counts AssumeRole against the account whose credentials call
	// it, not the one assumed into: every account of an organization is
	// assumed with the same credentials, so they share one pace, as they
	// share one quota.
	stsClient := sts.NewFromConfig(e.instrument(base, baseCaller))
	provider := stscreds.NewAssumeRoleProvider(stsClient, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = e.o.sessionName
		if externalID != "" {
			o.ExternalID = sdk.String(externalID)
		}
	})
	cfg := base.Copy()
	cfg.Credentials = sdk.NewCredentialsCache(provider)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		a.err, a.operation = fmt.Errorf("assume role %s: %w", roleARN, err), "sts:AssumeRole"
		return
	}
	a.cfg = e.instrument(cfg, a.ID)
}

// regions sets the account's regions: the declared ones, or every region
// enabled in the account.
func (e *env) regions(ctx context.Context, a *account, declared []string) {
	if len(declared) > 0 {
		a.Regions = append([]string(nil), declared...)
		return
	}
	out, err := ec2.NewFromConfig(a.cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		a.err, a.operation = fmt.Errorf("list the enabled regions: %w", err), "ec2:DescribeRegions"
		return
	}
	for _, r := range out.Regions {
		if s := sdk.ToString(r.OptInStatus); s == "" || s == "opt-in-not-required" || s == "opted-in" {
			a.Regions = append(a.Regions, sdk.ToString(r.RegionName))
		}
	}
	sort.Strings(a.Regions)
}

// instrument returns cfg with every call of the account paced through the
// scheduler.
func (e *env) instrument(cfg sdk.Config, accountID string) sdk.Config {
	cfg = cfg.Copy()
	sched := e.o.Scheduler
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		// Each attempt waits for its API's pace and a free slot.
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("ownauditSchedule",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				service := actionPrefix(awsmiddleware.GetServiceID(ctx))
				op := awsmiddleware.GetOperationName(ctx)
				call := scanners.Call{Cloud: string(inventory.AWS), Target: accountID, Region: awsmiddleware.GetRegion(ctx),
					Service: service, Operation: op, API: service + ":" + op}
				release, err := sched.Acquire(ctx, call, limitFor(service, op))
				if err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				defer release()
				out, md, err := next.HandleFinalize(ctx, in)
				// A throttling code slows the API down (scanners.Scheduler.Done).
				sched.Done(call, outcome(err))
				return out, md, err
			}), "Retry", middleware.After)
	})
	return cfg
}

// throttles tells a throttling answer from other errors, as the SDK's
// retryer does.
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// maxThrottledAttempts bounds the attempts of one call that keeps being
// throttled; the scan's retry budget bounds them all.
const maxThrottledAttempts = 25

// retryer is the SDK's standard retryer with the scan's retry budget in
// place of the SDK's per-client retry quota: a call answered with other
// errors gets maxAttempts attempts as before, but a throttled call is
// tried again (up to maxThrottledAttempts, with the standard backoff)
// while the scan's budget lasts, so that one unlucky batch is not lost
// whole; the scheduler meanwhile slows the API down.
type retryer struct {
	*retry.Standard
	sched       *scanners.Scheduler
	maxAttempts int
}

func newRetryer(sched *scanners.Scheduler, maxAttempts int) *retryer {
	return &retryer{
		Standard: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = maxThrottledAttempts
			so.RateLimiter = ratelimit.None
		}),
		sched:       sched,
		maxAttempts: maxAttempts,
	}
}

// GetRetryToken takes a retry from the scan's budget.
func (r *retryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	if !r.sched.Retry() {
		return nil, errors.New("the scan's retry budget is spent")
	}
	return func(error) error { return nil }, nil
}

// RetryDelay is the standard backoff for errors, which get no attempt
// past maxAttempts. A throttled call is tried again after a short jitter
// only: the scheduler, which has just slowed its API down, paces the
// retry as it paces every call, and a longer wait would stall the pages
// that follow it.
func (r *retryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	if throttles.IsErrorThrottle(err).Bool() {
		return throttleJitter.BackoffDelay(attempt, err)
	}
	if attempt >= r.maxAttempts {
		return 0, &retry.MaxAttemptsError{Attempt: attempt, Err: err}
	}
	return r.Standard.RetryDelay(attempt, err)
}

// throttleJitter spreads the retries of throttled calls over at most
// 100 ms.
var throttleJitter = retry.NewExponentialJitterBackoff(100 * time.Millisecond)

// outcome is the code a request is counted under: OK, the provider's error
// code, InvalidResponse when what came back was not an answer, or
// NetworkError when nothing came back.
func outcome(err error) string {
	if err == nil {
		return scanners.CodeOK
	}
	var bad *badAnswer
	if errors.As(err, &bad) {
		return scanners.CodeInvalidResponse
	}
	if code := errorCode(err); code != "" {
		return code
	}
	return scanners.CodeNetworkError
}

// actionPrefix turns an SDK service id into the IAM action prefix.
func actionPrefix(serviceID string) string {
	switch serviceID {
	case "Elastic Load Balancing v2":
		return "elasticloadbalancing"
	default:
		return strings.ToLower(serviceID)
	}
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func accountFromARN(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 4 {
		return parts[4]
	}
	return ""
}

// Clients for one account, in one region.

func (a *account) regional(region string) sdk.Config {
	cfg := a.cfg.Copy()
	cfg.Region = region
	return cfg
}

func (a *account) ec2(region string) *ec2.Client { return ec2.NewFromConfig(a.regional(region)) }
func (a *account) ssm(region string) *ssm.Client { return ssm.NewFromConfig(a.regional(region)) }
func (a *account) rds(region string) *rds.Client { return rds.NewFromConfig(a.regional(region)) }
func (a *account) kms(region string) *kms.Client { return kms.NewFromConfig(a.regional(region)) }
func (a *account) elbv2(region string) *elasticloadbalancingv2.Client {
	return elasticloadbalancingv2.NewFromConfig(a.regional(region))
}
func (a *account) s3(region string) *s3.Client { return s3.NewFromConfig(a.regional(region)) }

// iam is global; its calls go to the configured (or default) region's
// endpoint.
func (a *account) iam() *iam.Client { return iam.NewFromConfig(a.cfg) }

// eachRegion runs fn for every account of t and each of its regions, in
// parallel (the scheduler bounds the calls), and records each (account,
// region) as one scanner run. An account that could not be resolved gets
// one error entry for the domain.
func (e *env) eachRegion(ctx context.Context, t scanners.Target, out *scanners.Sink, domain inventory.Domain,
	fn func(a *account, region string)) error {
	accts, err := e.accounts(ctx, t, out)
	if err != nil {
		return err
	}
	scanners.EachRegion(out, inventory.AWS, domain, accts, fn)
	return nil
}

// eachAccount runs fn for every account of t in parallel, and records each
// account as one scanner run (region "").
func (e *env) eachAccount(ctx context.Context, t scanners.Target, out *scanners.Sink, domain inventory.Domain,
	fn func(a *account)) error {
	accts, err := e.accounts(ctx, t, out)
	if err != nil {
		return err
	}
	scanners.EachTarget(out, inventory.AWS, domain, accts, fn)
	return nil
}

// TargetID, TargetRegions and Unreadable make an account a
// scanners.Resolved.
func (a *account) TargetID() string        { return a.ID }
func (a *account) TargetRegions() []string { return a.Regions }
func (a *account) Unreadable(domain inventory.Domain) (inventory.ScanError, bool) {
	if a.err == nil {
		return inventory.ScanError{}, false
	}
	return scanError(a.ID, "", domain, a.operation, nil, a.err), true
}

// scope names a part of the account's domain scan, for its goroutines.
func (a *account) scope(region string, domain inventory.Domain) scanners.Scope {
	return scanners.Scope{Cloud: inventory.AWS, Target: a.ID, Region: region, Domain: domain}
}

var notAuthorized = regexp.MustCompile(`not authorized to perform:? ([a-zA-Z0-9-]+:[A-Za-z0-9*]+)`)

// scanError describes a failed read: where, which operation, the resource
// types left unread, and the missing permission when the provider said
// which (AccessDenied names the action; otherwise the operation itself is
// the permission a read-only role needs).
func scanError(accountID, region string, domain inventory.Domain, operation string, types []string, err error) inventory.ScanError {
	e := inventory.ScanError{Cloud: inventory.AWS, Target: accountID, Region: region, Domain: domain,
		Operation: operation, ResourceTypes: types, Message: errorMessage(operation, err)}
	if m := notAuthorized.FindStringSubmatch(err.Error()); m != nil {
		e.Permission = m[1]
	} else if isAccessDenied(err) {
		e.Permission = operation
	}
	return e
}

// errorMessage is the SDK's error without the request id noise, prefixed
// by the operation.
func errorMessage(operation string, err error) string {
	var api smithy.APIError
	var bad *badAnswer
	msg := err.Error()
	switch {
	case errors.As(err, &bad):
		msg = bad.Error()
	case errors.As(err, &api):
		msg = api.ErrorCode() + ": " + api.ErrorMessage()
	}
	if operation != "" && !strings.Contains(msg, operation) {
		msg = operation + ": " + msg
	}
	return msg
}

func isAccessDenied(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "AuthFailure":
		return true
	}
	return false
}

// errorCode is the provider's error code, or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// tags turns SDK tag pairs, whose keys and values are pointers, into a
// map.
func tags[T any](list []T, kv func(T) (*string, *string)) map[string]string {
	return scanners.Tags(list, func(t T) (string, string) {
		k, v := kv(t)
		return sdk.ToString(k), sdk.ToString(v)
	})
}

// Isolated returns load options for a fixed endpoint and static
// credentials that ignore the machine's own AWS configuration (profiles,
// environment, instance metadata): for the simulator the demo scans, and
// for emulators in tests.
func Isolated(endpoint, region, accessKey, secret string) []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secret, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	}
}
