package aws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go/logging"
)

// This file is about the ambient credentials: the SDK clients built while
// the configuration loads log through ownaudit's logger, the instance
// metadata service is given up on quickly where there is none, and a scan
// without credentials says in one line what was tried and what to do.

// loadLogging makes every client the SDK builds while it loads the
// configuration (the instance metadata client, the SSO and STS clients of
// the credential chain) log through logger, not through the SDK's own
// logger on stderr; and makes the instance metadata client of the chain
// give up fast off EC2.
func loadLogging(logger logging.Logger) []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithLogger(logger),
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) {
			if o.Client == nil {
				o.Client = metadataClient(logger)
			}
		}),
	}
}

// metadataClient is the instance metadata client of the credential chain.
// On EC2 the service answers within milliseconds; elsewhere nothing
// answers, and with the SDK's defaults (the scan's retryer: five attempts
// for the token, five for the role) a scan waits several seconds before
// it can say there are no credentials. One attempt each, as the AWS CLI
// makes by default (metadata_service_num_attempts), gives up within about
// a second. The client keeps the SDK's short dial and response timeouts
// and reads AWS_EC2_METADATA_DISABLED and
// AWS_EC2_METADATA_SERVICE_ENDPOINT itself.
func metadataClient(logger logging.Logger) *imds.Client {
	return imds.New(imds.Options{
		Logger: logger,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = metadataAttempts
		}),
	})
}

// metadataAttempts is how often each metadata request is tried.
const metadataAttempts = 1

// checkCredentials retrieves the ambient credentials once per run, so that
// a scan without any fails once, with one message for every target and
// domain, instead of each SDK call repeating the credential chain's error.
func (e *env) checkCredentials(ctx context.Context, cfg sdk.Config) error {
	e.credOnce.Do(func() {
		if cfg.Credentials == nil {
			e.credErr = noCredentials(cfg, nil)
			return
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			e.credErr = noCredentials(cfg, err)
		}
	})
	return e.credErr
}

// credentialsAdvice is what to do when there are no usable credentials.
const credentialsAdvice = "to fix: set AWS_PROFILE to a profile in ~/.aws/config (for an SSO profile, run `aws sso login --profile NAME` first), " +
	"or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or on EKS give the pod's service account an IAM role (IRSA, see configs/kubernetes/serviceaccount.yaml)"

// noCredentials explains in one line why cfg has no usable credentials:
// what the chain tried and what to do. The SDK's own error repeats the
// chain's steps and wrappers; only its last cause is kept.
func noCredentials(cfg sdk.Config, err error) error {
	profile := os.Getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	if err == nil || sdk.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil)) {
		// The chain found nothing configured and ended at the instance
		// metadata service, which had no role either.
		metadata := "switched off by AWS_EC2_METADATA_DISABLED"
		if !strings.EqualFold(os.Getenv("AWS_EC2_METADATA_DISABLED"), "true") {
			metadata = "no role there: " + lastCause(err)
		}
		return fmt.Errorf("no AWS credentials found: tried the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "+
			"the shared config and credentials files (profile %q), web identity (AWS_WEB_IDENTITY_TOKEN_FILE, as IRSA sets it), "+
			"container credentials and the EC2 instance metadata service (%s); %s", profile, metadata, credentialsAdvice)
	}
	advice := credentialsAdvice
	if strings.Contains(strings.ToLower(err.Error()), "sso") {
		advice = fmt.Sprintf("to fix: run `aws sso login --profile %s` and scan again", profile)
	}
	return fmt.Errorf("the AWS credentials of profile %q could not be retrieved: %s; %s", profile, lastCause(err), advice)
}

// lastCause is the end of an SDK error chain, whose wrappers repeat the
// chain's steps: the HTTP status an endpoint answered with, or the
// innermost error (a refused or timed-out connection).
func lastCause(err error) string {
	if err == nil {
		return "none configured"
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		return fmt.Sprintf("it answered HTTP %d", status.HTTPStatusCode())
	}
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err.Error()
		}
		err = inner
	}
}

// throttleCodes are the error codes with which AWS throttles a request.
func throttleCodes() []string {
	codes := make([]string, 0, len(retry.DefaultThrottleErrorCodes))
	for c := range retry.DefaultThrottleErrorCodes {
		codes = append(codes, c)
	}
	return codes
}
