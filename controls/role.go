package controls

// Role is what a party is in the shared-responsibility model.
type Role string

// The roles: the customer, a managed-service provider it contracts, and
// the cloud provider.
const (
	Customer Role = "customer"
	MSP      Role = "msp"
	Provider Role = "provider"
)

// Roles lists the roles in a fixed order.
var Roles = []Role{Customer, MSP, Provider}
