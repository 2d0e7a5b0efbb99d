package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// STS: the caller's identity, and AssumeRole into the world's accounts.
var stsOps = map[string]awsHandler{
	"GetCallerIdentity": func(c *awsCall) {
		c.XML(struct {
			UserID  string `xml:"UserId"`
			Account string `xml:"Account"`
			Arn     string `xml:"Arn"`
		}{"AIDASIMULATOR", c.Account, c.Caller})
	},
	"AssumeRole": assumeRole,
}

func assumeRole(c *awsCall) {
	arn := c.Form.Get("RoleArn")
	c.resource = arn
	if c.Form.Get("RoleSessionName") == "" {
		c.ValidationError("RoleSessionName is required")
		return
	}
	// arn:aws:iam::<account>:role/<path/>name
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		c.ValidationError(fmt.Sprintf("%q is not a role ARN", arn))
		return
	}
	account, role := parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
	target := c.s.world.AWS.Account(account)
	denied := fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.Caller, arn)
	if target == nil || !contains(target.Roles, role) {
		c.Fail(http.StatusForbidden, "AccessDenied", denied)
		return
	}
	if want := target.ExternalIDs[role]; want != "" && c.Form.Get("ExternalId") != want {
		c.Fail(http.StatusForbidden, "AccessDenied", denied)
		return
	}
	c.s.mu.Lock()
	key := fmt.Sprintf("ASIASIM%s%05d", account, len(c.s.sessions)+1)
	c.s.sessions[key] = session{Account: account, Role: role}
	c.s.mu.Unlock()
	type creds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	c.XML(struct {
		Credentials     creds `xml:"Credentials"`
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	}{
		Credentials: creds{key, "cloudsim-session-secret", "cloudsim-session-token", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		AssumedRoleUser: struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		}{"AROASIMULATOR:" + c.Form.Get("RoleSessionName"), fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, role, c.Form.Get("RoleSessionName"))},
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
