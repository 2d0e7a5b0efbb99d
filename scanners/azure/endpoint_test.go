package azure

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/declaration"
)

func TestEndpointsFromEnv(t *testing.T) {
	files := map[string][]byte{"/ca.pem": []byte("PEM")}
	read := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, errors.New("no such file")
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		wantURL string
		wantErr string
	}{
		{name: "unset", env: nil},
		{name: "private cloud", env: map[string]string{envAzureEndpoint: "https://management.local.azurestack.external", envAzureAudience: "https://management.adfs.azurestack.local/abc", envAzureCAFile: "/ca.pem"},
			wantURL: "https://management.local.azurestack.external"},
		{name: "plain http", env: map[string]string{envAzureEndpoint: "http://127.0.0.1:8080"}, wantErr: "want an https URL"},
		{name: "audience alone", env: map[string]string{envAzureAudience: "x"}, wantErr: envAzureEndpoint + " is not"},
		{name: "missing CA file", env: map[string]string{envAzureEndpoint: "https://x.example", envAzureCAFile: "/nope.pem"}, wantErr: envAzureCAFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep, err := endpointFromEnv(func(k string) string { return c.env[k] }, read)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error = %v, want one saying %q", err, c.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if c.wantURL == "" {
				if ep != nil {
					t.Errorf("endpoint %+v, want none", ep)
				}
				return
			}
			if ep.URL != c.wantURL || ep.Audience != c.env[envAzureAudience] || string(ep.CACert) != "PEM" || ep.Identity != "" {
				t.Errorf("endpoint = %+v, want the URL, audience and CA, and the credential chain (no identity)", ep)
			}
		})
	}
}

// The declaration names the sovereign clouds the Azure scanners know,
// without importing them.
func TestDeclaredAzureCloudsAreTheScannersClouds(t *testing.T) {
	if got, want := declaration.AzureClouds, CloudNames(); !slices.Equal(got, want) {
		t.Errorf("declaration.AzureClouds = %v, the scanners know %v", got, want)
	}
}
