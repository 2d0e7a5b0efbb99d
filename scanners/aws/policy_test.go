package aws

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []inventory.Statement
	}{
		{
			name: "single statement object, string elements",
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want: []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}},
		},
		{
			name: "statement list, list elements, NotAction",
			doc: `{"Statement":[
				{"Sid":"a","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},
				{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*"}]}`,
			want: []inventory.Statement{
				{Effect: "Allow", Actions: []string{"s3:GetObject", "s3:PutObject"}, Resources: []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}},
				{Effect: "Deny", NotActions: []string{"iam:*"}, Resources: []string{"*"}},
			},
		},
		{
			name: "principal star",
			doc:  `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::w/*"}]}`,
			want: []inventory.Statement{{Effect: "Allow", Principals: []string{"*"}, Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::w/*"}}},
		},
		{
			name: "principal AWS star",
			doc:  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}]}`,
			want: []inventory.Statement{{Effect: "Allow", Principals: []string{"*"}, Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}},
		},
		{
			name: "principal AWS list and Service, kinds in sorted order",
			doc: `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com",
				"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:user/x"]},"Action":"s3:PutObject","Resource":"*"}]}`,
			want: []inventory.Statement{{Effect: "Allow",
				Principals: []string{"arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:user/x", "cloudtrail.amazonaws.com"},
				Actions:    []string{"s3:PutObject"}, Resources: []string{"*"}}},
		},
		{
			name: "conditions: bool, number and list values as strings, sorted by operator then key",
			doc: `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{
				"StringEquals":{"aws:SourceVpc":["vpc-2","vpc-1"],"aws:PrincipalAccount":"111111111111"},
				"Bool":{"aws:SecureTransport":false},
				"NumericLessThan":{"s3:TlsVersion":1.2}}}]}`,
			want: []inventory.Statement{{Effect: "Deny", Principals: []string{"*"}, Actions: []string{"s3:*"}, Resources: []string{"*"},
				Conditions: []inventory.Condition{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}},
					{Operator: "NumericLessThan", Key: "s3:TlsVersion", Values: []string{"1.2"}},
					{Operator: "StringEquals", Key: "aws:PrincipalAccount", Values: []string{"111111111111"}},
					{Operator: "StringEquals", Key: "aws:SourceVpc", Values: []string{"vpc-2", "vpc-1"}},
				}}},
		},
		{
			name: "bool condition written as a string stays the same string",
			doc:  `{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
			want: []inventory.Statement{{Effect: "Deny", Actions: []string{"s3:*"}, Resources: []string{"*"},
				Conditions: []inventory.Condition{{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}}}}},
		},
		{
			name: "empty statement list",
			doc:  `{"Version":"2012-10-17","Statement":[]}`,
			want: []inventory.Statement{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePolicy(tt.doc)
			if err != nil {
				t.Fatalf("parsePolicy: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parsePolicy =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParsePolicyConditionOrderIsStable(t *testing.T) {
	doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
		"StringLike":{"k3":"v","k1":"v","k2":"v"},"Bool":{"b2":true,"b1":false},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`
	first, err := parsePolicy(doc)
	if err != nil {
		t.Fatalf("parsePolicy: %v", err)
	}
	for range 20 {
		got, err := parsePolicy(doc)
		if err != nil {
			t.Fatalf("parsePolicy: %v", err)
		}
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("parsePolicy = %v, earlier run gave %v", got, first)
		}
	}
	var keys []string
	for _, c := range first[0].Conditions {
		keys = append(keys, c.Operator+"/"+c.Key)
	}
	want := "Bool/b1 Bool/b2 IpAddress/aws:SourceIp StringLike/k1 StringLike/k2 StringLike/k3"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("condition order = %q, want %q", got, want)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{"Statement":`, "policy document"},
		{"no statement", `{"Version":"2012-10-17"}`, "no Statement"},
		{"bad effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, "neither Allow nor Deny"},
		{"missing effect", `{"Statement":{"Action":"*","Resource":"*"}}`, "neither Allow nor Deny"},
		{"NotPrincipal not a principal", `{"Statement":{"Effect":"Deny","NotPrincipal":"arn:aws:iam::1:root","Action":"*","Resource":"*"}}`, "NotPrincipal"},
		{"NotResource object", `{"Statement":{"Effect":"Allow","Action":"*","NotResource":{"a":1}}}`, "NotResource"},
		{"principal string not star", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*","Resource":"*"}}`, "Principal"},
		{"action object", `{"Statement":{"Effect":"Allow","Action":{"a":1},"Resource":"*"}}`, "Action"},
		{"condition value object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":{"x":1}}}}}`, "Condition"},
		{"trailing data", `{"Statement":[]} {}`, "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePolicy(tt.doc)
			if err == nil {
				t.Fatalf("parsePolicy = %v, want an error mentioning %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParsePolicyKeepsNotElements(t *testing.T) {
	got, err := parsePolicy(`{"Statement":[
		{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::1:root","arn:aws:iam::1:role/admin"]},"Action":"s3:*","Resource":"*"},
		{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::x"}]}`)
	if err != nil {
		t.Fatalf("parsePolicy: %v", err)
	}
	want := []inventory.Statement{
		{Effect: "Deny", NotPrincipals: []string{"arn:aws:iam::1:root", "arn:aws:iam::1:role/admin"}, Actions: []string{"s3:*"}, Resources: []string{"*"}},
		{Effect: "Allow", Actions: []string{"*"}, NotResources: []string{"arn:aws:s3:::x"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsePolicy = %+v, want %+v", got, want)
	}
}
