package cloudsim

// elbv2Ops answers ... (to be written).
var elbv2Ops = map[string]awsHandler{}
