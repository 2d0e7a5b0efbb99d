package azure

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// chainError is a credential chain's answer, as azidentity words it.
type chainError string

func (c chainError) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New(string(c))
}

func TestNoCredentialsIsOneLineWithAdvice(t *testing.T) {
	none := chainFailed + ".\nAttempted credentials:\n\tEnvironmentCredential: missing environment variable AZURE_TENANT_ID\n" +
		"\tWorkloadIdentityCredential: no client ID specified. Check pod configuration or set ClientID in the options\n" +
		"\tManagedIdentityCredential authentication failed. \n\t\tGET http://169.254.169.254/metadata/identity/oauth2/token\n\t\tRESPONSE 403\n" +
		"\tAzureCLICredential: Azure CLI not found on path\n\tAzureDeveloperCLICredential: Azure Developer CLI not found on path"
	refused := chainFailed + ".\nAttempted credentials:\n\tEnvironmentCredential: authentication failed:\n\t\tAADSTS7000215: Invalid client secret provided.\n" +
		"\tWorkloadIdentityCredential: no client ID specified"
	for _, tc := range []struct {
		name, chain string
		want        []string
		not         []string
	}{
		{"nothing configured", none, []string{"no Azure credentials found", "az login", "AZURE_CLIENT_SECRET", "workload identity"}, []string{"169.254", "\n"}},
		{"a secret refused", refused, []string{"the Azure credential chain got no token", "AADSTS7000215"}, []string{"no Azure credentials found", "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := advised{TokenCredential: chainError(tc.chain)}.GetToken(context.Background(), policy.TokenRequestOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q contains %q", err, n)
				}
			}
		})
	}
	other := errors.New("context deadline exceeded")
	if _, err := (advised{TokenCredential: chainError(other.Error())}).GetToken(context.Background(), policy.TokenRequestOptions{}); err.Error() != other.Error() {
		t.Errorf("an error that is not the chain's = %q, want it unchanged", err)
	}
}
