package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(OutdatedTLS, func(t *testing.T) []checkCase {
	listener := func(protocol, policy string, min inventory.String) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSListener,
			ID: "arn:aws:elasticloadbalancing:eu-central-1:111111111111:listener/app/web/1/2", TLS: &inventory.TLSEndpoint{Protocol: protocol, Policy: policy, MinTLSVersion: min}}
	}
	sslPolicy := func(min inventory.String) inventory.Resource {
		return inventory.Resource{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPSSLPolicy, ID: "web-ssl", TLS: &inventory.TLSEndpoint{Policy: "web-ssl", MinTLSVersion: min}}
	}
	account := func(min inventory.String) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Azure, Target: "sub", Type: inventory.AzureStorageAccount, ID: "acmedata", Storage: &inventory.Storage{MinTLSVersion: min}}
	}
	sqlServer := func(min inventory.String) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Azure, Target: "sub", Type: inventory.AzureSQLServer, ID: "sql-shop", Database: &inventory.Database{MinTLSVersion: min}}
	}
	v := inventory.Known[string]
	cases := []checkCase{
		{name: "https listener tls 1.2", res: listener("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", v("1.2")), want: Pass},
		{name: "tls listener tls 1.3", res: listener("TLS", "ELBSecurityPolicy-TLS13-1-3-2021-06", v("1.3")), want: Pass},
		{name: "https listener tls 1.0", res: listener("HTTPS", "ELBSecurityPolicy-2016-08", v("1.0")), want: Fail},
		{name: "https listener tls 1.1", res: listener("HTTPS", "ELBSecurityPolicy-TLS-1-1-2017-01", v("1.1")), want: Fail},
		{name: "plain http listener", res: listener("HTTP", "", inventory.String{}), want: NotApplicable},
		{name: "plain tcp listener", res: listener("TCP", "", inventory.String{}), want: NotApplicable},
		{name: "https listener version unknown", res: listener("HTTPS", "ELBSecurityPolicy-2016-08", inventory.String{}), want: Error},
		{name: "listener tls facet missing", res: inventory.Resource{Type: inventory.AWSListener, ID: "l"}, want: Error},
		{name: "storage account tls 1.2", res: account(v("1.2")), want: Pass},
		{name: "storage account tls 1.0", res: account(v("1.0")), want: Fail},
		{name: "storage account unknown", res: account(inventory.String{}), want: Error},
		{name: "sql server tls 1.2", res: sqlServer(v("1.2")), want: Pass},
		{name: "sql server tls 1.0", res: sqlServer(v("1.0")), want: Fail},
		{name: "sql server tls 1.1", res: sqlServer(v("1.1")), want: Fail},
		{name: "sql server minimum unknown", res: sqlServer(inventory.String{}), want: Error},
		{name: "ssl policy tls 1.2", res: sslPolicy(v("1.2")), want: Pass},
		{name: "ssl policy tls 1.1", res: sslPolicy(v("1.1")), want: Fail},
		{name: "ssl policy version not normalized", res: sslPolicy(v("TLS_1_2")), want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := OutdatedTLS.Check(env, listener("HTTPS", "ELBSecurityPolicy-2016-08", v("1.0")))
	if want := "the listener's security policy ELBSecurityPolicy-2016-08 accepts TLS 1.0, below 1.2"; got.Message != want {
		t.Errorf("Check(tls 1.0 listener).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["minTlsVersion"] != "1.0" || got.Evidence["policy"] != "ELBSecurityPolicy-2016-08" || got.Evidence["protocol"] != "HTTPS" {
		t.Errorf("Check(tls 1.0 listener).Evidence = %v, want minTlsVersion, policy and protocol", got.Evidence)
	}
	got = OutdatedTLS.Check(env, sslPolicy(v("1.1")))
	if want := "the SSL policy web-ssl accepts TLS 1.1, below 1.2"; got.Message != want {
		t.Errorf("Check(ssl policy tls 1.1).Message = %q, want %q", got.Message, want)
	}
	got = OutdatedTLS.Check(env, account(v("1.1")))
	if want := "the storage account accepts TLS 1.1, below 1.2"; got.Message != want {
		t.Errorf("Check(storage tls 1.1).Message = %q, want %q", got.Message, want)
	}
	return cases
})
