package azure

import (
	"fmt"
	"net/url"

	"github.com/ownaudit/ownaudit/scanners"
)

// Environment variables that point the Azure scanners at another Resource
// Manager than the target's cloud: a private cloud (Azure Stack Hub), a
// proxy, or the simulator. Credentials still come from the Azure
// credential chain; AZURE_AUTHORITY_HOST names a private Entra ID.
const (
	envAzureEndpoint = "OWNAUDIT_AZURE_ENDPOINT" // https URL of Resource Manager (and Resource Graph)
	envAzureAudience = "OWNAUDIT_AZURE_AUDIENCE" // token audience; the endpoint when unset
	envAzureCAFile   = "OWNAUDIT_AZURE_CA_FILE"  // PEM certificates to trust besides the system's
)

// endpointFromEnv reads the endpoint override; nil when unset.
func endpointFromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (*scanners.Endpoint, error) {
	endpoint := getenv(envAzureEndpoint)
	if endpoint == "" {
		for _, v := range []string{envAzureAudience, envAzureCAFile} {
			if getenv(v) != "" {
				return nil, fmt.Errorf("%s is set but %s is not; set the Resource Manager URL too", v, envAzureEndpoint)
			}
		}
		return nil, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s=%q: want an https URL such as https://management.local.azurestack.external (Azure sends tokens over TLS only)", envAzureEndpoint, endpoint)
	}
	ep := scanners.Endpoint{URL: endpoint, Audience: getenv(envAzureAudience)}
	if f := getenv(envAzureCAFile); f != "" {
		if ep.CACert, err = readFile(f); err != nil {
			return nil, fmt.Errorf("%s: %w", envAzureCAFile, err)
		}
	}
	return &ep, nil
}
