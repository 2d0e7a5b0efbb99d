package azure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// errNoCredentials says, in one line, that the credential chain found no
// credentials, what it tried and what to do; the chain's own account of
// each credential goes to the debug log.
var errNoCredentials = errors.New("no Azure credentials found: tried the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID " +
	"with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH), workload identity (AZURE_FEDERATED_TOKEN_FILE, as AKS sets it), " +
	"a managed identity and the Azure CLI; to fix: run `az login`, or export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET " +
	"for a service principal, or on AKS enable workload identity for the pod's service account " +
	"(see configs/kubernetes/serviceaccount.yaml); --log-level debug shows each credential's answer")

// advised is the credential chain, with "found none" said plainly. When
// a credential was configured and failed (a wrong secret, an expired CLI
// login), the chain's answer is kept, on one line: that is what to act on.
type advised struct {
	azcore.TokenCredential
	logger *slog.Logger
}

func (a advised) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := a.TokenCredential.GetToken(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), chainFailed) {
		return tok, err
	}
	if a.logger != nil {
		a.logger.Debug("the Azure credential chain got no token", "answers", err.Error())
	}
	if noneConfigured(err.Error()) {
		return tok, errNoCredentials
	}
	return tok, fmt.Errorf("the Azure credential chain got no token: %s", strings.Join(strings.Fields(err.Error()), " "))
}

// chainFailed starts the error of a credential chain none of whose
// credentials gave a token.
const chainFailed = "DefaultAzureCredential: failed to acquire a token"

// notConfigured are how the chain's credentials say they were not set up
// on this machine, as opposed to set up and refused. A managed identity
// counts as not set up whatever it answers: off Azure, the metadata
// address is not Azure's.
var notConfigured = []string{"missing environment variable", "no client ID specified", "not found on path",
	"Azure CLI not found", "az login", "Azure Developer CLI not found", "azd auth login", "ManagedIdentityCredential",
	"no default identity", "is not configured", "no such file"}

// noneConfigured reports whether every credential the chain tried says it
// was not set up (the chain lists one per line, indented by a tab).
func noneConfigured(msg string) bool {
	tried := 0
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		name, answer, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasSuffix(name, "Credential") {
			continue
		}
		tried++
		if !slices.ContainsFunc(notConfigured, func(s string) bool { return strings.Contains(name+":"+answer, s) }) {
			return false
		}
	}
	return tried > 0
}

// adviseChain wraps the default credential chain; see advised.
func adviseChain(cred azcore.TokenCredential, err error, logger *slog.Logger) (azcore.TokenCredential, error) {
	if err != nil {
		return nil, fmt.Errorf("set up the Azure credential chain: %w", err)
	}
	return advised{TokenCredential: cred, logger: logger}, nil
}
