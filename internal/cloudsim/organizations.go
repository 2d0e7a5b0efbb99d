package cloudsim

import "net/http"

// Organizations: the member accounts, for the management account only.
var orgOps = map[string]awsHandler{
	"ListAccounts": func(c *awsCall) {
		var in struct {
			MaxResults int
			NextToken  string
		}
		if !c.Decode(&in) {
			return
		}
		org := c.s.world.AWS.Organization
		if org == nil {
			c.Fail(http.StatusBadRequest, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
			return
		}
		if c.Account != org.Management {
			c.Fail(http.StatusBadRequest, "AccessDeniedException", "You don't have permissions to access this resource: only the management account (or a delegated administrator) can list accounts.")
			return
		}
		def := org.PageSize
		if def == 0 {
			def = 10
		}
		lo, hi, next, ok := c.Page(len(org.Members), in.MaxResults, in.NextToken, Paging{Default: def, Min: 1, Max: 20})
		if !ok {
			return
		}
		type account struct {
			ID              string `json:"Id"`
			Arn             string
			Email           string
			Name            string
			Status          string
			State           string
			JoinedMethod    string
			JoinedTimestamp float64
		}
		out := struct {
			Accounts  []account
			NextToken string `json:",omitempty"`
		}{Accounts: []account{}, NextToken: next}
		for _, m := range org.Members[lo:hi] {
			status := m.Status
			if status == "" {
				status = "ACTIVE"
			}
			out.Accounts = append(out.Accounts, account{
				ID: m.ID, Arn: "arn:aws:organizations::" + org.Management + ":account/o-sim/" + m.ID,
				Email: m.Email, Name: m.Name, Status: status, State: status, JoinedMethod: "CREATED",
				JoinedTimestamp: 1.6e9,
			})
		}
		c.JSON(out)
	},
}
